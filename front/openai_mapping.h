#ifndef LLMGW_FRONT_OPENAI_MAPPING_H_
#define LLMGW_FRONT_OPENAI_MAPPING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "dispatch/generate_call.h"
#include "registry/provider_registry.h"

namespace llmgw::front {

// Limits of an OpenAI chat request beyond what the HTTP layer bounds.
inline constexpr size_t kMaxMessages = 1024;
inline constexpr size_t kMaxStops = 4;
inline constexpr size_t kMaxJsonDepth = 16;

// A parsed POST /v1/chat/completions body.
struct ChatRequest {
  GenerateInput input;
  bool include_usage = false;
  // The model string the caller sent (echoed when the provider names none).
  std::string model;
};

// Maps an OpenAI chat completion request body to a GenerateInput. Every field
// the gateway cannot honour (tools, response_format, n>1, logprobs, ...) and
// every unknown field is refused with INVALID_ARGUMENT carrying a
// `llmgw/field_violation` payload naming the field: nothing is silently
// dropped. `client_id` and `request_id` come from the HTTP layer.
absl::StatusOr<ChatRequest> ParseChatRequest(absl::string_view body,
                                             const std::string& client_id,
                                             const std::string& request_id,
                                             absl::Time arrival);

// The OpenAI finish_reason for a reply ("stop", "length", ...), or "" (null).
std::string FinishReasonString(FinishReason reason);

// `chat.completion` object for a finished call.
std::string ChatCompletionJson(const GenerateResult& result,
                               const std::string& id,
                               const std::string& fallback_model,
                               int64_t created);

// One `chat.completion.chunk` SSE event ("data: {...}\n\n"). `delta` is the
// text (role "assistant" on the first chunk); finish_reason "" = null.
std::string ChunkEvent(const std::string& id, const std::string& model,
                       int64_t created, bool first, absl::string_view delta,
                       const std::string& finish_reason);
// The usage chunk of stream_options.include_usage (empty choices).
std::string UsageChunkEvent(const std::string& id, const std::string& model,
                            int64_t created, const TokenUsage& usage);

// An OpenAI error mapped from an absl::Status and its HELPERS.md payloads.
struct HttpError {
  int status = 500;
  std::string body;  // {"error":{"message","type","param","code"}}
  // Seconds for Retry-After, or -1 for none.
  int64_t retry_after_seconds = -1;
};
HttpError ToHttpError(const absl::Status& status);
// The same error as an SSE event, for a stream that already answered 200.
std::string ErrorEvent(const HttpError& error);

// GET /v1/models: every catalog model of every configured provider, as
// "provider/model" ids (pins that route exactly) plus bare ids of the
// catalog, deduplicated.
std::string ModelsJson(const ProviderRegistry& registry, int64_t created);

}  // namespace llmgw::front

#endif  // LLMGW_FRONT_OPENAI_MAPPING_H_
