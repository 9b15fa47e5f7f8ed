#include "providers/common/codec_util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"

namespace llmgw {

absl::string_view ChatRoleName(MessageRole role) {
  switch (role) {
    case MessageRole::kSystem:
      return "system";
    case MessageRole::kAssistant:
      return "assistant";
    case MessageRole::kTool:
      return "tool";
    case MessageRole::kUser:
      break;
  }
  return "user";
}

ProviderError MalformedError(absl::string_view api, absl::string_view what,
                             int http_status, absl::string_view body) {
  ProviderError error;
  error.error_class = ErrorClass::kTransient;
  error.http_status = http_status;
  error.message =
      absl::StrCat("malformed ", api, " ", what, ": ", BodyExcerpt(body));
  return error;
}

std::optional<nlohmann::json> ParseEventObject(const http::SseEvent& event,
                                               absl::string_view api,
                                               StreamUpdate& update) {
  // The same text the common-shape readers see (TypedEventDecoder::OnEvent,
  // and the OpenAI decoder): surrounding ASCII whitespace, which includes \v
  // and \f that JSON does not allow, is not part of the event.
  const absl::string_view text = absl::StripAsciiWhitespace(event.data);
  if (text.empty()) return std::nullopt;
  std::optional<nlohmann::json> data = ParseJson(text);
  if (!data.has_value() || !data->is_object()) {
    update.error = MalformedError(api, "stream event", 0, event.data);
    return std::nullopt;
  }
  return data;
}

StreamUpdate TypedEventDecoder::OnEvent(const http::SseEvent& event) {
  StreamUpdate update;
  if (finished_) return update;
  const absl::string_view raw = absl::StripAsciiWhitespace(event.data);
  if (!raw.empty() && OnCommonEvent(raw, update)) {
    finished_ = update.done || update.error.has_value();
    return update;
  }
  std::optional<nlohmann::json> data = ParseEventObject(event, api_, update);
  if (data.has_value()) {
    std::string type = StringField(*data, "type");
    if (type.empty()) type = event.event;
    OnTypedEvent(type, *data, event, update);
  }
  finished_ = update.done || update.error.has_value();
  return update;
}

}  // namespace llmgw
