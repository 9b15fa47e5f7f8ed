#ifndef LLMGW_BUDGET_PRICING_H_
#define LLMGW_BUDGET_PRICING_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/budget_config.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {

// The price of `model` on `provider`: its catalog entry when `catalog` is
// not null; else budget.model_prices["<provider>/<model>"], then
// budget.model_prices["<provider>"], then budget.default_price. With
// default_price "none", FAILED_PRECONDITION naming the model and the
// setting to add. The returned spec carries the catalog's
// max_output_tokens when there is one.
absl::StatusOr<ModelSpec> ResolvePrice(absl::string_view provider,
                                       absl::string_view model,
                                       const ModelSpec* catalog,
                                       const BudgetConfig& budget);
// As ResolvePrice, without copying a catalog entry (its name and features
// would cost allocations on every call): `catalog` itself when set, else
// the price resolved from `budget`, kept in `storage`.
absl::StatusOr<const ModelSpec*> ResolvePriceInPlace(
    absl::string_view provider, absl::string_view model,
    const ModelSpec* catalog, const BudgetConfig& budget,
    std::optional<ModelSpec>& storage);

// Cost of a call from the usage the provider reported, in nano-USD, each
// component rounded up. `model` may be null (unpriced model): cost 0.
int64_t CallCostNanoUsd(const ModelSpec* model, const TokenUsage& usage);

// Tokens assumed for one image in a reservation: above the largest image
// cost the providers document (OpenAI high detail, Anthropic ~1,600 for a
// full-size image, Gemini 258 per tile).
inline constexpr int64_t kImageTokenEstimate = 3000;

// A deliberately generous estimate of a request's input tokens without a
// tokenizer: one token per 3 bytes of text (parts and tool-call arguments
// included) plus 8 per message and kImageTokenEstimate per image. Used for
// budget reservations and for billing a broken stream that reported no usage.
int64_t EstimateInputTokens(const std::vector<Message>& messages);

// EstimateInputTokens plus tool definitions and the response schema; for an
// embedding request, the inputs.
int64_t EstimateRequestInputTokens(const ProviderRequest& request);
// Output tokens estimated from delivered text (one per 3 bytes, at least 1
// when there is text).
int64_t EstimateOutputTokens(int64_t text_bytes);

// Worst-case cost of a request on `model`: estimated input plus max_tokens of
// output (`default_max_output_tokens` when the request sets none), never more
// output than the model's max_output_tokens when that is known.
int64_t WorstCaseCostNanoUsd(const ModelSpec* model,
                             const ProviderRequest& request,
                             int64_t default_max_output_tokens);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_PRICING_H_
