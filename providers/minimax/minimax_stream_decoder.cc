#include "providers/minimax/minimax_stream_decoder.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"
#include "providers/minimax/minimax_codec.h"
#include "providers/minimax/minimax_errors.h"
#include "providers/openai_compatible/openai_dialect.h"
#include "providers/openai_compatible/openai_response.h"

namespace llmgw::minimax {
namespace {

using nlohmann::json;
using openai_compat::ContentText;

// The message of an OpenAI-style "error" member, or "" when there is none.
std::optional<std::string> ErrorMember(const json& chunk) {
  auto error = chunk.find("error");
  if (error == chunk.end() || error->is_null()) return std::nullopt;
  if (error->is_string()) return error->get<std::string>();
  if (error->is_object()) {
    auto message = error->find("message");
    if (message != error->end() && message->is_string()) {
      return message->get<std::string>();
    }
  }
  return error->dump();
}

// The text of holder["content"], "" when absent.
std::string MemberText(const json& holder) {
  if (!holder.is_object()) return "";
  auto content = holder.find("content");
  return content == holder.end() ? "" : ContentText(*content);
}

}  // namespace

StreamUpdate MiniMaxStreamDecoder::OnEvent(const http::SseEvent& event) {
  StreamUpdate update;
  json chunk;
  switch (openai_compat::ReadChunk(event, chunk)) {
    case openai_compat::ChunkKind::kSkip:
      return update;
    case openai_compat::ChunkKind::kDone:
      update.done = true;
      return update;
    case openai_compat::ChunkKind::kChunk:
      break;
  }
  if (chunk.is_discarded() || !chunk.is_object()) {
    update.error = openai_compat::MalformedEvent(event.data);
    return update;
  }
  if (std::optional<BaseResp> failed = FailedBaseResp(chunk)) {
    update.error = StreamErrorFromBaseResp(*failed);
    return update;
  }
  if (std::optional<std::string> message = ErrorMember(chunk)) {
    update.error = ProviderError{ErrorClass::kTransient, 0, *message};
    return update;
  }
  openai_compat::NoteModelAndUsage(chunk, summary_);
  auto object = chunk.find("object");
  bool final_event = object != chunk.end() && *object == "chat.completion";
  if (const json* choice = openai_compat::FirstChoice(chunk)) {
    if (auto delta = choice->find("delta"); delta != choice->end()) {
      update.delta = MemberText(*delta);
      delivered_ += update.delta;
      if (delta->is_object()) tools_.OnDelta(*delta, update, summary_);
      if (update.error) return update;
    }
    if (auto message = choice->find("message"); message != choice->end()) {
      final_event = true;
      // The final event repeats the whole message; send only what the deltas
      // have not delivered (normally nothing).
      const std::string full = MemberText(*message);
      if (absl::StartsWith(full, delivered_)) {
        std::string rest = full.substr(delivered_.size());
        delivered_ += rest;
        update.delta += rest;
      }
      // Tool calls the deltas did not carry come whole in the final message.
      if (summary_.tool_calls.empty() && message->is_object()) {
        openai_compat::ReadToolCallsAndRefusal(*message, summary_);
        for (size_t i = 0; i < summary_.tool_calls.size(); ++i) {
          const ToolCall& call = summary_.tool_calls[i];
          update.tool_call_deltas.push_back({static_cast<int32_t>(i), call.id,
                                             call.name, call.arguments_json});
        }
      }
    }
    FinishReason finish = ReplyFinishReason(chunk, *choice);
    if (finish != FinishReason::kUnspecified) summary_.finish_reason = finish;
  } else if (auto sensitive = chunk.find("output_sensitive");
             sensitive != chunk.end() && *sensitive == true) {
    summary_.finish_reason = FinishReason::kContentFilter;
  }
  update.done = final_event;
  if (final_event) {
    for (ToolCall& call : summary_.tool_calls) {
      if (call.arguments_json.empty()) call.arguments_json = "{}";
    }
  }
  return update;
}

}  // namespace llmgw::minimax
