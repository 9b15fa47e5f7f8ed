#include "budget/pricing_check.h"

namespace llmgw {

absl::Status CheckPricing(const ProviderRegistry& /*registry*/,
                          const BudgetConfig& /*budget*/) {
  // Issue 5 defines the policy (see pricing_check.h).
  return absl::OkStatus();
}

}  // namespace llmgw
