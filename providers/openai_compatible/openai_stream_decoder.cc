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
#include "providers/openai_compatible/openai_errors.h"
#include "providers/openai_compatible/openai_response.h"

namespace llmgw::openai_compat {
namespace {

using nlohmann::json;

ProviderError MalformedEvent(absl::string_view data) {
  return ProviderError{
      ErrorClass::kTransient, 0,
      absl::StrCat("malformed stream event: ", BodyExcerpt(data))};
}

}  // namespace

StreamUpdate OpenAiStreamDecoder::OnEvent(const http::SseEvent& event) {
  StreamUpdate update;
  const absl::string_view data = absl::StripAsciiWhitespace(event.data);
  if (data.empty()) return update;
  if (data == "[DONE]") {
    update.done = true;
    return update;
  }

  json chunk = ParseJsonOrDiscarded(data);
  if (event.event == "error") {
    std::optional<OpenAiErrorFields> fields;
    if (!chunk.is_discarded()) fields = ExtractOpenAiError(chunk);
    if (!fields) {
      fields.emplace();
      fields->message = BodyExcerpt(data);
    }
    update.error = OpenAiInBandError(*fields, 0);
    return update;
  }
  if (chunk.is_discarded() || !chunk.is_object()) {
    update.error = MalformedEvent(data);
    return update;
  }

  if (summary_.model.empty()) {
    auto model = chunk.find("model");
    if (model != chunk.end() && model->is_string()) {
      summary_.model = model->get<std::string>();
    }
  }
  if (const json* choice = FirstChoice(chunk)) {
    auto delta = choice->find("delta");
    if (delta != choice->end() && delta->is_object()) {
      auto content = delta->find("content");
      if (content != delta->end()) update.delta = ContentText(*content);
    }
    FinishReason finish = ChoiceFinishReason(*choice);
    if (finish != FinishReason::kUnspecified) summary_.finish_reason = finish;
  }
  if (auto usage = chunk.find("usage"); usage != chunk.end()) {
    if (std::optional<TokenUsage> parsed = ParseUsage(*usage)) {
      summary_.usage = *parsed;
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

}  // namespace llmgw::openai_compat
