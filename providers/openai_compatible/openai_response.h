#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_RESPONSE_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_RESPONSE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "registry/provider.h"

// Pieces of a Chat Completions response (chat.completion) and of its stream
// chunks (chat.completion.chunk) shared by the reply parser and the stream
// decoder.
namespace llmgw::openai_compat {

// Maps a choice's finish_reason:
//   stop (and eos, eos_token, stop_sequence, end_turn from compatible
//     servers)                                   -> kStop
//   length (and max_tokens, model_length)        -> kLength
//   content_filter                               -> kContentFilter
//   tool_calls, function_call (deprecated)       -> kToolCalls
//   error (OpenRouter, with an in-stream error)  -> kError
//   null, absent or anything else                -> kUnspecified
FinishReason OpenAiFinishReason(absl::string_view finish_reason);

// The finish_reason member of `choice` mapped, kUnspecified when null/absent.
FinishReason ChoiceFinishReason(const nlohmann::json& choice);

// The text of a message or delta "content": a string, null (""), or an array
// of content parts whose "text" members are concatenated (some compatible
// servers answer with parts).
std::string ContentText(const nlohmann::json& content);

// A "usage" object: prompt_tokens -> input_tokens (OpenAI's count already
// includes cached tokens), completion_tokens -> output_tokens (includes
// reasoning), prompt_tokens_details.cached_tokens (OpenAI) or
// prompt_cache_hit_tokens (DeepSeek) -> cached_input_tokens,
// completion_tokens_details.reasoning_tokens -> reasoning_tokens (details
// clamped to their totals), reported = true. nullopt when `usage` is not an
// object or carries no count.
std::optional<TokenUsage> ParseUsage(const nlohmann::json& usage);

// The first choice (index 0) of a response or chunk, or nullptr when
// "choices" is absent or empty.
const nlohmann::json* FirstChoice(const nlohmann::json& body);

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_RESPONSE_H_
