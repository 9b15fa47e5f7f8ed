#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_EMBED_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_EMBED_H_

// The OpenAI Embeddings API (API reference "Create embeddings"), served by
// OpenAI and the compatible presets that host embedding models.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "registry/provider.h"

namespace llmgw::openai_compat {

// Bound on the number of vectors accepted in one reply.
inline constexpr size_t kMaxEmbeddings = 4096;

// POST {base_url}/embeddings, Bearer key (omitted when empty), body {model,
// input: [texts], encoding_format: "float", dimensions (when > 0), user
// (when set)}. EmbedParams::input_type has no OpenAI field and is not sent
// (OpenAI's embedding models are task-agnostic). InvalidArgument without a
// model or inputs.
absl::StatusOr<http::HttpRequest> BuildEmbedRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key, const http::HeaderList& extra_headers);

// data[] {index, embedding: [floats] or base64 float32 LE} placed by index
// (every index 0..n-1 exactly once), usage.prompt_tokens -> input_tokens
// (output 0), model. Anything else is a kTransient "malformed embeddings
// response" error; an "error" member is handled by the caller.
ProviderOutcome ParseEmbedReply(const http::HttpResponse& response);

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_EMBED_H_
