#include "config/budget_config.h"

#include "absl/strings/str_cat.h"
#include "config/yaml_util.h"

namespace llmgw {

using namespace config_internal;  // NOLINT: the parsers' vocabulary

absl::Status ParseBudgetSection(const YAML::Node& node, BudgetConfig& budget) {
  if (!node.IsMap()) return KeyError("budget", "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = absl::StrCat("budget.", key);
    const YAML::Node& v = kv.second;
    if (key == "hourly_budget") {
      ASSIGN_OR_RETURN_CFG(budget.hourly_budget_nano_usd, ScalarUsd(v, at));
    } else if (key == "hard_safety_cap") {
      ASSIGN_OR_RETURN_CFG(budget.hard_safety_cap_nano_usd, ScalarUsd(v, at));
    } else if (key == "reservation_timeout_seconds") {
      ASSIGN_OR_RETURN_CFG(budget.reservation_timeout, ScalarSeconds(v, at));
    } else if (key == "allow_overage_percent") {
      int64_t pct = 0;
      ASSIGN_OR_RETURN_CFG(pct, ScalarInt(v, at));
      if (pct < 0 || pct > 100) return KeyError(at, "must be 0..100");
      budget.allow_overage_percent = static_cast<int>(pct);
    } else if (key == "window_seconds") {
      ASSIGN_OR_RETURN_CFG(budget.window, ScalarSeconds(v, at));
    } else if (key == "default_max_output_tokens") {
      ASSIGN_OR_RETURN_CFG(budget.default_max_output_tokens, ScalarInt(v, at));
    } else {
      return KeyError(at, "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyBudgetEnvironment(const EnvLookup& env, BudgetConfig& budget) {
  absl::StatusOr<std::optional<int64_t>> hourly =
      EnvUsd(env, "LLMGW_HOURLY_BUDGET");
  if (!hourly.ok()) return hourly.status();
  if (*hourly) budget.hourly_budget_nano_usd = **hourly;
  absl::StatusOr<std::optional<int64_t>> cap = EnvUsd(env, "LLMGW_HARD_SAFETY_CAP");
  if (!cap.ok()) return cap.status();
  if (*cap) budget.hard_safety_cap_nano_usd = **cap;
  return absl::OkStatus();
}

}  // namespace llmgw
