#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CODEC_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CODEC_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {

inline constexpr absl::string_view kOpenAiCompatibleWireFormat =
    "openai_compatible";

// ProviderSpec::options keys read by OpenAiCompatibleOptions::Parse (any other
// key is rejected; so is a value outside the ones listed).
//
// "max_tokens_field": "max_tokens" (default) or "max_completion_tokens".
inline constexpr absl::string_view kMaxTokensFieldOption = "max_tokens_field";
// "stream_usage": "true" (default) or "false"; false stops sending
// stream_options (for a server that rejects the field).
inline constexpr absl::string_view kStreamUsageOption = "stream_usage";
// "header.<Name>": an extra request header, e.g. OpenRouter's
// "header.HTTP-Referer" and "header.X-Title".
inline constexpr absl::string_view kHeaderOptionPrefix = "header.";
// "base_url_suffix": "/v1" (the "local" preset): the factory appends it to the
// configured base URL (LOCAL_LLM_URL) when the URL does not already end with
// it.
inline constexpr absl::string_view kBaseUrlSuffixOption = "base_url_suffix";

// How one OpenAI-compatible endpoint wants its requests.
struct OpenAiCompatibleOptions {
  // Field that carries ProviderRequest::max_tokens. OpenAI deprecated
  // max_tokens for max_completion_tokens (its o-series models reject
  // max_tokens), but Groq, vLLM, Ollama, TGI and most compatible servers
  // still expect max_tokens, so that is the default; the "openai" preset
  // selects max_completion_tokens.
  std::string max_tokens_field = "max_tokens";
  // When streaming, ask for usage: stream_options {"include_usage": true}.
  bool stream_usage = true;
  // Sent after the standard headers.
  http::HeaderList extra_headers;
  // Read replies and chunks of the common shape without a DOM
  // (openai_common_shape.h). Not a configuration key: false only where a
  // test or fuzzer compares the two paths.
  bool read_common_shapes = true;

  // Strict: InvalidArgument "<key>: <what>" for an unknown key or bad value
  // ("base_url_suffix" of openai_compatible_catalog.h is accepted here; the
  // factory applies it to the base URL).
  static absl::StatusOr<OpenAiCompatibleOptions> Parse(
      const std::map<std::string, std::string>& options);
  // Parse(spec.options), or the defaults if they are invalid (the registry
  // has validated them before creating a codec).
  static OpenAiCompatibleOptions FromSpec(const ProviderSpec& spec);
};

// The OpenAI Chat Completions API (POST {base}/chat/completions), as
// documented in OpenAI's API reference (platform.openai.com/docs/api-reference
// /chat) and spoken by OpenAI, Fireworks, OpenRouter, Groq, DeepSeek,
// Together, Hugging Face's router and local servers (Ollama, vLLM, TGI).
//
// Request: "Authorization: Bearer <key>" (omitted when the key is empty:
// local servers), "Content-Type: application/json". Body: model, messages
// (openai_request.h: text or typed parts, tool_calls, tool results) in
// conversation order, the max tokens field when max_tokens > 0, temperature
// and top_p only when set, stop only when non-empty, tools / tool_choice /
// parallel_tool_calls / response_format / seed / penalties / user when set,
// and when streaming "stream": true plus "stream_options": {"include_usage":
// true} (unless the preset's stream_usage option is false).
//
// Reply: choices[0].message.content (null -> ""), tool_calls and refusal
// (openai_tools.h), finish_reason mapped by openai_compat::OpenAiFinishReason
// (content_filter also sets block_reason "content_filter"), usage with
// cached/reasoning detail (openai_response.h ParseUsage), model. An "error"
// object in a 2xx body is an error outcome (OpenRouter reports late failures
// that way).
//
// Errors: see openai_errors.h.
class OpenAiCompatibleCodec : public WireCodec {
 public:
  explicit OpenAiCompatibleCodec(OpenAiCompatibleOptions options = {});

  absl::StatusOr<http::HttpRequest> BuildRequest(const ProviderRequest& request,
                                                 absl::string_view base_url,
                                                 absl::string_view api_key,
                                                 bool stream) const override;
  ProviderOutcome ParseReply(const http::HttpResponse& response) const override;
  ProviderError ParseError(const http::HttpResponse& response) const override;
  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override;
  // POST {base}/embeddings (openai_embed.h); every preset gets it, the
  // catalog says which models embed.
  absl::StatusOr<http::HttpRequest> BuildEmbedRequest(
      const ProviderRequest& request, absl::string_view base_url,
      absl::string_view api_key) const override;
  // An "error" member in a 2xx body first (as ParseReply), then
  // openai_compat::ParseEmbedReply.
  ProviderOutcome ParseEmbedReply(
      const http::HttpResponse& response) const override;

  const OpenAiCompatibleOptions& options() const { return options_; }

 private:
  OpenAiCompatibleOptions options_;
};

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CODEC_H_
