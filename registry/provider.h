#ifndef LLMGW_REGISTRY_PROVIDER_H_
#define LLMGW_REGISTRY_PROVIDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "registry/chat_content.h"
#include "registry/provider_spec.h"

namespace llmgw {

// The provider-neutral request a provider receives after routing.
enum class MessageRole { kSystem, kUser, kAssistant, kTool };

struct Message {
  MessageRole role = MessageRole::kUser;
  // Plain text. Empty when `parts` is set (the two are never both set), or
  // for an assistant turn that only made tool calls.
  std::string content;
  // Typed content in order (text and images; images in user messages only).
  std::vector<ContentPart> parts;
  // kAssistant: the tool calls made in this turn.
  std::vector<ToolCall> tool_calls;
  // kTool: the call this result answers and the tool's name.
  std::string tool_call_id;
  std::string tool_name;

  // The message's text: `content`, or its text parts joined with "\n".
  std::string Text() const;
  bool HasImages() const;
};

// What a request asks a provider to do.
enum class Operation { kChat, kEmbed };

struct ProviderRequest {
  // The provider's own model id (any "provider/" pin already removed).
  std::string model;
  // In conversation order. System messages may appear anywhere; wire formats
  // that take a single top-level system prompt join them with "\n\n".
  std::vector<Message> messages;
  // 0 means the caller did not set it (wire formats that require it use the
  // model's max_output_tokens or a documented default).
  int32_t max_tokens = 0;
  std::optional<float> temperature;
  std::optional<float> top_p;
  std::vector<std::string> stop;
  std::string request_id;

  // Tool calling (chat_content.h).
  std::vector<ToolDefinition> tools;
  ToolChoice tool_choice;
  std::optional<bool> parallel_tool_calls;
  // Structured output.
  ResponseFormat response_format;
  std::optional<int64_t> seed;
  std::optional<float> presence_penalty;
  std::optional<float> frequency_penalty;
  // Opaque end-user id for the provider's abuse tracking ("" = none).
  std::string end_user_id;

  // kEmbed: `embed` holds the inputs and `messages` is empty; the provider
  // answers with ProviderReply::embeddings. WireCodec::BuildEmbedRequest.
  Operation operation = Operation::kChat;
  EmbedParams embed;

  // The catalog features this request needs (kChat or kEmbeddings, plus
  // tools, vision, json_object / json_schema as used).
  std::vector<ModelFeature> RequiredFeatures() const;
};

enum class FinishReason {
  kUnspecified,
  kStop,
  kLength,
  kContentFilter,
  kToolCalls,
  kError,
  kCancelled,
};

// Normalised across wire formats: input_tokens counts every prompt token
// (cache reads and writes included), output_tokens every generated token
// (reasoning included); the detail fields are subsets of those totals. A
// codec whose provider reports them separately (Anthropic's
// cache_read_input_tokens, Gemini's thoughtsTokenCount) adds them up.
struct TokenUsage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  // True when the provider reported these numbers.
  bool reported = false;
  int64_t cached_input_tokens = 0;
  int64_t cache_write_input_tokens = 0;
  int64_t reasoning_tokens = 0;
};

// A provider's answer (complete, or what a stream produced so far).
struct ProviderReply {
  std::string text;
  FinishReason finish_reason = FinishReason::kUnspecified;
  TokenUsage usage;
  // Model id the provider says it used; may be empty.
  std::string model;
  // Tool calls, in order (assembled from the deltas for a stream).
  std::vector<ToolCall> tool_calls;
  // The model's refusal message, if it refused ("" otherwise).
  std::string refusal;
  // The provider's reason for blocking or filtering (e.g. Gemini "SAFETY").
  std::string block_reason;
  // Operation::kEmbed: one vector per input, in input order.
  std::vector<std::vector<float>> embeddings;
};

