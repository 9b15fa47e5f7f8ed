// The rich half of the fake OpenAI Chat Completions API (#13): validation of
// content parts, tool calls and results, tools, tool_choice and
// response_format as the API reference documents them; tool calls, refusals
// and usage detail in replies and stream chunks; and POST /v1/embeddings.
// Used by openai_format.cc (and by formats that speak the same dialect).

#ifndef LLMGW_TESTS_FAKE_UPSTREAM_OPENAI_RICH_H_
#define LLMGW_TESTS_FAKE_UPSTREAM_OPENAI_RICH_H_

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream::openai_rich {

// A 400 invalid_request_error: message, param and code as OpenAI sends them.
struct RichError {
  std::string message;
  std::optional<std::string> param;
  std::optional<std::string> code;
};

// Checks messages[].content parts ({"type": "text", "text"} and {"type":
// "image_url", "image_url": {"url": http(s) or data:image/...;base64,
// "detail"?: auto|low|high}}), assistant tool_calls, tool messages
// (tool_call_id required and answering an earlier call), tools (type
// "function", function.name [a-zA-Z0-9_-]{1,64}, parameters an object),
// tool_choice (auto|none|required or a named function among the tools;
// needs tools), parallel_tool_calls (boolean, only with tools),
// response_format (text|json_object|json_schema with json_schema.name and
// an object schema), seed (integer), presence/frequency_penalty (-2..2) and
// user (string).
std::optional<RichError> Validate(const nlohmann::json& body);

// Usage; with prompt_tokens_details.cached_tokens and
// completion_tokens_details.reasoning_tokens when either is non-zero.
nlohmann::ordered_json UsageJson(const Usage& usage);

// The reply message: content (null with tool calls and no text, or with a
// refusal or block), refusal, tool_calls.
nlohmann::ordered_json Message(const Generation& generation);

// finish_reason: "content_filter" for a block, "tool_calls" with tool
// calls, else stop/length (a Behavior override wins).
std::string FinishReason(const Generation& generation);

// The stream deltas after the text ones: the refusal in two pieces, then
// per tool call a first piece {index, id, type, function {name, arguments
// ""}} and its arguments in three fragments.
std::vector<nlohmann::ordered_json> ExtraDeltas(const Generation& generation);

// POST /v1/embeddings: {model, input: string | [strings] (1..2048, each
// non-empty), dimensions? (text-embedding-3-* only, 1..native),
// encoding_format? float|base64, user?}. Replies {"object": "list", "data":
// [{"object": "embedding", "index", "embedding"}], "model", "usage":
// {prompt_tokens, total_tokens}} with deterministic unit-free vectors
// derived from a hash of each input (1536 values for
// text-embedding-3-small / ada-002, 3072 for -large, 8 for other models,
// or `dimensions`); prompt_tokens counts the inputs' words.
HttpReply Embeddings(const nlohmann::json& body);

}  // namespace llmgw::fake_upstream::openai_rich

#endif  // LLMGW_TESTS_FAKE_UPSTREAM_OPENAI_RICH_H_
