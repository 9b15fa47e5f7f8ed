#include "config/resilience_config.h"

#include "absl/strings/str_cat.h"
#include "config/yaml_util.h"

namespace llmgw {

using namespace config_internal;  // NOLINT: the parsers' vocabulary

absl::Status ParseResilienceSection(const YAML::Node& node,
                                    ResilienceConfig& resilience) {
  if (!node.IsMap()) return KeyError("resilience", "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = absl::StrCat("resilience.", key);
    const YAML::Node& v = kv.second;
    if (key == "max_failures_before_cooldown") {
      ASSIGN_OR_RETURN_CFG(resilience.keys.max_failures_before_cooldown,
                           ScalarInt(v, at));
    } else if (key == "default_cooldown_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.keys.default_cooldown, ScalarSeconds(v, at));
    } else if (key == "max_cooldown_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.keys.max_cooldown, ScalarSeconds(v, at));
    } else if (key == "max_key_attempts") {
      ASSIGN_OR_RETURN_CFG(resilience.keys.max_key_attempts, ScalarInt(v, at));
    } else if (key == "failure_threshold") {
      ASSIGN_OR_RETURN_CFG(resilience.circuit.failure_threshold, ScalarInt(v, at));
    } else if (key == "circuit_cooldown_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.circuit.cooldown, ScalarSeconds(v, at));
    } else if (key == "max_retries") {
      ASSIGN_OR_RETURN_CFG(resilience.retry.max_retries, ScalarInt(v, at));
    } else if (key == "base_delay_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.retry.base_delay, ScalarSeconds(v, at));
    } else if (key == "max_delay_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.retry.max_delay, ScalarSeconds(v, at));
    } else {
      return KeyError(at, "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyResilienceEnvironment(const EnvLookup& /*env*/,
                                        ResilienceConfig& /*resilience*/) {
  return absl::OkStatus();
}

}  // namespace llmgw
