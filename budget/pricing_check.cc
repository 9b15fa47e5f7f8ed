#include "budget/pricing_check.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "budget/pricing.h"

namespace llmgw {

absl::Status CheckPricing(const ProviderRegistry& registry,
                          const BudgetConfig& budget) {
  std::vector<std::string> unpriced;
  std::string first_error;
  for (const auto& entry : registry.entries()) {
    if (!entry->configured) continue;
    const std::string& model = entry->spec.default_model;
    absl::StatusOr<ModelSpec> price = ResolvePrice(
        entry->spec.name, model, entry->spec.FindModel(model), budget);
    if (!price.ok()) {
      unpriced.push_back(absl::StrCat(entry->spec.name, "/", model));
      if (first_error.empty())
        first_error = std::string(price.status().message());
    }
  }
  if (!unpriced.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("unpriced default model(s) ",
                     absl::StrJoin(unpriced, ", "), ": ", first_error));
  }
  std::vector<std::string> unknown;
  auto check_provider = [&](absl::string_view provider,
                            absl::string_view where) {
    if (registry.Find(provider) == nullptr) {
      unknown.push_back(
          absl::StrCat(where, " names unknown provider '", provider, "'"));
    }
  };
  for (const auto& [scope, limit] : budget.scope_budgets) {
    if (absl::StartsWith(scope, "provider:")) {
      check_provider(scope.substr(9),
                     absl::StrCat("budget.scope_budgets[\"", scope, "\"]"));
    }
  }
  for (const auto& [key, price] : budget.model_prices) {
    const std::string provider = key.substr(0, key.find('/'));
    check_provider(provider,
                   absl::StrCat("budget.model_prices[\"", key, "\"]"));
  }
  if (!unknown.empty()) {
    return absl::FailedPreconditionError(absl::StrJoin(unknown, "; "));
  }
  return absl::OkStatus();
}

}  // namespace llmgw
