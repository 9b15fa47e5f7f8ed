#ifndef LLMGW_DISPATCH_ATTEMPT_PLAN_H_
#define LLMGW_DISPATCH_ATTEMPT_PLAN_H_

// The ordered targets of a call, feature-aware: a request's needs
// (ProviderRequest::RequiredFeatures: chat or embeddings, tools, vision,
// json_object / json_schema) are checked against the catalog's
// ModelSpec::features before any target is tried. The checks are pure
// functions (no clock, no I/O) so they are unit-tested on their own.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dispatch/attempt.h"
#include "registry/provider.h"
#include "registry/provider_registry.h"
#include "registry/provider_spec.h"

namespace llmgw {

// One provider/model pair a call may try.
struct PlanTarget {
  const ProviderEntry* entry = nullptr;
  std::string model;
  // The target the request's own model routed to (first in the plan), as
  // opposed to a fallback; false for every target when that one was
  // skipped.
  bool routed = false;
};

// The features of `required` that the catalog entry of `model` in `spec`
// lacks, in `required` order. Empty when the model is not in the catalog or
// declares no features (the provider's answer decides).
std::vector<ModelFeature> MissingFeatures(
    const ProviderSpec& spec, absl::string_view model,
    const std::vector<ModelFeature>& required);

// "gpt-3.5-turbo on openai does not support vision, tools": the detail of an
// ATTEMPT_OUTCOME_SKIPPED record for a target skipped for `missing`.
std::string FeatureSkipDetail(absl::string_view model,
                              absl::string_view provider,
                              const std::vector<ModelFeature>& missing);

// Bytes of text one token covers at most, for a lower bound of a request's
// input tokens (common tokenizers average 2 to 4 bytes per token on text and
// code; pathological repeats can do better, hence the margin).
inline constexpr int64_t kMaxBytesPerToken = 8;

// A lower bound of the request's input tokens: its text bytes (message text,
// tool calls and results, tool definitions, the response schema) /
// kMaxBytesPerToken; for an embedding batch, its largest input (an embedding
// model's context window bounds each input, not the batch). Images are not
// counted.
int64_t MinInputTokens(const ProviderRequest& request);

// "gpt-4 on openai has a context window of 8192 tokens; the request has at
// least 20000 input tokens" when the catalog entry of `model` has a
// context_window below `min_input_tokens`; "" otherwise (or when unknown).
std::string ContextWindowSkipDetail(const ProviderSpec& spec,
                                    absl::string_view model,
                                    int64_t min_input_tokens);

// The provider's default embedding model: its first catalog model whose
// features include "embeddings"; "" when it has none.
std::string DefaultEmbeddingModel(const ProviderSpec& spec);

// FAILED_PRECONDITION (reason FEATURE_UNSUPPORTED, ErrorInfo metadata
// "feature" and, for a single target, "provider"/"model") naming the
// missing features and every target skipped for them (`feature_skips`,
// records made with FeatureSkipDetail).
absl::Status FeatureUnsupportedStatus(
    const std::vector<ModelFeature>& missing,
    const std::vector<AttemptRecord>& feature_skips);

// The ordered targets of `request`:
//   - chat: the routed `request.model`, then `fallback_models` in order when
//     the request names any, else the registry's fallback chain (each chain
//     provider with its default model, skipping providers already planned);
//   - embed (Operation::kEmbed): model "" is the primary provider's default
//     embedding model, else that of the first chain provider that has one;
//     the automatic chain holds only providers with an embedding model, each
//     with its own; a named or "provider/"-pinned model is used as given.
// Every target whose catalog entry declares features lacking one of
// request.RequiredFeatures(), or whose context window is smaller than
// MinInputTokens(request), is left out and appended to `skipped` as an
// ATTEMPT_OUTCOME_SKIPPED record (FeatureSkipDetail /
// ContextWindowSkipDetail); so are fallback names that cannot be routed
// (saying why). When targets were skipped so and none is left, fails with
// FeatureUnsupportedStatus, or FAILED_PRECONDITION (CONTEXT_WINDOW_EXCEEDED)
// when only context windows were too small; else with the routing error
// (NOT_FOUND with what to configure) when nothing can be tried.
absl::StatusOr<std::vector<PlanTarget>> BuildAttemptPlan(
    const ProviderRegistry& registry, const ProviderRequest& request,
    const std::vector<std::string>& fallback_models,
    std::vector<AttemptRecord>* skipped);

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_ATTEMPT_PLAN_H_
