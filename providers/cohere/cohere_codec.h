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

// Cohere's v2 Chat API (POST {base}/chat, base https://api.cohere.com/v2) and
// Embed API (POST {base}/embed), as documented at
// https://docs.cohere.com/reference/chat, .../chat-stream, .../embed,
// .../docs/streaming, .../docs/tool-use-streaming and .../reference/errors,
// and as the v2 types of github.com/cohere-ai/cohere-python spell them.
// README.md has the full feature table.
//
// Request: `Authorization: Bearer <key>`; messages (cohere_wire.h
// Messages): all system messages joined ("\n\n") into one leading system
// message (Cohere rejects system turns that are not first), user content as
// text or text/image_url parts, assistant tool_calls, tool results by
// tool_call_id; max_tokens, temperature, p (top_p), stop_sequences, tools,
// tool_choice (REQUIRED / NONE), response_format ({"type":"json_object",
// "json_schema"?}), seed, presence/frequency_penalty only when set; "stream"
// always sent. Refused with INVALID_ARGUMENT (no v2 field): a named
// tool_choice, parallel_tool_calls = false, end_user_id, response_format
// with tools, penalties outside [0, 1].
//
// Reply: the "text" parts of message.content concatenated (message.tool_plan
// is not answer text and is dropped); message.tool_calls; finish_reason
// mapped by CohereFinishReason (a content-filter reason also becomes
// block_reason); usage from usage.billed_units (what Cohere bills, so what
// budgets charge), each count falling back to usage.tokens when billed_units
// lacks it, usage.cached_tokens as cached_input_tokens. The v2 reply carries
// no model name.
//
// Stream (cohere_stream.cc): content-start/content-delta text is forwarded;
// tool-call-start/-delta become ToolCallDeltas assembled into
// Summary().tool_calls; message-end carries finish_reason and usage and ends
// the stream (done); tool-plan, citation and debug events are ignored. A
// message-end whose delta.error is set ends the stream with a kTransient
// error.
//
// Embeddings (cohere_embed.cc): texts, input_type (kUnspecified ->
// "search_document"), embedding_types ["float"], output_dimension (embed-v4
// and newer) -> embeddings.float and meta.billed_units.input_tokens.
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
  absl::StatusOr<http::HttpRequest> BuildEmbedRequest(
      const ProviderRequest& request, absl::string_view base_url,
      absl::string_view api_key) const override;
  ProviderOutcome ParseEmbedReply(
      const http::HttpResponse& response) const override;
};

// Whether a Cohere embedding model takes output_dimension (embed-v4.0 and
// newer; not the v2/v3 and light models).
bool CohereEmbedModelHasDimensions(absl::string_view model);

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
