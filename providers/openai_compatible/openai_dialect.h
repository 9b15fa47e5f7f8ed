#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_DIALECT_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_DIALECT_H_

// The OpenAI chat dialect shared by every wire format that speaks it
// (openai_compatible, and minimax, which extends it with its base_resp
// errors, sampling range and endpoint): request building, reply parsing and
// the common steps of a stream decoder. A wire format states its differences
// as a ChatDialect and hooks; the logic lives here once.

#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/openai_compatible/openai_request.h"
#include "registry/provider.h"

namespace llmgw::openai_compat {

// What differs between servers of the dialect on the request side.
struct ChatDialect {
  // Names the API in errors: "chat completion", "MiniMax chat completion".
  absl::string_view api_name = "chat completion";
  // Appended to the base URL: "/chat/completions".
  absl::string_view path = "/chat/completions";
  // Field that carries ProviderRequest::max_tokens.
  std::string max_tokens_field = "max_tokens";
  // When streaming, send stream_options {"include_usage": true}.
  bool stream_usage = false;
  // Maps temperature / top_p to the wire value (default: WireNumber).
  double (*sampling)(float) = nullptr;
  // Sent after the standard headers.
  http::HeaderList extra_headers;
  // Optional fields the server accepts (openai_request.h).
  OptionSupport support;
};

// POST {base_url}{path}: Bearer key (omitted when empty), JSON body of model,
// messages (openai_request.h MessagesJson), the max-tokens field when > 0,
// temperature and top_p when set, stop when non-empty, "stream": true when
// streaming, then the rich options (AddRequestOptions with dialect.support).
// InvalidArgument when the request has no model or no messages.
absl::StatusOr<http::HttpRequest> BuildChatRequest(
    const ChatDialect& dialect, const ProviderRequest& request,
    absl::string_view base_url, absl::string_view api_key, bool stream);

// The JSON body BuildChatRequest sends: written directly for a plain request
// (openai_plain_body.h) unless `plain_writer` is false, else built as an
// nlohmann::json DOM and dumped. Both give the same bytes.
absl::StatusOr<std::string> ChatBodyText(const ChatDialect& dialect,
                                         const ProviderRequest& request,
                                         bool stream, bool plain_writer = true);

// Reads an in-band error from a parsed 2xx body; nullopt = none.
using InBandError = std::function<std::optional<ProviderError>(
    const nlohmann::json& body, const http::HttpResponse& response)>;
// The finish reason of the reply from its body and first choice.
using ReplyFinish = std::function<FinishReason(const nlohmann::json& body,
                                               const nlohmann::json& choice)>;

// Parses a chat.completion body: `in_band_error` first, then
// choices[0].message.content, the finish reason, usage and model. A body that
// is not a JSON object or has no choice/message is a kTransient
// "malformed <api_name> response" error.
ProviderOutcome ParseChatReply(absl::string_view api_name,
                               const http::HttpResponse& response,
                               const InBandError& in_band_error,
                               const ReplyFinish& finish);

// The first steps of decoding one stream event. kSkip: empty data
// (keep-alive); kDone: "[DONE]"; kChunk: `chunk` holds the parsed data
// (discarded when it is not JSON).
enum class ChunkKind { kSkip, kDone, kChunk };
ChunkKind ReadChunk(const http::SseEvent& event, nlohmann::json& chunk);

// The kTransient error of a stream event that is not a JSON object.
ProviderError MalformedEvent(absl::string_view data);

// Records the chunk's "model" (first one seen) and "usage" (when it parses)
// in `summary`.
void NoteModelAndUsage(const nlohmann::json& chunk, ProviderReply& summary);

// Whether `haystack` contains any of `needles` (error-message classifiers of
// the dialect's servers match lower-cased messages this way).
bool ContainsAny(absl::string_view haystack,
                 std::initializer_list<absl::string_view> needles);

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_DIALECT_H_
