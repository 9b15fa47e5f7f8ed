// The Cohere v2 chat stream decoder (cohere_wire.h).
//
// Events (docs.cohere.com/v2/docs/streaming, /docs/tool-use-streaming):
//   content-start / content-delta  delta.message.content.text -> text delta
//   tool-plan-delta                delta.message.tool_plan: the model's plan,
//                                  not answer text; not forwarded
//   tool-call-start                index, delta.message.tool_calls {id,
//                                  type, function {name, arguments}} -> the
//                                  first ToolCallDelta of a new call
//   tool-call-delta                index, delta.message.tool_calls.function.
//                                  arguments -> an arguments piece
//   tool-call-end                  nothing
//   message-end                    delta.finish_reason, delta.usage (the
//                                  only usage of a stream), delta.error
// Bounds: more than kMaxToolCalls calls, or arguments over
// kMaxArgumentsBytes, end the stream with a kTransient "malformed stream"
// error.

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "providers/cohere/cohere_codec.h"
#include "providers/cohere/cohere_wire.h"
#include "providers/common/codec_util.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace cohere {
namespace {

using Json = nlohmann::json;

ProviderError StreamError(std::string message) {
  ProviderError error;
  error.error_class = ErrorClass::kTransient;
  error.message = std::move(message);
  return error;
}

// The text of a content-start/content-delta event, if it is a text part.
std::string ContentText(const Json& data) {
  const Json* content = Path(data, {"delta", "message", "content"});
  if (content == nullptr) return std::string();
  const std::string type = StringField(*content, "type");
  if (!type.empty() && type != "text") return std::string();
  return StringField(*content, "text");
}

// The error message of a non-Chat event (an error body sent down the stream).
std::string ErrorText(const Json& data, const http::SseEvent& event) {
  std::string message = StringField(data, "message");
  if (message.empty()) message = StringField(data, "data");
  return message.empty() ? BodyExcerpt(event.data) : message;
}

class Decoder : public TypedEventDecoder {
 public:
  Decoder() : TypedEventDecoder("Cohere") {}

 protected:
  void OnTypedEvent(const std::string& type, const Json& data,
                    const http::SseEvent& event,
                    StreamUpdate& update) override {
    if (type == "content-start" || type == "content-delta") {
      update.delta = ContentText(data);
    } else if (type == "tool-call-start") {
      ToolCallStart(data, update);
    } else if (type == "tool-call-delta") {
      ToolCallPiece(data, update);
    } else if (type == "message-end") {
      MessageEnd(data, update);
    } else if (type.empty() || type == "error") {
      update.error = StreamError(ErrorText(data, event));
    }
    // message-start, content-end, tool-plan-delta, tool-call-end,
    // citation-*, debug and event types added later carry nothing for the
    // caller.
  }

 private:
  void Malformed(const std::string& why, StreamUpdate& update) {
    update.error = StreamError(absl::StrCat("malformed Cohere stream: ", why));
  }

  // Cohere's index of the event, or the latest call when it has none.
  int SlotOf(const Json& data) const {
    const Json* index = Field(data, "index");
    if (index != nullptr && index->is_number_integer()) {
      auto it = slots_.find(index->get<int64_t>());
      if (it != slots_.end()) return it->second;
    }
    return static_cast<int>(summary_.tool_calls.size()) - 1;
  }

  bool Append(int slot, const std::string& piece, StreamUpdate& update) {
    std::string& arguments = summary_.tool_calls[slot].arguments_json;
    if (arguments.size() + piece.size() > kMaxArgumentsBytes) {
      Malformed(absl::StrCat("tool call arguments over ", kMaxArgumentsBytes,
                             " bytes"),
                update);
      return false;
    }
    arguments += piece;
    return true;
  }

  void ToolCallStart(const Json& data, StreamUpdate& update) {
    const Json* call = Path(data, {"delta", "message", "tool_calls"});
    if (call == nullptr || !call->is_object()) {
      return Malformed("tool-call-start without a tool call", update);
    }
    if (summary_.tool_calls.size() >= kMaxToolCalls) {
      return Malformed(
          absl::StrCat("more than ", kMaxToolCalls, " tool calls in one turn"),
          update);
    }
    const Json* function = Field(*call, "function");
    ToolCall assembled;
    assembled.id = StringField(*call, "id");
    assembled.name =
        function != nullptr ? StringField(*function, "name") : std::string();
    const int slot = static_cast<int>(summary_.tool_calls.size());
    const Json* index = Field(data, "index");
    slots_[index != nullptr && index->is_number_integer()
               ? index->get<int64_t>()
               : -1 - slot] = slot;
    summary_.tool_calls.push_back(assembled);
    const std::string initial = function != nullptr
                                    ? StringField(*function, "arguments")
                                    : std::string();
    if (!Append(slot, initial, update)) return;
    update.tool_call_deltas.push_back(
        ToolCallDelta{slot, assembled.id, assembled.name, initial});
  }

  void ToolCallPiece(const Json& data, StreamUpdate& update) {
    const int slot = SlotOf(data);
    if (slot < 0) return Malformed("tool-call-delta before its start", update);
    const Json* arguments =
        Path(data, {"delta", "message", "tool_calls", "function", "arguments"});
    if (arguments == nullptr || !arguments->is_string()) return;
    const std::string piece = arguments->get<std::string>();
    if (piece.empty() || !Append(slot, piece, update)) return;
    update.tool_call_deltas.push_back(ToolCallDelta{slot, "", "", piece});
  }

  void MessageEnd(const Json& data, StreamUpdate& update) {
    const Json* delta = Field(data, "delta");
    if (delta != nullptr) {
      const std::string finish_reason = StringField(*delta, "finish_reason");
      if (!finish_reason.empty()) {
        summary_.finish_reason = CohereFinishReason(finish_reason);
        if (summary_.finish_reason == FinishReason::kContentFilter) {
          summary_.block_reason = finish_reason;
        }
      }
      if (const Json* usage = Field(*delta, "usage")) {
        summary_.usage = Usage(*usage);
      }
    }
    for (ToolCall& call : summary_.tool_calls) {
      if (call.arguments_json.empty()) call.arguments_json = "{}";
    }
    const std::string error =
        delta != nullptr ? StringField(*delta, "error") : std::string();
    if (!error.empty()) {
      update.error = StreamError(absl::StrCat("generation error: ", error));
    } else {
      update.done = true;
    }
  }

  // Cohere's event index -> position in summary_.tool_calls.
  std::map<int64_t, int> slots_;
};

}  // namespace

std::unique_ptr<StreamDecoder> NewStreamDecoder() {
  return std::make_unique<Decoder>();
}

}  // namespace cohere
}  // namespace llmgw
