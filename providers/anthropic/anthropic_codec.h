#ifndef LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_CODEC_H_
#define LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_CODEC_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {

// ProviderSpec::options key selecting the `anthropic-version` header.
inline constexpr absl::string_view kAnthropicVersionOption =
    "anthropic_version";
// The Messages API version sent when the spec does not set one.
inline constexpr absl::string_view kDefaultAnthropicVersion = "2023-06-01";
// max_tokens sent when neither the caller nor the catalog gives one (the
// Messages API requires the field).
inline constexpr int32_t kAnthropicFallbackMaxTokens = 4096;

// The Anthropic Messages API (POST {base}/messages), as documented at
// https://platform.claude.com/docs/en/api/messages and .../api/errors:
//
// Request: `x-api-key` and `anthropic-version` headers; system messages are
// joined with "\n\n" into the top-level "system" string; turns, content
// blocks (text, images), tool_use / tool_result blocks, tools, tool_choice,
// output_config (json_schema) and metadata.user_id as BuildAnthropicPrompt
// and AddAnthropicOptions (anthropic_request.h) document; max_tokens is always
// sent (caller's value, else the catalog's max_output_tokens for the model,
// else 4096); temperature, top_p and stop_sequences only when set; "stream":
// true only when streaming. Features the API cannot express (json_object,
// seed, penalties) are InvalidArgument naming them.
//
// Reply: the "text" content blocks concatenated; "tool_use" blocks as tool
// calls; stop_reason mapped by AnthropicFinishReason, a refusal's
// stop_details as refusal / block_reason; usage as AnthropicUsage
// (anthropic_reply.h) normalises it (input includes cache reads and writes).
// Stream: anthropic_stream.h.
//
// Errors: {"type":"error","error":{"type":...,"message":...}} classified by
// ClassifyAnthropicError; Retry-After and anthropic-ratelimit-* headers are
// kept (MakeHttpError).
class AnthropicCodec : public WireCodec {
 public:
  // `spec` supplies the model catalog (for the max_tokens default) and the
  // "anthropic_version" option.
  explicit AnthropicCodec(ProviderSpec spec);

  absl::StatusOr<http::HttpRequest> BuildRequest(const ProviderRequest& request,
                                                 absl::string_view base_url,
                                                 absl::string_view api_key,
                                                 bool stream) const override;
  ProviderOutcome ParseReply(const http::HttpResponse& response) const override;
  ProviderError ParseError(const http::HttpResponse& response) const override;
  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override;

  // The max_tokens value BuildRequest sends for `request`.
  int32_t EffectiveMaxTokens(const ProviderRequest& request) const;

 private:
  ProviderSpec spec_;
  std::string anthropic_version_;
};

// Maps a Messages API stop_reason:
//   end_turn, stop_sequence, pause_turn      -> kStop
//   max_tokens, model_context_window_exceeded -> kLength
//   tool_use                                  -> kToolCalls
//   refusal                                   -> kContentFilter
//   anything else (including null/absent)     -> kUnspecified
FinishReason AnthropicFinishReason(absl::string_view stop_reason);

// Classifies an Anthropic error by its error.type (authoritative when known),
// else by `http_status` (ClassifyHttpStatus):
//   invalid_request_error -> kInvalidRequest, except messages about the
//                            prompt/context being too long
//                            (kFailedPrecondition) and about credit or spend
//                            limits (kKeyInvalid)
//   authentication_error, permission_error, billing_error -> kKeyInvalid
//   not_found_error      -> kModelNotFound
//   request_too_large    -> kFailedPrecondition
//   rate_limit_error     -> kRateLimited, or kKeyInvalid when `error_code` is
//                           "enforced_spend_limit_reached" (monthly cap)
//   api_error, overloaded_error, timeout_error, conflict_error -> kTransient
// `http_status` is 0 for errors reported inside a stream.
ErrorClass ClassifyAnthropicError(int http_status, absl::string_view error_type,
                                  absl::string_view message,
                                  absl::string_view error_code);

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_CODEC_H_
