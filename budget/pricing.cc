#include "budget/pricing.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/money.h"

namespace llmgw {
namespace {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

}  // namespace

absl::StatusOr<ModelSpec> ResolvePrice(absl::string_view provider,
                                       absl::string_view model,
                                       const ModelSpec* catalog,
                                       const BudgetConfig& budget) {
  if (catalog != nullptr) return *catalog;
  ModelSpec spec;
  spec.name = std::string(model);
  auto use = [&spec](const TokenPrice& price) {
    spec.input_nano_usd_per_million = price.input_nano_usd_per_million;
    spec.output_nano_usd_per_million = price.output_nano_usd_per_million;
    return spec;
  };
  if (auto it = budget.model_prices.find(absl::StrCat(provider, "/", model));
      it != budget.model_prices.end()) {
    return use(it->second);
  }
  if (auto it = budget.model_prices.find(std::string(provider));
      it != budget.model_prices.end()) {
    return use(it->second);
  }
  if (budget.default_price.has_value()) return use(*budget.default_price);
  return absl::FailedPreconditionError(absl::StrCat(
      "model '", model, "' of provider ", provider,
      " has no price: it is not in the provider's catalog and "
      "budget.default_price is \"none\"; add budget.model_prices[\"",
      provider, "/", model, "\"] (or providers.", provider,
      ".models[] with input_usd_per_million and output_usd_per_million)"));
}

int64_t CallCostNanoUsd(const ModelSpec* model, const TokenUsage& usage) {
  if (model == nullptr) return 0;
  return SaturatingAdd(
      TokenCostNanoUsd(usage.input_tokens, model->input_nano_usd_per_million),
      TokenCostNanoUsd(usage.output_tokens,
                       model->output_nano_usd_per_million));
}

int64_t EstimateInputTokens(const std::vector<Message>& messages) {
  int64_t tokens = 0;
  for (const Message& m : messages) {
    tokens += 8 + (static_cast<int64_t>(m.content.size()) + 2) / 3;
  }
  return tokens;
}

int64_t EstimateOutputTokens(int64_t text_bytes) {
  if (text_bytes <= 0) return 0;
  return (text_bytes + 2) / 3;
}

int64_t WorstCaseCostNanoUsd(const ModelSpec* model,
                             const ProviderRequest& request,
                             int64_t default_max_output_tokens) {
  if (model == nullptr) return 0;
  // The model cannot produce more than its max_output_tokens, whatever the
  // request asks; without max_tokens, the reservation is capped at
  // default_max_output_tokens (a longer answer is still charged in full).
  int64_t output =
      request.max_tokens > 0 ? request.max_tokens : default_max_output_tokens;
  if (model->max_output_tokens > 0) {
    output = std::min(output, model->max_output_tokens);
  }
  TokenUsage worst{EstimateInputTokens(request.messages), output, false};
  return CallCostNanoUsd(model, worst);
}

}  // namespace llmgw
