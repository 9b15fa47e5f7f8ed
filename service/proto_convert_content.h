#ifndef LLMGW_SERVICE_PROTO_CONVERT_CONTENT_H_
#define LLMGW_SERVICE_PROTO_CONVERT_CONTENT_H_

// The rich half of GenerateRequest validation (issue #13): typed content
// parts, images, tool calls and results, tool definitions, tool choice,
// response format, seed, penalties and the end-user id. Every refusal is
// INVALID_ARGUMENT with a google.rpc.BadRequest field violation naming the
// exact field path ("messages[2].parts[0].image.data", "tools[1].name").
// The bounds are the proto's (proto/llmgateway/v1/gateway.proto).

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dispatch/generate_call.h"
#include "llmgateway/v1/gateway.pb.h"

namespace llmgw {

inline constexpr int kMaxPartsPerMessage = 64;
inline constexpr int kMaxTools = 128;
inline constexpr int kMaxToolCallsPerMessage = 128;
inline constexpr size_t kMaxToolNameBytes = 64;
inline constexpr size_t kMaxToolDescriptionBytes = 64 << 10;
inline constexpr size_t kMaxSchemaBytes = 64 << 10;
inline constexpr int kMaxSchemaDepth = 64;
inline constexpr size_t kMaxToolArgumentsBytes = 1 << 20;
inline constexpr size_t kMaxToolCallIdBytes = 256;
inline constexpr size_t kMaxImageBytes = 20 << 20;
// A data: URL carries base64 (4/3 of the bytes) plus its header.
inline constexpr size_t kMaxImageUrlBytes = kMaxImageBytes / 3 * 4 + 1024;
inline constexpr size_t kMaxEndUserIdBytes = 128;
inline constexpr float kMaxPenalty = 2.0f;
inline constexpr char kToolNameRule[] =
    "must be 1 to 64 characters of [a-zA-Z0-9_-]";

// [a-zA-Z0-9_-]{1,64}: tool names and response schema names.
bool IsToolName(absl::string_view name);

// OK when `text` is a JSON object of at most `max_bytes` nesting at most
// kMaxSchemaDepth deep; else INVALID_ARGUMENT on `field` saying what is wrong.
absl::Status CheckJsonField(const std::string& field, absl::string_view text,
                            size_t max_bytes);

// Converts message `index` (role already set in `out`): content or parts,
// tool_calls, tool_call_id and tool_name. `text_bytes_limit` bounds the
// message's text (content, or its text parts together).
absl::Status ConvertMessageContent(const llmgateway::v1::ChatMessage& message,
                                   int index, size_t text_bytes_limit,
                                   Message& out);

// Fills each ROLE_TOOL message's empty tool_name from the earlier assistant
// tool call with its tool_call_id; INVALID_ARGUMENT when there is none.
absl::Status ResolveToolNames(std::vector<Message>& messages);

// tools, tool_choice, parallel_tool_calls, response_format, seed,
// presence/frequency penalties and end_user_id (proto_convert_options.cc).
absl::Status ConvertGenerationOptions(
    const llmgateway::v1::GenerateRequest& request, GenerateInput& input);

// Fills `out` (a repeated ToolCall field) from reply tool calls.
void FillToolCalls(
    const std::vector<ToolCall>& calls,
    google::protobuf::RepeatedPtrField<llmgateway::v1::ToolCall>* out);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_PROTO_CONVERT_CONTENT_H_
