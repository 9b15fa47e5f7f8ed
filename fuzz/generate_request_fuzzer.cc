// libFuzzer target: the gRPC request path. The bytes are a GenerateRequest
// on the wire, parsed as the server parses it (StrictDeserialize: invalid
// UTF-8 and truncated bytes become a marked empty request) and converted by
// ConvertGenerateRequest, the context-free part of ToGenerateInput (messages,
// sampling, routing, and the rich contract: parts, images, tools, tool
// choice, response format, the bounded JSON checks).
//
// Besides "never crashes, never leaks, never hangs", it checks what
// registry/chat_content.h promises the wire codecs for every accepted
// request, and that every refusal is INVALID_ARGUMENT with a message.
#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "service/proto_convert.h"
#include "service/strict_parse.h"

namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "generate_request_fuzzer: %s\n", what);
  std::abort();
}

// The promises of registry/chat_content.h and the proto's bounds.
void CheckAccepted(const llmgw::GenerateInput& input) {
  const llmgw::ProviderRequest& r = input.request;
  if (r.messages.empty() || r.messages.size() > 256) Fail("message count");
  if (r.tools.size() > 128) Fail("tool count");
  std::set<std::string> names;
  for (const llmgw::ToolDefinition& tool : r.tools) {
    if (tool.name.empty() || tool.name.size() > 64) Fail("tool name length");
    if (!names.insert(tool.name).second) Fail("duplicate tool name");
  }
  if (r.tool_choice.mode == llmgw::ToolChoice::Mode::kNamed &&
      names.count(r.tool_choice.name) == 0) {
    Fail("named tool choice names no declared tool");
  }
  for (const llmgw::Message& m : r.messages) {
    if (!m.content.empty() && !m.parts.empty()) Fail("content and parts");
    if (m.role == llmgw::MessageRole::kTool &&
        (m.tool_call_id.empty() || m.tool_name.empty())) {
      Fail("tool result without id or name");
    }
    for (const llmgw::ContentPart& part : m.parts) {
      if (part.kind != llmgw::ContentPart::Kind::kImage) continue;
      const llmgw::ImageContent& image = part.image;
      if (image.url.empty() == image.data.empty()) Fail("image url xor data");
      if (!image.data.empty() && image.mime_type.empty()) Fail("image mime");
    }
    for (const llmgw::ToolCall& call : m.tool_calls) {
      if (call.name.empty() || call.arguments_json.empty()) Fail("tool call");
    }
  }
  if (r.response_format.type == llmgw::ResponseFormat::Type::kJsonSchema &&
      (r.response_format.schema_name.empty() ||
       r.response_format.json_schema.empty())) {
    Fail("json schema format without name or schema");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  grpc::Slice slice(data, size);
  grpc::ByteBuffer buffer(&slice, 1);
  llmgateway::v1::GenerateRequest request;
  if (!llmgw::StrictDeserialize(&buffer, &request).ok()) {
    Fail("StrictDeserialize must always answer OK");
  }
  llmgw::GenerateInput input;
  const absl::Status status = llmgw::ConvertGenerateRequest(request, input);
  if (status.ok()) {
    CheckAccepted(input);
  } else if (status.code() != absl::StatusCode::kInvalidArgument ||
             status.message().empty()) {
    Fail("a refusal must be INVALID_ARGUMENT with a message");
  }
  return 0;
}
