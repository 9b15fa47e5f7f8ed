#ifndef LLMGW_BUDGET_PRICING_CHECK_H_
#define LLMGW_BUDGET_PRICING_CHECK_H_

#include "absl/status/status.h"
#include "config/budget_config.h"
#include "registry/provider_registry.h"

namespace llmgw {

// Checked once at start: every model a configured provider answers by
// default must have a price, from its catalog, budget.model_prices or
// budget.default_price, so that no call is silently free. With
// budget.default_price "none", FAILED_PRECONDITION names every unpriced
// default model and the setting to add. Also rejects scope budgets and
// model prices that name an unknown provider (a typo would silently leave a
// scope unlimited).
absl::Status CheckPricing(const ProviderRegistry& registry,
                          const BudgetConfig& budget);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_PRICING_CHECK_H_
