#include "providers/anthropic/anthropic_reply.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "providers/anthropic/anthropic_codec.h"
#include "providers/common/json_fields.h"

namespace llmgw {

using Json = nlohmann::json;

void AnthropicUsage::Update(const Json& usage) {
  if (!usage.is_object()) return;
  if (auto v = CountField(usage, "input_tokens")) {
    input_tokens = *v;
    reported = true;
  }
  if (auto v = CountField(usage, "cache_creation_input_tokens")) {
    cache_creation_input_tokens = *v;
  }
  if (auto v = CountField(usage, "cache_read_input_tokens")) {
    cache_read_input_tokens = *v;
  }
  if (auto v = CountField(usage, "output_tokens")) {
    output_tokens = *v;
    reported = true;
  }
  if (const Json* details = Field(usage, "output_tokens_details")) {
    if (auto v = CountField(*details, "thinking_tokens")) thinking_tokens = *v;
  }
}

TokenUsage AnthropicUsage::ToTokenUsage() const {
  TokenUsage usage;
  usage.input_tokens =
      input_tokens + cache_creation_input_tokens + cache_read_input_tokens;
  usage.output_tokens = output_tokens;
  usage.reported = reported;
  usage.cached_input_tokens = cache_read_input_tokens;
  usage.cache_write_input_tokens = cache_creation_input_tokens;
  usage.reasoning_tokens = std::clamp<int64_t>(
      thinking_tokens, 0, std::max<int64_t>(0, output_tokens));
  return usage;
}

ProviderError AnthropicErrorFromObject(const Json& error, int http_status) {
  std::string type = StringField(error, "type");
  std::string message = StringField(error, "message");
  std::string error_code;
  if (const Json* details = Field(error, "details")) {
    error_code = StringField(*details, "error_code");
  }
  ProviderError result;
  result.http_status = http_status;
  result.error_class =
      ClassifyAnthropicError(http_status, type, message, error_code);
  if (type.empty()) {
    result.message = message;
  } else if (message.empty()) {
    result.message = type;
  } else {
    result.message = absl::StrCat(type, ": ", message);
  }
  return result;
}

std::optional<ToolCall> AnthropicToolCall(const Json& block) {
  if (StringField(block, "type") != "tool_use") return std::nullopt;
  ToolCall call;
  call.id = StringField(block, "id");
  call.name = StringField(block, "name");
  const Json* input = Field(block, "input");
  call.arguments_json =
      input != nullptr && input->is_object() ? DumpJson(*input) : "{}";
  return call;
}

bool ApplyAnthropicStop(const Json& holder, ProviderReply& reply) {
  const Json* stop_reason = Field(holder, "stop_reason");
  if (stop_reason == nullptr || !stop_reason->is_string()) return false;
  const std::string reason = stop_reason->get<std::string>();
  reply.finish_reason = AnthropicFinishReason(reason);
  if (reason != "refusal" || !reply.refusal.empty()) return false;
  std::string explanation;
  std::string category;
  if (const Json* details = Field(holder, "stop_details")) {
    explanation = StringField(*details, "explanation");
    category = StringField(*details, "category");
  }
  reply.refusal = !explanation.empty()
                      ? std::move(explanation)
                      : std::string(
                            "Claude's safety classifiers stopped the "
                            "response (stop_reason \"refusal\")");
  reply.block_reason = category.empty() ? "refusal" : std::move(category);
  return true;
}

}  // namespace llmgw
