#ifndef LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_REQUEST_H_
#define LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_REQUEST_H_

// The rich parts of a Messages API request body (content blocks, tools,
// structured output), used by AnthropicCodec::BuildRequest. Shapes from the
// Messages API reference (platform.claude.com/docs/en/api/messages) and the
// official SDK's request types (anthropics/anthropic-sdk-python,
// src/anthropic/types/*_param.py).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "registry/provider.h"

namespace llmgw {

// The conversation as the Messages API takes it.
struct AnthropicPrompt {
  // System messages' text joined with "\n\n" (empty: none).
  std::vector<std::string> system_parts;
  // Strictly alternating user/assistant turns.
  nlohmann::json messages = nlohmann::json::array();
};

// Builds the turns of `request`:
//   - consecutive messages with the same wire role merge into one turn
//     (kTool results are user turns, so consecutive results and a user
//     message after them share one turn, tool_result blocks first as the API
//     requires); a turn of one plain-text message keeps string content,
//     every other turn is an array of content blocks;
//   - user parts: {"type":"text"} and {"type":"image","source":...} with a
//     "base64" source (inline bytes, or a data: URL) or a "url" source;
//   - assistant tool calls: {"type":"tool_use","id","name","input":{...}}
//     after the turn's text (no empty text block);
//   - kTool: {"type":"tool_result","tool_use_id","content":text}.
// InvalidArgument for an image type the API does not take, a malformed data:
// URL, arguments that are not a JSON object, or no user/assistant message.
absl::StatusOr<AnthropicPrompt> BuildAnthropicPrompt(
    const ProviderRequest& request);

// Adds to `body` what the request asks beyond the conversation: "tools",
// "tool_choice" (with disable_parallel_tool_use for
// parallel_tool_calls=false), "output_config" for a json_schema response
// format, "metadata.user_id" for end_user_id. InvalidArgument naming the
// feature for what the Messages API cannot express: response_format
// json_object, seed, presence_penalty, frequency_penalty, a tool_choice
// that needs tools when there are none.
absl::Status AddAnthropicOptions(const ProviderRequest& request,
                                 nlohmann::json& body);

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_REQUEST_H_
