#ifndef LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_STREAM_H_
#define LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_STREAM_H_

#include <cstddef>
#include <memory>

#include "providers/common/wire_codec.h"

namespace llmgw {

// Bounds of what one streamed turn may accumulate; beyond them the stream
// fails as a kTransient "malformed Anthropic stream" error.
inline constexpr size_t kAnthropicMaxStreamToolCalls = 128;
inline constexpr size_t kAnthropicMaxToolArgumentBytes = 1 << 20;

// Decodes a streamed Messages API response ("Streaming Messages" page):
//   message_start        model and input usage (input_tokens and the cache
//                        counts);
//   content_block_start  a "tool_use" block (id, name) opens tool call i (its
//                        ordinal among the turn's tool_use blocks): the first
//                        ToolCallDelta {i, id, name, ""};
//   content_block_delta  "text_delta" -> text; "input_json_delta" ->
//                        ToolCallDelta {i, "", "", partial_json}, appended to
//                        Summary().tool_calls[i]; thinking/signature deltas
//                        are not forwarded;
//   content_block_stop   closes a tool call; one that received no argument
//                        piece gets "{}" (forwarded as its last delta);
//   message_delta        stop_reason / stop_details (a refusal becomes
//                        refusal_delta + Summary().refusal/block_reason) and
//                        the cumulative usage (output tokens, and input
//                        counts when present: earlier values are kept for
//                        fields it lacks);
//   message_stop         done; error -> a classified ProviderError.
// A plain text delta ({"type":"content_block_delta","index":i,"delta":
// {"type":"text_delta","text":s}}, most events of a stream) is read without
// a DOM (providers/common/fast_json.h), with the same result;
// `read_common_shapes` false sends every event the full way (the
// differential test compares the two).
std::unique_ptr<StreamDecoder> NewAnthropicStreamDecoder(
    bool read_common_shapes = true);

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_STREAM_H_
