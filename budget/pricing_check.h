#ifndef LLMGW_BUDGET_PRICING_CHECK_H_
#define LLMGW_BUDGET_PRICING_CHECK_H_

#include "absl/status/status.h"
#include "config/budget_config.h"
#include "registry/provider_registry.h"

namespace llmgw {

// Checked once at start: every model a configured provider can be asked for
// by default must be priced (or the config names an explicit default price),
// so that no call is silently free. FAILED_PRECONDITION names the models.
absl::Status CheckPricing(const ProviderRegistry& registry,
                          const BudgetConfig& budget);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_PRICING_CHECK_H_
