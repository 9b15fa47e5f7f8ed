#ifndef LLMGW_PROVIDERS_GEMINI_GEMINI_EMBED_H_
#define LLMGW_PROVIDERS_GEMINI_GEMINI_EMBED_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "registry/provider.h"

// Embeddings through the Gemini API (ai.google.dev/api/embeddings):
//
//   POST {base}/models/{model}:batchEmbedContents
//   {"requests": [{"model": "models/{model}",
//                  "content": {"parts": [{"text": <input>}]},
//                  "taskType": ..., "outputDimensionality": N}, ...]}
//   -> {"embeddings": [{"values": [...]}, ...]}   (in request order)
//
// taskType: kSearchDocument -> RETRIEVAL_DOCUMENT, kSearchQuery ->
// RETRIEVAL_QUERY, kClassification -> CLASSIFICATION, kClustering ->
// CLUSTERING; unspecified -> not sent (the model's default).
// outputDimensionality: EmbedParams::dimensions when > 0.
// The API takes at most 100 requests per batch: more inputs are refused
// (INVALID_ARGUMENT) rather than split.
// Usage: the Gemini API reports no token counts for embeddings; the reply's
// usage is left unreported (reported = false) so the gateway estimates it.
// A usageMetadata.promptTokenCount, if a version sends one, is used.
namespace llmgw::gemini {

inline constexpr size_t kMaxEmbedBatch = 100;

absl::StatusOr<http::HttpRequest> BuildBatchEmbedRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view model_path, absl::string_view api_key);

// One vector per entry of "embeddings", in order; an {"error": ...} body is
// an error outcome; an unreadable body or a vector that is not an array of
// numbers is kTransient ("malformed gemini embeddings response").
ProviderOutcome ParseBatchEmbedReply(const http::HttpResponse& response);

}  // namespace llmgw::gemini

#endif  // LLMGW_PROVIDERS_GEMINI_GEMINI_EMBED_H_
