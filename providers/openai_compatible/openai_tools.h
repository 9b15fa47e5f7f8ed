#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_TOOLS_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_TOOLS_H_

// Tool calls and refusals in Chat Completions replies and stream chunks.

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "providers/common/wire_codec.h"
#include "registry/provider.h"

namespace llmgw::openai_compat {

// Bounds on what one streamed turn may accumulate (beyond them the stream
// fails with a kTransient "malformed stream" error).
inline constexpr size_t kMaxStreamToolCalls = 128;
inline constexpr size_t kMaxToolArgumentsBytes = 1 << 20;
inline constexpr size_t kMaxRefusalBytes = 1 << 20;

// Reads message.tool_calls [{id, type: "function", function: {name,
// arguments}}] (arguments a JSON string; an object from a lenient server is
// serialised; empty -> "{}") and message.refusal (string) into `reply`.
void ReadToolCallsAndRefusal(const nlohmann::json& message,
                             ProviderReply& reply);

// Assembles streamed delta.tool_calls: each piece carries "index" (the
// call's position); the first piece of a call carries id and
// function.name, later pieces append function.arguments fragments. A piece
// without "index" continues the last call, or starts a new one when it
// carries an id not seen yet (servers that send whole calls).
class ToolCallAssembler {
 public:
  // Handles one chunk's delta (tool_calls and refusal): forwards the pieces
  // into `update` and accumulates them into `summary`. Sets update.error
  // beyond the bounds above.
  void OnDelta(const nlohmann::json& delta, StreamUpdate& update,
               ProviderReply& summary);

 private:
  // The position in summary.tool_calls of a piece, or nullopt on overflow.
  std::optional<size_t> Slot(const nlohmann::json& piece,
                             ProviderReply& summary);

  std::map<long long, size_t> by_wire_index_;
};

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_TOOLS_H_
