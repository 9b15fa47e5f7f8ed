#ifndef LLMGW_CLI_REQUEST_OPTIONS_H_
#define LLMGW_CLI_REQUEST_OPTIONS_H_

// The rich-contract options of `llmgw generate` / `llmgw stream`: tools, tool
// choice, structured output, images, seed and an earlier conversation (see
// cli/README.md). Everything read from disk is bounded; a bad value is a
// usage error (InvalidArgument naming the flag) and nothing is sent.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/flags.h"
#include "llmgateway/v1/gateway.pb.h"

namespace llmgw::cli {

// Bounds of what the CLI reads (the gateway enforces its own as well).
inline constexpr int64_t kMaxImageBytes = 20 << 20;    // ImagePart.data
inline constexpr int64_t kMaxJsonFileBytes = 1 << 20;  // tools, messages
inline constexpr int64_t kMaxSchemaBytes = 64 << 10;   // JSON schemas
inline constexpr int kMaxTools = 128;

// The flags this module reads (added to generate/stream's flags).
const std::vector<FlagSpec>& ContractFlags();

// --tool 'NAME[:DESCRIPTION[:{JSON SCHEMA}]]'. The schema starts at the first
// ":{" after the name, so the description may contain ':' but not ":{".
absl::StatusOr<llmgateway::v1::Tool> ParseToolFlag(absl::string_view value);

// --tools_file: a JSON array of tools, OpenAI style
// ([{"type": "function", "function": {"name", "description", "parameters"}}])
// or flat ([{"name", "description", "parameters"}]).
absl::StatusOr<std::vector<llmgateway::v1::Tool>> ParseToolsJson(
    absl::string_view json);

// --tool_choice auto|none|required|NAME.
llmgateway::v1::ToolChoice ParseToolChoice(absl::string_view value);

// "image/png" for "cat.PNG"; "" for an extension without a known image type
// (png, jpg/jpeg, webp, gif).
std::string ImageMimeType(absl::string_view path);

// --image: an http(s):// or data: URL as is, else a file read as bytes
// (at most kMaxImageBytes) with the MIME type of its extension.
absl::StatusOr<llmgateway::v1::ImagePart> LoadImage(absl::string_view value);

// The file's bytes, or InvalidArgument naming `flag` when it cannot be read
// or is larger than `max_bytes`.
absl::StatusOr<std::string> ReadBoundedFile(absl::string_view flag,
                                            const std::string& path,
                                            int64_t max_bytes);

// --messages FILE: earlier turns as a JSON array of ChatMessage in the
// proto's JSON mapping ({"role": "ROLE_TOOL", "toolCallId": ..., ...}).
absl::StatusOr<std::vector<llmgateway::v1::ChatMessage>> ParseMessagesJson(
    absl::string_view json);

// Applies --tool, --tools_file, --tool_choice, --json_schema, --schema_name,
// --strict, --json_object, --seed and --image to `request`, whose last
// message is the user's prompt (images become parts after its text).
absl::Status ApplyContractOptions(const CommandLine& line,
                                  llmgateway::v1::GenerateRequest* request);

}  // namespace llmgw::cli

#endif  // LLMGW_CLI_REQUEST_OPTIONS_H_
