#include "providers/anthropic/anthropic_stream.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "providers/anthropic/anthropic_reply.h"
#include "providers/common/codec_util.h"
#include "providers/common/fast_json.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

// The text of {"type":"content_block_delta","index":i,"delta":{"type":
// "text_delta","text":s}} with exactly those members; nullopt otherwise.
std::optional<std::string> PlainTextDelta(absl::string_view data) {
  simdjson::dom::element root;
  simdjson::dom::object top, delta;
  if (!ParseFastJson(data, root) ||
      root.get_object().get(top) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 3> kEventNames = {
      "type", "index", "delta"};
  JsonMembers event(kEventNames);
  for (auto [key, value] : top) {
    std::string_view text;
    int64_t index = 0;
    switch (event.Index(key)) {
      case 0:
        if (!JsonString(value, text) || text != "content_block_delta") {
          return std::nullopt;
        }
        break;
      case 1:
        if (!JsonCount(value, index)) return std::nullopt;
        break;
      case 2:
        if (value.get_object().get(delta) != simdjson::SUCCESS) {
          return std::nullopt;
        }
        break;
      default:
        return std::nullopt;
    }
  }
  if (!event.Seen(0) || !event.Seen(2)) return std::nullopt;
  static constexpr std::array<std::string_view, 2> kDeltaNames = {"type",
                                                                  "text"};
  JsonMembers members(kDeltaNames);
  std::string_view type, text;
  for (auto [key, value] : delta) {
    const int i = members.Index(key);
    if (i < 0 || !JsonString(value, i == 0 ? type : text)) return std::nullopt;
  }
  if (type != "text_delta" || !members.Seen(1)) return std::nullopt;
  return std::string(text.data(), text.size());
}

class AnthropicStreamDecoder : public TypedEventDecoder {
 public:
  explicit AnthropicStreamDecoder(bool read_common_shapes)
      : TypedEventDecoder("Anthropic"),
        read_common_shapes_(read_common_shapes) {}

 protected:
  bool OnCommonEvent(absl::string_view data, StreamUpdate& update) override {
    if (!read_common_shapes_) return false;
    std::optional<std::string> text = PlainTextDelta(data);
    if (!text) return false;
    update.delta = *std::move(text);  // as OnDelta does for a text_delta
    summary_.usage = usage_.ToTokenUsage();
    return true;
  }

  void OnTypedEvent(const std::string& type, const Json& data,
                    const http::SseEvent& event,
                    StreamUpdate& update) override {
    if (type == "message_start") {
      if (const Json* message = Field(data, "message")) {
        std::string model = StringField(*message, "model");
        if (!model.empty()) summary_.model = std::move(model);
        if (const Json* usage = Field(*message, "usage")) usage_.Update(*usage);
      }
    } else if (type == "content_block_start") {
      const Json* block = Field(data, "content_block");
      if (block != nullptr) StartBlock(BlockIndex(data), *block, update);
    } else if (type == "content_block_delta") {
      if (const Json* delta = Field(data, "delta")) {
        OnDelta(BlockIndex(data), *delta, update);
      }
    } else if (type == "content_block_stop") {
      StopBlock(BlockIndex(data), update);
    } else if (type == "message_delta") {
      if (const Json* delta = Field(data, "delta")) {
        if (ApplyAnthropicStop(*delta, summary_)) {
          update.refusal_delta = summary_.refusal;
        }
      }
      if (const Json* usage = Field(data, "usage")) usage_.Update(*usage);
    } else if (type == "message_stop") {
      update.done = true;
    } else if (type == "error") {
      const Json* error = Field(data, "error");
      update.error =
          AnthropicErrorFromObject(error != nullptr ? *error : Json(), 0);
      if (update.error->message.empty()) {
        update.error->message = BodyExcerpt(event.data);
      }
    }
    // ping and event types added later carry nothing for the caller.
    summary_.usage = usage_.ToTokenUsage();
  }

 private:
  static int64_t BlockIndex(const Json& data) {
    return CountField(data, "index").value_or(-1);
  }

  void Fail(StreamUpdate& update, absl::string_view why) {
    update.error = MalformedError("Anthropic", "stream", 0, why);
  }

  void StartBlock(int64_t index, const Json& block, StreamUpdate& update) {
    std::optional<ToolCall> call = AnthropicToolCall(block);
    if (!call.has_value()) return;
    if (summary_.tool_calls.size() >= kAnthropicMaxStreamToolCalls) {
      return Fail(update,
                  absl::StrCat("more than ", kAnthropicMaxStreamToolCalls,
                               " tool calls in one turn"));
    }
    // The block's "input" is {} at the start; the arguments come as
    // input_json_delta pieces.
    call->arguments_json.clear();
    ToolCallDelta delta;
    delta.index = static_cast<int32_t>(summary_.tool_calls.size());
    delta.id = call->id;
    delta.name = call->name;
    tool_blocks_[index] = summary_.tool_calls.size();
    summary_.tool_calls.push_back(*std::move(call));
    update.tool_call_deltas.push_back(std::move(delta));
  }

  void OnDelta(int64_t index, const Json& delta, StreamUpdate& update) {
    const std::string delta_type = StringField(delta, "type");
    if (delta_type == "text_delta") {
      update.delta = StringField(delta, "text");
      return;
    }
    if (delta_type != "input_json_delta") return;
    auto it = tool_blocks_.find(index);
    if (it == tool_blocks_.end()) return;  // a server tool's input
    std::string piece = StringField(delta, "partial_json");
    if (piece.empty()) return;
    std::string& arguments = summary_.tool_calls[it->second].arguments_json;
    if (arguments.size() + piece.size() > kAnthropicMaxToolArgumentBytes) {
      return Fail(update,
                  absl::StrCat("tool call arguments over ",
                               kAnthropicMaxToolArgumentBytes, " bytes"));
    }
    arguments += piece;
    ToolCallDelta out;
    out.index = static_cast<int32_t>(it->second);
    out.arguments_json_delta = std::move(piece);
    update.tool_call_deltas.push_back(std::move(out));
  }

  void StopBlock(int64_t index, StreamUpdate& update) {
    auto it = tool_blocks_.find(index);
    if (it == tool_blocks_.end()) return;
    std::string& arguments = summary_.tool_calls[it->second].arguments_json;
    if (arguments.empty()) {
      arguments = "{}";
      ToolCallDelta out;
      out.index = static_cast<int32_t>(it->second);
      out.arguments_json_delta = "{}";
      update.tool_call_deltas.push_back(std::move(out));
    }
    tool_blocks_.erase(it);
  }

  const bool read_common_shapes_;
  AnthropicUsage usage_;
  // Open tool_use blocks: content block index -> tool call ordinal.
  std::map<int64_t, size_t> tool_blocks_;
};

}  // namespace

std::unique_ptr<StreamDecoder> NewAnthropicStreamDecoder(
    bool read_common_shapes) {
  return std::make_unique<AnthropicStreamDecoder>(read_common_shapes);
}

}  // namespace llmgw
