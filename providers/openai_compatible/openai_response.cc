#include "providers/openai_compatible/openai_response.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace llmgw::openai_compat {
namespace {

using nlohmann::json;

std::optional<int64_t> IntField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_unsigned())
    return static_cast<int64_t>(it->get<uint64_t>());
  if (it->is_number_float()) return std::llround(it->get<double>());
  return std::nullopt;
}

}  // namespace

FinishReason OpenAiFinishReason(absl::string_view finish_reason) {
  if (finish_reason == "stop" || finish_reason == "eos" ||
      finish_reason == "eos_token" || finish_reason == "stop_sequence" ||
      finish_reason == "end_turn") {
    return FinishReason::kStop;
  }
  if (finish_reason == "length" || finish_reason == "max_tokens" ||
      finish_reason == "model_length") {
    return FinishReason::kLength;
  }
  if (finish_reason == "content_filter") return FinishReason::kContentFilter;
  if (finish_reason == "tool_calls" || finish_reason == "function_call") {
    return FinishReason::kToolCalls;
  }
  if (finish_reason == "error") return FinishReason::kError;
  return FinishReason::kUnspecified;
}

FinishReason ChoiceFinishReason(const json& choice) {
  auto it = choice.find("finish_reason");
  if (it == choice.end() || !it->is_string()) return FinishReason::kUnspecified;
  return OpenAiFinishReason(it->get<std::string>());
}

std::string ContentText(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array()) {
    for (const json& part : content) {
      if (!part.is_object()) continue;
      auto type = part.find("type");
      auto part_text = part.find("text");
      const bool is_text =
          type == part.end() || (type->is_string() && *type == "text");
      if (is_text && part_text != part.end() && part_text->is_string()) {
        text += part_text->get<std::string>();
      }
    }
  }
  return text;
}

std::optional<TokenUsage> ParseUsage(const json& usage) {
  if (!usage.is_object()) return std::nullopt;
  std::optional<int64_t> input = IntField(usage, "prompt_tokens");
  std::optional<int64_t> output = IntField(usage, "completion_tokens");
  // DeepSeek: prompt_tokens = prompt_cache_hit_tokens + ..._miss_tokens.
  std::optional<int64_t> hit = IntField(usage, "prompt_cache_hit_tokens");
  std::optional<int64_t> miss = IntField(usage, "prompt_cache_miss_tokens");
  if (!input && (hit || miss)) input = hit.value_or(0) + miss.value_or(0);
  if (!input && !output) return std::nullopt;
  TokenUsage result;
  result.input_tokens = std::max<int64_t>(0, input.value_or(0));
  result.output_tokens = std::max<int64_t>(0, output.value_or(0));
  result.reported = true;
  int64_t cached = hit.value_or(0);
  if (auto details = usage.find("prompt_tokens_details");
      details != usage.end() && details->is_object()) {
    cached = std::max(cached, IntField(*details, "cached_tokens").value_or(0));
  }
  if (auto details = usage.find("completion_tokens_details");
      details != usage.end() && details->is_object()) {
    result.reasoning_tokens =
        std::clamp<int64_t>(IntField(*details, "reasoning_tokens").value_or(0),
                            0, result.output_tokens);
  }
  result.cached_input_tokens =
      std::clamp<int64_t>(cached, 0, result.input_tokens);
  return result;
}

const json* FirstChoice(const json& body) {
  auto choices = body.find("choices");
  if (choices == body.end() || !choices->is_array() || choices->empty()) {
    return nullptr;
  }
  for (const json& choice : *choices) {
    auto index = choice.find("index");
    if (choice.is_object() && index != choice.end() && *index == 0) {
      return &choice;
    }
  }
  const json& first = choices->front();
  return first.is_object() ? &first : nullptr;
}

}  // namespace llmgw::openai_compat
