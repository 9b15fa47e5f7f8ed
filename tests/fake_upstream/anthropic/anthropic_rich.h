// The rich parts of the fake Messages API (tests/fake_upstream/anthropic):
// validation of image / tool_use / tool_result content blocks, "tools",
// "tool_choice", "metadata" and "output_config", and the rendering of tool
// calls, refusals and usage detail. Shapes: the Messages API reference
// (platform.claude.com/docs/en/api/messages), "Streaming Messages", and the
// official SDK's types (anthropics/anthropic-sdk-python src/anthropic/types).

#ifndef LLMGW_TESTS_FAKE_UPSTREAM_ANTHROPIC_ANTHROPIC_RICH_H_
#define LLMGW_TESTS_FAKE_UPSTREAM_ANTHROPIC_ANTHROPIC_RICH_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream::anthropic {

// What block validation needs to know about the message being read.
struct BlockContext {
  bool assistant = false;
  // tool_use ids of the previous (assistant) message.
  std::set<std::string> previous_tool_use_ids;
  // tool_use ids of this message (filled by CheckBlock).
  std::set<std::string> tool_use_ids;
};

// Validates a content block whose type is not "text" (at = field path):
//   image       user only; source {"type":"base64","media_type": jpeg|png|
//               gif|webp,"data": non-empty base64} or {"type":"url","url"}
//   tool_use    assistant only; id, name strings, input object
//   tool_result user only; tool_use_id naming a tool_use of the previous
//               message; optional content (string or text/image blocks),
//               optional is_error boolean
// Adds the block's countable text to `text`. The API's 400 message, or
// nullopt.
std::optional<std::string> CheckBlock(const nlohmann::json& block,
                                      const std::string& at,
                                      BlockContext& context,
                                      std::vector<std::string>& text);

// Validates "tools" (custom tools: name [a-zA-Z0-9_-]{1,128}, optional
// description string, input_schema object of type "object"; unique names),
// "tool_choice" ({"type": auto|any|none|tool, "name" for tool naming a
// defined tool, optional disable_parallel_tool_use boolean; not without
// tools except "none"), "metadata" ({"user_id": string}) and
// "output_config" ({"format": {"type":"json_schema","schema":{object}}}).
std::optional<std::string> CheckOptions(const nlohmann::json& body);

// The "usage" object: input_tokens excludes the cache reads and writes
// (Usage::cached_tokens / cache_write_tokens are subsets of prompt_tokens);
// output_tokens_details.thinking_tokens when reasoning_tokens > 0.
nlohmann::ordered_json UsageJson(const Usage& usage, int64_t output_tokens);

// stop_reason: a refusal -> "refusal", tool calls -> "tool_use", else the
// Generation's (override, "max_tokens" when truncated, "end_turn").
std::string StopReason(const Generation& gen);
// stop_details for a refusal ({"type":"refusal","category","explanation"}),
// else null.
nlohmann::ordered_json StopDetails(const Generation& gen);

// tool_use content blocks, in order.
std::vector<nlohmann::ordered_json> ToolUseBlocks(const Generation& gen);

// The SSE events of the tool calls as content blocks `first_index`...:
// content_block_start (tool_use, input {}), the arguments in three
// input_json_delta pieces (an empty first one, as the API sends), and
// content_block_stop.
std::vector<std::string> ToolCallEvents(const Generation& gen, int first_index);

// "event: <type>\ndata: <json>\n\n".
std::string Event(const std::string& type, const nlohmann::ordered_json& data);

}  // namespace llmgw::fake_upstream::anthropic

#endif  // LLMGW_TESTS_FAKE_UPSTREAM_ANTHROPIC_ANTHROPIC_RICH_H_
