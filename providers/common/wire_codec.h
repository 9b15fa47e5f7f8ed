#ifndef LLMGW_PROVIDERS_COMMON_WIRE_CODEC_H_
#define LLMGW_PROVIDERS_COMMON_WIRE_CODEC_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {

// What one streamed event contributed.
struct StreamUpdate {
  // Text to forward to the caller now (may be empty).
  std::string delta;
  // Tool-call pieces to forward now, in order (the decoder also assembles
  // them into Summary().tool_calls).
  std::vector<ToolCallDelta> tool_call_deltas;
  // A piece of the model's refusal to forward now (also accumulated into
  // Summary().refusal).
  std::string refusal_delta;
  // The provider's terminal event was seen ("[DONE]", message_stop, ...).
  bool done = false;
  // An error reported inside the stream, or a malformed event (kTransient).
  std::optional<ProviderError> error;
};

// Decodes one streamed (Server-Sent Events) response. Stateful; one per call.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Handles the next event, in order.
  virtual StreamUpdate OnEvent(const http::SseEvent& event) = 0;
  // Finish reason, usage, model, assembled tool calls, refusal and block
  // reason seen so far. `text` is left empty: the caller accumulates deltas.
  virtual const ProviderReply& Summary() const = 0;
};

// Translates between the gateway's provider-neutral types and one provider
// wire format. Pure: no I/O, no clocks, so it is unit-tested on recorded
// payloads. The transport (HttpProvider) does the rest.
class WireCodec {
 public:
  virtual ~WireCodec() = default;

  // Builds the upstream request: method, URL (under `base_url`, which ends
  // with the version segment and has no trailing slash), headers including
  // authentication, and body. Timeouts and deadline are set by the caller.
  virtual absl::StatusOr<http::HttpRequest> BuildRequest(
      const ProviderRequest& request, absl::string_view base_url,
      absl::string_view api_key, bool stream) const = 0;

  // Parses a 2xx response to a non-streamed request. Returns an error outcome
  // for an error reported in-band (e.g. MiniMax's base_resp) and a kTransient
  // error ("malformed ... response: ...") for a body that cannot be parsed.
  virtual ProviderOutcome ParseReply(
      const http::HttpResponse& response) const = 0;

  // Classifies a non-2xx response (status, headers and the provider's error
  // body) into a ProviderError with the provider's message.
  virtual ProviderError ParseError(
      const http::HttpResponse& response) const = 0;

  // A decoder for one streamed response.
  virtual std::unique_ptr<StreamDecoder> NewStreamDecoder() const = 0;

  // Embeddings (ProviderRequest::operation == kEmbed). The defaults are for
  // wire formats without an embeddings endpoint: BuildEmbedRequest answers
  // INVALID_ARGUMENT naming the wire format. ParseEmbedReply fills
  // reply.embeddings (one per input, in input order), usage and model.
  virtual absl::StatusOr<http::HttpRequest> BuildEmbedRequest(
      const ProviderRequest& request, absl::string_view base_url,
      absl::string_view api_key) const;
  virtual ProviderOutcome ParseEmbedReply(
      const http::HttpResponse& response) const;
};

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COMMON_WIRE_CODEC_H_
