#include "providers/openai_compatible/openai_common_shape.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

#include "providers/common/fast_json.h"
#include "providers/openai_compatible/openai_response.h"

namespace llmgw::openai_compat {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::atomic<int64_t> common_reads{0};
std::atomic<int64_t> full_reads{0};

// Which shape is being read.
enum class Kind { kReply, kChunk };

bool IsEmptyArray(element value) {
  simdjson::dom::array array;
  return value.get_array().get(array) == simdjson::SUCCESS && array.size() == 0;
}

// A *_tokens_details object: integer or null members; `wanted` is read.
bool Details(element value, std::string_view wanted, int64_t& out) {
  if (IsJsonNull(value)) return true;
  object details;
  if (value.get_object().get(details) != simdjson::SUCCESS) return false;
  for (auto [key, member] : details) {
    int64_t count = 0;
    if (IsJsonNull(member)) continue;
    if (!JsonCount(member, count)) return false;
    if (key == wanted) out = count;
  }
  return true;
}

// As ParseUsage reads the members it allows.
bool Usage(element value, std::optional<TokenUsage>& out) {
  if (IsJsonNull(value)) return true;
  object usage;
  if (value.get_object().get(usage) != simdjson::SUCCESS) return false;
  std::optional<int64_t> input, output;
  int64_t cached = 0, reasoning = 0, ignored = 0;
  static constexpr std::array<std::string_view, 5> kNames = {
      "prompt_tokens", "completion_tokens", "total_tokens",
      "prompt_tokens_details", "completion_tokens_details"};
  JsonMembers members(kNames);
  for (auto [key, member] : usage) {
    int64_t count = 0;
    switch (members.Index(key)) {
      case 0:
        if (!JsonCount(member, count)) return false;
        input = count;
        break;
      case 1:
        if (!JsonCount(member, count)) return false;
        output = count;
        break;
      case 2:
        if (!JsonCount(member, ignored)) return false;
        break;
      case 3:
        if (!Details(member, "cached_tokens", cached)) return false;
        break;
      case 4:
        if (!Details(member, "reasoning_tokens", reasoning)) return false;
        break;
      default:
        return false;
    }
  }
  if (!input && !output) return true;  // nothing reported
  TokenUsage parsed;
  parsed.input_tokens = input.value_or(0);
  parsed.output_tokens = output.value_or(0);
  parsed.reported = true;
  parsed.cached_input_tokens = std::min(cached, parsed.input_tokens);
  parsed.reasoning_tokens = std::min(reasoning, parsed.output_tokens);
  out = parsed;
  return true;
}

// "message" of a reply or "delta" of a chunk.
bool Message(element value, Kind kind, CommonChatFields& out) {
  object message;
  if (value.get_object().get(message) != simdjson::SUCCESS) return false;
  static constexpr std::array<std::string_view, 8> kNames = {
      "role",  "content",       "refusal",    "reasoning_content",
      "audio", "function_call", "tool_calls", "annotations"};
  JsonMembers members(kNames);
  for (auto [key, member] : message) {
    std::string_view text;
    switch (members.Index(key)) {
      case 0:
        if (!JsonString(member, text)) return false;
        break;
      case 1:
        if (JsonString(member, text)) {
          out.text.assign(text.data(), text.size());
        } else if (!IsJsonNull(member)) {
          return false;  // content parts: the full path
        }
        break;
      case 2:
      case 3:
      case 4:
      case 5:
        if (!IsJsonNull(member)) return false;
        break;
      case 6:
      case 7:
        if (kind != Kind::kReply || !IsEmptyArray(member)) return false;
        break;
      default:
        return false;
    }
  }
  out.has_message = true;
  return true;
}

bool Choice(element value, Kind kind, CommonChatFields& out) {
  object choice;
  if (value.get_object().get(choice) != simdjson::SUCCESS) return false;
  static constexpr std::array<std::string_view, 5> kReplyNames = {
      "index", "finish_reason", "logprobs", "stop_reason", "message"};
  static constexpr std::array<std::string_view, 5> kChunkNames = {
      "index", "finish_reason", "logprobs", "stop_reason", "delta"};
  JsonMembers members(kind == Kind::kReply ? kReplyNames : kChunkNames);
  for (auto [key, member] : choice) {
    int64_t index = 0;
    std::string_view reason;
    switch (members.Index(key)) {
      case 0:
        if (!JsonCount(member, index)) return false;
        break;
      case 1:
        if (JsonString(member, reason)) {
          out.finish_reason = OpenAiFinishReason(
              absl::string_view(reason.data(), reason.size()));
        } else if (!IsJsonNull(member)) {
          return false;
        }
        break;
      case 2:
      case 3:
        if (!IsJsonNull(member)) return false;
        break;
      case 4:
        if (!Message(member, kind, out)) return false;
        break;
      default:
        return false;
    }
  }
  out.has_choice = true;
  return true;
}

std::optional<CommonChatFields> Read(absl::string_view text, Kind kind) {
  if (text.size() > kMaxCommonShapeBytes) return std::nullopt;
  element doc;
  if (!ParseFastJson(text, doc)) return std::nullopt;
  object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return std::nullopt;
  CommonChatFields out;
  static constexpr std::array<std::string_view, 9> kNames = {
      "id",           "object",      "created", "model", "system_fingerprint",
      "service_tier", "obfuscation", "choices", "usage"};
  JsonMembers members(kNames);
  for (auto [key, member] : top) {
    std::string_view text_value;
    simdjson::dom::array choices;
    switch (members.Index(key)) {
      case 0:
      case 6:
        if (!JsonString(member, text_value)) return std::nullopt;
        break;
      case 1:  // {"object": "error", ...} is vLLM's error body
        if (!JsonString(member, text_value) || text_value == "error") {
          return std::nullopt;
        }
        break;
      case 2:
        if (!member.is_number()) return std::nullopt;
        break;
      case 3:
        if (!JsonString(member, text_value)) return std::nullopt;
        out.model.assign(text_value.data(), text_value.size());
        break;
      case 4:
      case 5:
        if (!JsonString(member, text_value) && !IsJsonNull(member)) {
          return std::nullopt;
        }
        break;
      case 7:
        if (member.get_array().get(choices) != simdjson::SUCCESS ||
            choices.size() > 1) {
          return std::nullopt;
        }
        for (element choice : choices) {
          if (!Choice(choice, kind, out)) return std::nullopt;
        }
        break;
      case 8:
        if (!Usage(member, out.usage)) return std::nullopt;
        break;
      default:
        return std::nullopt;
    }
  }
  if (kind == Kind::kReply && !out.has_message) return std::nullopt;
  return out;
}

}  // namespace

CommonShapeReadCounts CommonShapeReads() {
  return {common_reads.load(std::memory_order_relaxed),
          full_reads.load(std::memory_order_relaxed)};
}

void CountCommonShapeRead(bool common) {
  (common ? common_reads : full_reads).fetch_add(1, std::memory_order_relaxed);
}

std::optional<CommonChatFields> ReadCommonChatReply(absl::string_view body) {
  return Read(body, Kind::kReply);
}

std::optional<CommonChatFields> ReadCommonChatChunk(absl::string_view data) {
  return Read(data, Kind::kChunk);
}

}  // namespace llmgw::openai_compat
