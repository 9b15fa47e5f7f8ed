#ifndef LLMGW_PROVIDERS_COHERE_COHERE_WIRE_H_
#define LLMGW_PROVIDERS_COHERE_COHERE_WIRE_H_

// Internal pieces of the Cohere v2 codec (cohere_codec.h), one file each:
//   cohere_content.cc  messages (text, image_url parts, tool calls, tool
//                      results) and the tool / structured-output options;
//   cohere_reply.cc    usage and tool calls of a reply;
//   cohere_stream.cc   the SSE decoder (text, tool-call-start/-delta/-end,
//                      message-end usage);
//   cohere_embed.cc    POST /v2/embed.
// Shapes: docs.cohere.com/reference/chat, /reference/chat-stream,
// /reference/embed and the v2 types of github.com/cohere-ai/cohere-python
// (src/cohere/types, src/cohere/v2/raw_client.py).

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"

namespace llmgw {
namespace cohere {

// Bounds on what a reply or stream may carry (per turn).
inline constexpr size_t kMaxToolCalls = 128;
inline constexpr size_t kMaxArgumentsBytes = 1 << 20;

// The "messages" array: system messages joined ("\n\n") into one leading
// system message; user content as a string, or as an array of
// {"type":"text"} / {"type":"image_url","image_url":{"url"[,"detail"]}} parts
// (inline bytes as a data:<mime>;base64,... URL); assistant turns with
// "tool_calls" [{id, type:"function", function:{name, arguments}}]; tool
// results as {"role":"tool","tool_call_id","content":[{"type":"text"}]}.
absl::StatusOr<nlohmann::json> Messages(const ProviderRequest& request);

// Adds tools, tool_choice, response_format, seed and the penalties to `body`,
// or answers INVALID_ARGUMENT naming what Cohere v2 cannot express: a named
// tool_choice, parallel_tool_calls = false, end_user_id, response_format
// together with tools, penalties outside [0, 1].
absl::Status AddOptions(const ProviderRequest& request, nlohmann::json& body);

// Usage from a chat "usage" (or embed "meta") object: billed_units first (what
// Cohere bills), each count falling back to tokens; cached_tokens (prompt
// tokens that hit the inference cache) as cached_input_tokens, capped at the
// input count.
TokenUsage Usage(const nlohmann::json& usage);

// The tool calls of a reply's "message"; an error message when malformed or
// beyond the bounds.
absl::Status ToolCalls(const nlohmann::json& message,
                       std::vector<ToolCall>* calls);

// The stream decoder (cohere_stream.cc).
std::unique_ptr<StreamDecoder> NewStreamDecoder();

}  // namespace cohere
}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COHERE_COHERE_WIRE_H_