// How a failed call should be treated by the resilience layer.
enum class ErrorClass {
  // 5xx, 529 overloaded, timeouts, resets, malformed replies: retry and fail
  // over.
  kTransient,
  // 429 or a rate-limit error: cool the key down (at least Retry-After), then
  // retry or fail over.
  kRateLimited,
  // 401/403, revoked key, exhausted credit: the key leaves rotation.
  kKeyInvalid,
  // The request itself is invalid (400/422): no retry can fix it; the caller
  // gets INVALID_ARGUMENT with the provider's message.
  kInvalidRequest,
  // Valid but unserviceable as sent (e.g. context too long): the caller gets
  // FAILED_PRECONDITION with the provider's message.
  kFailedPrecondition,
  // The model does not exist at this provider (404): NOT_FOUND unless a
  // fallback model succeeds.
  kModelNotFound,
  // The gateway cancelled the call (caller cancelled or its deadline passed).
  kCancelled,
};

// Returns a stable lower_snake name, e.g. "rate_limited".
absl::string_view ErrorClassName(ErrorClass error_class);

struct ProviderError {
  ErrorClass error_class = ErrorClass::kTransient;
  // Upstream HTTP status, 0 if none was received.
  int http_status = 0;
  // What went wrong, for a person: the provider's own message where there is
  // one. Never contains an API key.
  std::string message;
  // From a Retry-After header (or a provider-specific equivalent).
  std::optional<absl::Duration> retry_after;
  // The x-ratelimit-* (and similar) response headers, kept for diagnostics.
  std::vector<std::pair<std::string, std::string>> rate_limit_headers;
  // True when the failure was a connect/read timeout.
  bool timed_out = false;
};

// The result of one provider call. On error, `reply` still holds what is known
// (for a broken stream: the text delivered and any usage reported).
struct ProviderOutcome {
  std::optional<ProviderError> error;
  ProviderReply reply;
  bool ok() const { return !error.has_value(); }
};

// Receives streamed text. Called on the event loop thread, in order; must not
// block.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void OnDelta(absl::string_view text) = 0;
  // A piece of a tool call (ProviderReply::tool_calls holds the assembled
  // calls at the end).
  virtual void OnToolCallDelta(const ToolCallDelta& delta) {}
  // A piece of the model's refusal message.
  virtual void OnRefusalDelta(absl::string_view refusal) {}
};

struct CallOptions {
  // The key chosen by the key pool ("" for providers without keys).
  std::string api_key;
  // The caller's deadline; the call fails with kCancelled semantics
  // (timed_out = true) when it passes.
  absl::Time deadline = absl::InfiniteFuture();
  // When set, the call streams and text goes to the sink as it arrives
  // (ProviderOutcome::reply.text then holds all text delivered).
  StreamSink* stream_sink = nullptr;
  // This attempt's share of the caller's remaining deadline (non-streamed
  // calls; streams bound the wait for their first token instead): past it
  // the attempt fails as a retryable timeout so a fallback can still answer.
  absl::Duration attempt_timeout = absl::InfiniteDuration();
  // Minimum transfer rate of a non-streamed reply body (0 = off); see
  // http::HttpRequest::min_bytes_per_second.
  int64_t min_bytes_per_second = 32;
  absl::Duration min_rate_window = absl::Seconds(10);
};

// A call in flight.
class ProviderCall {
 public:
  virtual ~ProviderCall() = default;
  // Aborts the upstream request at once (closing its connection). The
  // completion callback still runs exactly once, with kCancelled. Thread-safe,
  // idempotent.
  virtual void Cancel() = 0;
};

using ProviderCallback = absl::AnyInvocable<void(ProviderOutcome outcome)>;

// An LLM provider: one wire format bound to one endpoint. Implementations are
// asynchronous: Generate starts the call and returns; `done` runs exactly once
// on the event loop thread when the call ends. Nothing blocks a thread.
class ILLMProvider {
 public:
  virtual ~ILLMProvider() = default;

  // The schema entry the provider was created from (with resolved settings).
  virtual const ProviderSpec& spec() const = 0;
  // Base URL in use (no credentials).
  virtual const std::string& base_url() const = 0;

  // Runs `request.operation`: a chat completion (streamed when
  // options.stream_sink is set) or an embedding batch.
  virtual std::shared_ptr<ProviderCall> Generate(ProviderRequest request,
                                                 CallOptions options,
                                                 ProviderCallback done) = 0;
};

}  // namespace llmgw

#endif  // LLMGW_REGISTRY_PROVIDER_H_
