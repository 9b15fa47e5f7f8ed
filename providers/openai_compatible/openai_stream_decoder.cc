#include "providers/openai_compatible/openai_stream_decoder.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"
#include "providers/openai_compatible/openai_common_shape.h"
#include "providers/openai_compatible/openai_dialect.h"
#include "providers/openai_compatible/openai_errors.h"
#include "providers/openai_compatible/openai_response.h"

namespace llmgw::openai_compat {
using nlohmann::json;

StreamUpdate OpenAiStreamDecoder::OnEvent(const http::SseEvent& event) {
  StreamUpdate update;
  // Most chunks are a plain chat.completion.chunk: read without a DOM.
  const absl::string_view data = absl::StripAsciiWhitespace(event.data);
  if (read_common_shapes_ && event.event != "error" && !data.empty() &&
      data != "[DONE]") {
    std::optional<CommonChatFields> common = ReadCommonChatChunk(data);
    CountCommonShapeRead(common.has_value());
    if (common) {
      ApplyCommonChunk(*std::move(common), update);
      return update;
    }
  }
  json chunk;
  switch (ReadChunk(event, chunk)) {
    case ChunkKind::kSkip:
      return update;
    case ChunkKind::kDone:
      update.done = true;
      for (ToolCall& call : summary_.tool_calls) {
        if (call.arguments_json.empty()) call.arguments_json = "{}";
      }
      return update;
    case ChunkKind::kChunk:
      break;
  }
  if (event.event == "error") {
    std::optional<OpenAiErrorFields> fields;
    if (!chunk.is_discarded()) fields = ExtractOpenAiError(chunk);
    if (!fields) {
      fields.emplace();
      fields->message = BodyExcerpt(absl::StripAsciiWhitespace(event.data));
    }
    update.error = OpenAiInBandError(*fields, 0);
    return update;
  }
  if (chunk.is_discarded() || !chunk.is_object()) {
    update.error = MalformedEvent(event.data);
    return update;
  }
  NoteModelAndUsage(chunk, summary_);
  if (const json* choice = FirstChoice(chunk)) {
    auto delta = choice->find("delta");
    if (delta != choice->end() && delta->is_object()) {
      auto content = delta->find("content");
      if (content != delta->end()) update.delta = ContentText(*content);
      tools_.OnDelta(*delta, update, summary_);
      if (update.error) return update;
    }
    FinishReason finish = ChoiceFinishReason(*choice);
    if (finish != FinishReason::kUnspecified) summary_.finish_reason = finish;
    if (finish == FinishReason::kContentFilter) {
      summary_.block_reason = "content_filter";
    }
  }
  if (auto groq = chunk.find("x_groq");
      groq != chunk.end() && groq->is_object() && groq->contains("usage")) {
    if (std::optional<TokenUsage> parsed = ParseUsage((*groq)["usage"])) {
      summary_.usage = *parsed;
    }
  }
  if (std::optional<OpenAiErrorFields> fields = ExtractOpenAiError(chunk)) {
    summary_.finish_reason = FinishReason::kError;
    update.error = OpenAiInBandError(*fields, 0);
  }
  return update;
}

void OpenAiStreamDecoder::ApplyCommonChunk(CommonChatFields chunk,
                                           StreamUpdate& update) {
  // As the full path below does for a chunk of this shape.
  if (summary_.model.empty()) summary_.model = std::move(chunk.model);
  if (chunk.usage) summary_.usage = *chunk.usage;
  update.delta = std::move(chunk.text);
  if (chunk.finish_reason != FinishReason::kUnspecified) {
    summary_.finish_reason = chunk.finish_reason;
  }
  if (chunk.finish_reason == FinishReason::kContentFilter) {
    summary_.block_reason = "content_filter";
  }
}

}  // namespace llmgw::openai_compat
