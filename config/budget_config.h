#ifndef LLMGW_CONFIG_BUDGET_CONFIG_H_
#define LLMGW_CONFIG_BUDGET_CONFIG_H_

#include <cstdint>

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "config/env_lookup.h"

namespace llmgw {

// Budget settings (names as in the reference documents).
struct BudgetConfig {
  // Limit per window in nano-USD; 0 = unlimited.
  int64_t hourly_budget_nano_usd = 0;
  // Cap across all windows; 0 = none.
  int64_t hard_safety_cap_nano_usd = 0;
  absl::Duration reservation_timeout = absl::Seconds(30);
  int allow_overage_percent = 0;
  absl::Duration window = absl::Hours(1);
  // Output tokens reserved for a call that does not set max_tokens and whose
  // model has no known max_output_tokens.
  int64_t default_max_output_tokens = 4096;
};

// Parses the `budget:` section of the YAML file.
absl::Status ParseBudgetSection(const YAML::Node& node, BudgetConfig& budget);

// LLMGW_HOURLY_BUDGET, LLMGW_HARD_SAFETY_CAP (USD, exact decimals).
absl::Status ApplyBudgetEnvironment(const EnvLookup& env, BudgetConfig& budget);

}  // namespace llmgw

#endif  // LLMGW_CONFIG_BUDGET_CONFIG_H_
