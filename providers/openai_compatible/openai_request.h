#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_REQUEST_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_REQUEST_H_

// The rich half of a Chat Completions request body (OpenAI API reference,
// "Create chat completion"): typed message content, tool calls and results,
// tools, tool_choice, parallel_tool_calls, response_format, seed, penalties
// and user.

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "registry/provider.h"

namespace llmgw::openai_compat {

// messages[]:
//   - text-only messages: {"role", "content": "<text>"} (unchanged shape);
//   - messages with parts: "content": [{"type": "text", "text"},
//     {"type": "image_url", "image_url": {"url", "detail"?}}], inline image
//     bytes as "data:<mime>;base64,<base64>";
//   - assistant turns with tool calls: "tool_calls": [{"id", "type":
//     "function", "function": {"name", "arguments": "<JSON text>"}}] and
//     "content": null when the turn has no text;
//   - tool results: {"role": "tool", "tool_call_id", "content"}.
nlohmann::json MessagesJson(const ProviderRequest& request);

// Which optional request fields a server of the dialect accepts (all for
// OpenAI; MiniMax documents fewer). Asking for an unsupported one is
// InvalidArgument "<field> is not supported by the <api_name> API".
struct OptionSupport {
  bool seed = true;
  bool penalties = true;
  bool parallel_tool_calls = true;
  bool user = true;
  bool required_tool_choice = true;
};

// Adds to `body`: tools [{"type": "function", "function": {"name",
// "description"?, "parameters"}}] (an empty schema becomes {"type":
// "object", "properties": {}}), tool_choice ("auto" | "none" | "required" |
// {"type": "function", "function": {"name"}}), parallel_tool_calls (with
// tools only), response_format ({"type": "json_object"} | {"type":
// "json_schema", "json_schema": {"name", "schema", "strict"}}), seed,
// presence_penalty, frequency_penalty and user, each only when set.
// parallel_tool_calls without tools is InvalidArgument (OpenAI rejects it).
// InvalidArgument naming `api_name` when a schema is not a JSON object.
absl::Status AddRequestOptions(const ProviderRequest& request,
                               absl::string_view api_name,
                               const OptionSupport& support,
                               nlohmann::json& body);

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_REQUEST_H_
