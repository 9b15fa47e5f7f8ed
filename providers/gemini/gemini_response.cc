#include "providers/gemini/gemini_response.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "providers/common/json_fields.h"

namespace llmgw::gemini {
namespace {

using nlohmann::json;

// Member `key` of `object`, or nullptr when absent or `object` is no object.
const json* Member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringMember(const json& object, const char* key) {
  const json* value = Member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>()
                                                : "";
}

// Adds member `key` (an integer count) to `*sum`; returns whether it existed.
bool AddCount(const json& object, const char* key, int64_t* sum) {
  const json* value = Member(object, key);
  if (value == nullptr || !value->is_number_integer()) return false;
  *sum += value->get<int64_t>();
  return true;
}

// "HARM_CATEGORY_HARASSMENT: HIGH, ..." for the ratings marked blocked (or,
// when none is marked, those rated MEDIUM or HIGH).
std::string DescribeRatings(const json* ratings) {
  if (ratings == nullptr || !ratings->is_array()) return "";
  std::vector<std::string> blocked;
  std::vector<std::string> notable;
  for (const json& rating : *ratings) {
    std::string entry = absl::StrCat(StringMember(rating, "category"), ": ",
                                     StringMember(rating, "probability"));
    const json* is_blocked = Member(rating, "blocked");
    if (is_blocked != nullptr && is_blocked->is_boolean() &&
        is_blocked->get<bool>()) {
      blocked.push_back(entry);
    }
    std::string probability = StringMember(rating, "probability");
    if (probability == "MEDIUM" || probability == "HIGH") {
      notable.push_back(entry);
    }
  }
  return absl::StrJoin(blocked.empty() ? notable : blocked, ", ");
}

// Text (without thought summaries) and function calls of candidate parts.
void ReadParts(const json& parts, ResponseChunk* chunk) {
  for (const json& part : parts) {
    const json* thought = Member(part, "thought");
    if (thought != nullptr && thought->is_boolean() && thought->get<bool>()) {
      continue;
    }
    chunk->text += StringMember(part, "text");
    const json* call = Member(part, "functionCall");
    if (call == nullptr || !call->is_object()) continue;
    ToolCall tool_call;
    tool_call.name = StringMember(*call, "name");
    const json* args = Member(*call, "args");
    tool_call.arguments_json =
        args != nullptr && args->is_object() ? DumpJson(*args) : "{}";
    chunk->tool_calls.push_back(std::move(tool_call));
  }
}

}  // namespace

std::string GeminiToolCallId(size_t index) {
  return absl::StrCat("call_", index);
}

FinishReason MapFinishReason(absl::string_view reason) {
  if (reason == "STOP") return FinishReason::kStop;
  if (reason == "MAX_TOKENS") return FinishReason::kLength;
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "LANGUAGE" ||
      reason == "BLOCKLIST" || reason == "PROHIBITED_CONTENT" ||
      reason == "SPII" || reason == "IMAGE_SAFETY" ||
      reason == "IMAGE_PROHIBITED_CONTENT" || reason == "IMAGE_RECITATION") {
    return FinishReason::kContentFilter;
  }
  if (reason == "MALFORMED_FUNCTION_CALL" || reason == "UNEXPECTED_TOOL_CALL" ||
      reason == "TOO_MANY_TOOL_CALLS" ||
      reason == "MISSING_THOUGHT_SIGNATURE" || reason == "MALFORMED_RESPONSE" ||
      reason == "NO_IMAGE") {
    return FinishReason::kError;
  }
  return FinishReason::kUnspecified;
}

std::optional<TokenUsage> ParseUsageMetadata(const json& usage) {
  TokenUsage result;
  bool any = AddCount(usage, "promptTokenCount", &result.input_tokens);
  any |= AddCount(usage, "toolUsePromptTokenCount", &result.input_tokens);
  any |= AddCount(usage, "candidatesTokenCount", &result.output_tokens);
  any |= AddCount(usage, "thoughtsTokenCount", &result.output_tokens);
  if (!any) return std::nullopt;
  AddCount(usage, "cachedContentTokenCount", &result.cached_input_tokens);
  AddCount(usage, "thoughtsTokenCount", &result.reasoning_tokens);
  result.reported = true;
  return result;
}

ResponseChunk ParseResponseChunk(const json& response) {
  ResponseChunk chunk;
  chunk.model = StringMember(response, "modelVersion");
  if (const json* usage = Member(response, "usageMetadata")) {
    chunk.usage = ParseUsageMetadata(*usage);
  }

  const json* candidates = Member(response, "candidates");
  if (candidates != nullptr && candidates->is_array() && !candidates->empty()) {
    chunk.has_candidate = true;
    const json& candidate = (*candidates)[0];
    const json* content = Member(candidate, "content");
    const json* parts =
        content == nullptr ? nullptr : Member(*content, "parts");
    if (parts != nullptr && parts->is_array()) ReadParts(*parts, &chunk);
    const std::string reason = StringMember(candidate, "finishReason");
    if (!reason.empty()) {
      chunk.finish_reason = MapFinishReason(reason);
      if (*chunk.finish_reason == FinishReason::kContentFilter) {
        chunk.block_reason = reason;
      }
      const std::string message = StringMember(candidate, "finishMessage");
      const std::string ratings =
          DescribeRatings(Member(candidate, "safetyRatings"));
      if (!message.empty()) {
        chunk.finish_detail = absl::StrCat(reason, ": ", message);
      } else if (*chunk.finish_reason != FinishReason::kStop &&
                 *chunk.finish_reason != FinishReason::kLength) {
        chunk.finish_detail =
            ratings.empty() ? reason : absl::StrCat(reason, " (", ratings, ")");
      }
    }
    return chunk;
  }

  if (const json* feedback = Member(response, "promptFeedback")) {
    const std::string block = StringMember(*feedback, "blockReason");
    if (!block.empty()) {
      chunk.prompt_blocked = true;
      chunk.finish_reason = FinishReason::kContentFilter;
      chunk.block_reason = block;
      const std::string ratings =
          DescribeRatings(Member(*feedback, "safetyRatings"));
      chunk.finish_detail = absl::StrCat("prompt blocked: ", block);
      if (!ratings.empty())
        absl::StrAppend(&chunk.finish_detail, " (", ratings, ")");
    }
  }
  return chunk;
}

}  // namespace llmgw::gemini
