#ifndef LLMGW_PROVIDERS_MINIMAX_MINIMAX_CODEC_H_
#define LLMGW_PROVIDERS_MINIMAX_MINIMAX_CODEC_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"

namespace llmgw {

// The smallest temperature/top_p sent: MiniMax documents both as (0, 1], so
// 0 (a caller asking for greedy decoding) is sent as this.
inline constexpr float kMiniMaxMinSampling = 0.01f;

// MiniMax's native chat API, ChatCompletion v2
// (POST {base}/text/chatcompletion_v2, base https://api.minimax.io/v1), as
// documented at platform.minimax.io/docs/api-reference/text-post (and
// .../text-chat, .../errorcode).
//
// Request: "Authorization: Bearer <key>", "Content-Type: application/json".
// Body: model, messages [{role: system|user|assistant, content}] in
// conversation order, max_completion_tokens when max_tokens > 0 (max_tokens
// is deprecated in the reference), temperature and top_p only when set and
// clamped to MiniMax's documented range (0, 1], stop only when non-empty,
// "stream": true only when streaming.
//
// Built on the shared OpenAI dialect (providers/openai_compatible/
// openai_dialect.h); this codec states only MiniMax's differences.
//
// Reply: choices[0].message.content (reasoning_content is not returned to
// the caller), finish_reason mapped as in the OpenAI dialect, and
// kContentFilter when output_sensitive is true; usage prompt_tokens /
// completion_tokens (reported only when present; the {"total_tokens": 0}
// placeholders of intermediate stream chunks carry neither); model. A base_resp
// with a non-zero status_code, which MiniMax sends with HTTP 200, is an error
// outcome classified by minimax::ClassifyMiniMaxStatus.
//
// Errors: see minimax_errors.h.
class MiniMaxCodec : public WireCodec {
 public:
  absl::StatusOr<http::HttpRequest> BuildRequest(const ProviderRequest& request,
                                                 absl::string_view base_url,
                                                 absl::string_view api_key,
                                                 bool stream) const override;
  ProviderOutcome ParseReply(const http::HttpResponse& response) const override;
  ProviderError ParseError(const http::HttpResponse& response) const override;
  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override;
};

namespace minimax {

// The finish reason of `choice` (the OpenAI dialect's mapping), overridden by
// kContentFilter when `body` says output_sensitive: true.
FinishReason ReplyFinishReason(const nlohmann::json& body,
                               const nlohmann::json& choice);

}  // namespace minimax
}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_MINIMAX_MINIMAX_CODEC_H_
