#ifndef LLMGW_PROVIDERS_COHERE_COHERE_CODEC_H_
#define LLMGW_PROVIDERS_COHERE_COHERE_CODEC_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"

namespace llmgw {

// Cohere's v2 Chat API (POST {base}/chat, base https://api.cohere.com/v2), as
// documented at https://docs.cohere.com/reference/chat, .../chat-stream,
// .../docs/streaming and .../reference/errors:
//
// Request: `Authorization: Bearer <key>`; messages as
// [{"role": "system"|"user"|"assistant", "content": "<text>"}] with all
// system messages joined ("\n\n") into one leading system message (Cohere
// rejects system turns that are not first); max_tokens, temperature, p
// (top_p) and stop_sequences only when set; "stream" always sent (true or
// false; the reference lists it as required).
//
// Reply: the "text" parts of message.content concatenated; finish_reason
// mapped by CohereFinishReason; usage from usage.billed_units (what Cohere
// bills, so what budgets charge), each count falling back to usage.tokens
// when billed_units lacks it. The v2 reply carries no model name.
//
// Stream: content-start/content-delta text (delta.message.content.text) is
// forwarded; message-end carries finish_reason and usage and ends the stream
// (done); tool-plan, tool-call, citation and debug events are ignored. A
// message-end whose delta.error is set ends the stream with a kTransient
// error.
//
// Errors: {"message": "..."} (sometimes with "id", or {"data": "..."}),
// classified by ClassifyCohereError.
class CohereCodec : public WireCodec {
 public:
  CohereCodec() = default;

  absl::StatusOr<http::HttpRequest> BuildRequest(const ProviderRequest& request,
                                                 absl::string_view base_url,
                                                 absl::string_view api_key,
                                                 bool stream) const override;
  ProviderOutcome ParseReply(const http::HttpResponse& response) const override;
  ProviderError ParseError(const http::HttpResponse& response) const override;
  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override;
};

// Maps a Chat API finish_reason:
//   COMPLETE, STOP_SEQUENCE -> kStop
//   MAX_TOKENS              -> kLength
//   TOOL_CALL               -> kToolCalls
//   ERROR, TIMEOUT          -> kError
// and the v1 values still seen from older deployments:
//   ERROR_TOXIC -> kContentFilter, ERROR_LIMIT -> kLength,
//   USER_CANCEL -> kCancelled; anything else -> kUnspecified.
FinishReason CohereFinishReason(absl::string_view finish_reason);

// Classifies a Cohere error response:
//   400 -> kInvalidRequest, but "too many tokens" / context-length messages
//          -> kFailedPrecondition
//   401, 403, 498 (invalid token) -> kKeyInvalid
//   402 (billing limit reached)   -> kKeyInvalid
//   404 -> kModelNotFound
//   429 -> kRateLimited, but a trial key's monthly call cap -> kKeyInvalid
//   499 (request cancelled upstream; Cohere says retry) -> kTransient: the
//       gateway's own cancellations never produce a response
//   5xx -> kTransient; other statuses as ClassifyHttpStatus.
ErrorClass ClassifyCohereError(int http_status, absl::string_view message);

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COHERE_COHERE_CODEC_H_
