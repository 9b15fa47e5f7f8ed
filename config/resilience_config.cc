#include "config/resilience_config.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/yaml_util.h"

namespace llmgw {

using namespace config_internal;  // NOLINT: the parsers' vocabulary

// Upper bound of every count in the section (bounded from outside).
constexpr int64_t kMaxCount = 1000;

absl::Status ParseResilienceSection(const YAML::Node& node,
                                    ResilienceConfig& resilience) {
  if (!node.IsMap()) return KeyError("resilience", "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = absl::StrCat("resilience.", key);
    const YAML::Node& v = kv.second;
    if (key == "max_failures_before_cooldown") {
      ASSIGN_OR_RETURN_CFG(resilience.keys.max_failures_before_cooldown,
                           ScalarIntIn(v, at, 0, kMaxCount));
    } else if (key == "default_cooldown_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.keys.default_cooldown,
                           ScalarSeconds(v, at));
    } else if (key == "max_cooldown_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.keys.max_cooldown, ScalarSeconds(v, at));
    } else if (key == "max_key_attempts") {
      ASSIGN_OR_RETURN_CFG(resilience.keys.max_key_attempts,
                           ScalarIntIn(v, at, 0, kMaxCount));
    } else if (key == "failure_threshold") {
      ASSIGN_OR_RETURN_CFG(resilience.circuit.failure_threshold,
                           ScalarIntIn(v, at, 0, kMaxCount));
    } else if (key == "circuit_cooldown_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.circuit.cooldown, ScalarSeconds(v, at));
    } else if (key == "circuit_max_cooldown_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.circuit.max_cooldown,
                           ScalarSeconds(v, at));
    } else if (key == "enabled") {
      if (!v.IsScalar() || (v.Scalar() != "true" && v.Scalar() != "false")) {
        return KeyError(at, "expected true or false");
      }
      resilience.enabled = v.Scalar() == "true";
    } else if (key == "stream_idle_timeout_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.stream_idle_timeout,
                           ScalarSeconds(v, at));
    } else if (key == "first_token_timeout_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.first_token_timeout,
                           ScalarSeconds(v, at));
    } else if (key == "min_attempt_budget_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.min_attempt_budget, ScalarSeconds(v, at));
    } else if (key == "min_rate_window_seconds") {
      ASSIGN_OR_RETURN_CFG(resilience.min_rate_window, ScalarSeconds(v, at));
      if (resilience.min_rate_window < kMinRateWindow) {
        return KeyError(at,
                        "must be at least 1 second (each window ends on "
                        "an event-loop timer)");
      }
    } else if (key == "min_transfer_rate") {
      int rate = 0;
      ASSIGN_OR_RETURN_CFG(rate, ScalarIntIn(v, at, 0, 1 << 30));
      resilience.min_transfer_rate = rate;
    } else if (key == "max_retries") {
      ASSIGN_OR_RETURN_CFG(resilience.retry.max_retries,
                           ScalarIntIn(v, at, 0, kMaxCount));
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

namespace {

// A non-negative integer variable; unset leaves `out` alone.
absl::Status EnvInt(const EnvLookup& env, const std::string& name, int& out) {
  std::optional<std::string> v = env(name);
  if (!v) return absl::OkStatus();
  int value = 0;
  if (!absl::SimpleAtoi(*v, &value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, "='", *v, "' must be a non-negative whole number"));
  }
  out = value;
  return absl::OkStatus();
}

absl::Status EnvDuration(const EnvLookup& env, const std::string& name,
                         absl::Duration& out) {
  absl::StatusOr<std::optional<absl::Duration>> v = EnvSeconds(env, name);
  if (!v.ok()) return v.status();
  if (*v) out = **v;
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyResilienceEnvironment(const EnvLookup& env,
                                        ResilienceConfig& resilience) {
  if (std::optional<std::string> on = env("LLMGW_RESILIENCE")) {
    if (*on == "on" || *on == "true" || *on == "1") {
      resilience.enabled = true;
    } else if (*on == "off" || *on == "false" || *on == "0") {
      resilience.enabled = false;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("LLMGW_RESILIENCE='", *on, "' must be on or off"));
    }
  }
  for (auto [name, target] :
       {std::pair<const char*, int*>{
            "LLMGW_MAX_FAILURES_BEFORE_COOLDOWN",
            &resilience.keys.max_failures_before_cooldown},
        {"LLMGW_MAX_KEY_ATTEMPTS", &resilience.keys.max_key_attempts},
        {"LLMGW_FAILURE_THRESHOLD", &resilience.circuit.failure_threshold},
        {"LLMGW_MAX_RETRIES", &resilience.retry.max_retries}}) {
    absl::Status s = EnvInt(env, name, *target);
    if (!s.ok()) return s;
  }
  int rate = static_cast<int>(resilience.min_transfer_rate);
  if (absl::Status s = EnvInt(env, "LLMGW_MIN_TRANSFER_RATE", rate); !s.ok()) {
    return s;
  }
  resilience.min_transfer_rate = rate;
  for (auto [name, target] :
       {std::pair<const char*, absl::Duration*>{
            "LLMGW_DEFAULT_COOLDOWN", &resilience.keys.default_cooldown},
        {"LLMGW_MAX_COOLDOWN_SECONDS", &resilience.keys.max_cooldown},
        {"LLMGW_CIRCUIT_COOLDOWN", &resilience.circuit.cooldown},
        {"LLMGW_CIRCUIT_MAX_COOLDOWN", &resilience.circuit.max_cooldown},
        {"LLMGW_BASE_DELAY", &resilience.retry.base_delay},
        {"LLMGW_MAX_DELAY", &resilience.retry.max_delay},
        {"LLMGW_STREAM_IDLE_TIMEOUT", &resilience.stream_idle_timeout},
        {"LLMGW_FIRST_TOKEN_TIMEOUT", &resilience.first_token_timeout},
        {"LLMGW_MIN_ATTEMPT_BUDGET", &resilience.min_attempt_budget},
        {"LLMGW_MIN_RATE_WINDOW", &resilience.min_rate_window}}) {
    absl::Status s = EnvDuration(env, name, *target);
    if (!s.ok()) return s;
  }
  if (resilience.min_rate_window < kMinRateWindow) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LLMGW_MIN_RATE_WINDOW='", env("LLMGW_MIN_RATE_WINDOW").value_or(""),
        "' must be at least 1 second (each window ends on an event-loop "
        "timer)"));
  }
  return absl::OkStatus();
}

}  // namespace llmgw
