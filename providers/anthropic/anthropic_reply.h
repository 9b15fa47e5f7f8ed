#ifndef LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_REPLY_H_
#define LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_REPLY_H_

// Pieces of a Messages API reply shared by the unary parser
// (anthropic_codec.cc) and the stream decoder (anthropic_stream.cc).

#include <cstdint>
#include <optional>

#include "nlohmann/json.hpp"
#include "registry/provider.h"

namespace llmgw {

// The token counts of a Messages API "usage" object. Fields are absent in
// some events (message_delta carries only what changed), so each is kept
// separately and updated when present. Anthropic's input_tokens EXCLUDES the
// cache reads and writes; ToTokenUsage adds them up (TokenUsage convention).
struct AnthropicUsage {
  int64_t input_tokens = 0;
  int64_t cache_creation_input_tokens = 0;
  int64_t cache_read_input_tokens = 0;
  int64_t output_tokens = 0;
  // output_tokens_details.thinking_tokens (a subset of output_tokens).
  int64_t thinking_tokens = 0;
  bool reported = false;

  // Applies the fields present in `usage` (counts are cumulative, so they
  // replace earlier values).
  void Update(const nlohmann::json& usage);
  // input = input_tokens + cache_creation_input_tokens +
  // cache_read_input_tokens; cached_input_tokens = cache reads;
  // cache_write_input_tokens = cache creation; reasoning_tokens = thinking
  // tokens (at most output_tokens).
  TokenUsage ToTokenUsage() const;
};

// An error object ({"type":...,"message":...,"details":{"error_code":...}})
// as a classified ProviderError (message "<type>: <message>").
ProviderError AnthropicErrorFromObject(const nlohmann::json& error,
                                       int http_status);

// A "tool_use" content block as a ToolCall (arguments = the serialised
// `input` object, "{}" when absent); nullopt for any other block.
std::optional<ToolCall> AnthropicToolCall(const nlohmann::json& block);

// Applies a stop_reason and its stop_details (from a message or a
// message_delta's delta) to `reply`: the finish reason, and for "refusal"
// the refusal text (stop_details.explanation, else a fixed sentence) and
// block_reason (stop_details.category, else "refusal"). Returns true when
// this call set the refusal.
bool ApplyAnthropicStop(const nlohmann::json& holder, ProviderReply& reply);

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_REPLY_H_
