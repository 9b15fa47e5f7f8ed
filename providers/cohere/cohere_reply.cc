// Cohere v2 reply pieces: usage and tool calls (cohere_wire.h).

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "providers/cohere/cohere_wire.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace cohere {

using Json = nlohmann::json;

TokenUsage Usage(const Json& usage) {
  TokenUsage result;
  const Json* billed = Field(usage, "billed_units");
  const Json* tokens = Field(usage, "tokens");
  auto count = [&](const char* key) -> std::optional<int64_t> {
    if (billed != nullptr) {
      if (auto v = CountField(*billed, key)) return v;
    }
    if (tokens != nullptr) return CountField(*tokens, key);
    return std::nullopt;
  };
  std::optional<int64_t> input = count("input_tokens");
  std::optional<int64_t> output = count("output_tokens");
  result.input_tokens = std::max<int64_t>(0, input.value_or(0));
  result.output_tokens = std::max<int64_t>(0, output.value_or(0));
  result.reported = input.has_value() || output.has_value();
  if (std::optional<int64_t> cached = CountField(usage, "cached_tokens")) {
    result.cached_input_tokens =
        std::clamp<int64_t>(*cached, 0, result.input_tokens);
  }
  return result;
}

absl::Status ToolCalls(const Json& message, std::vector<ToolCall>* calls) {
  const Json* list = Field(message, "tool_calls");
  if (list == nullptr || list->is_null()) return absl::OkStatus();
  if (!list->is_array()) {
    return absl::InvalidArgumentError("message.tool_calls is not an array");
  }
  if (list->size() > kMaxToolCalls) {
    return absl::InvalidArgumentError(absl::StrCat(
        list->size(), " tool calls (at most ", kMaxToolCalls, " per turn)"));
  }
  for (const Json& item : *list) {
    const Json* function = Field(item, "function");
    if (function == nullptr || !function->is_object()) {
      return absl::InvalidArgumentError("a tool call without a function");
    }
    ToolCall call;
    call.id = StringField(item, "id");
    call.name = StringField(*function, "name");
    const Json* arguments = Field(*function, "arguments");
    if (arguments != nullptr && arguments->is_string()) {
      call.arguments_json = arguments->get<std::string>();
    } else if (arguments != nullptr && arguments->is_object()) {
      call.arguments_json = DumpJson(*arguments);
    }
    if (call.arguments_json.empty()) call.arguments_json = "{}";
    if (call.name.empty()) {
      return absl::InvalidArgumentError("a tool call without a name");
    }
    if (call.arguments_json.size() > kMaxArgumentsBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tool call arguments over ", kMaxArgumentsBytes, " bytes"));
    }
    calls->push_back(std::move(call));
  }
  return absl::OkStatus();
}

}  // namespace cohere
}  // namespace llmgw
