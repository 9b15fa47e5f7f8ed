#include "providers/cohere/cohere_codec.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "providers/common/codec_util.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

// Token usage from a Chat API "usage" object: billed_units first (what is
// charged), each count falling back to tokens.
TokenUsage UsageFrom(const Json& usage) {
  TokenUsage result;
  const Json* billed = Field(usage, "billed_units");
  const Json* tokens = Field(usage, "tokens");
  auto count = [&](const char* key) -> std::optional<int64_t> {
    if (billed != nullptr) {
      if (auto v = CountField(*billed, key)) return v;
    }
    if (tokens != nullptr) return CountField(*tokens, key);
    return std::nullopt;
  };
  std::optional<int64_t> input = count("input_tokens");
  std::optional<int64_t> output = count("output_tokens");
  result.input_tokens = input.value_or(0);
  result.output_tokens = output.value_or(0);
  result.reported = input.has_value() || output.has_value();
  return result;
}

// The message of an error body: "message", else "data".
std::string ErrorMessage(const Json& body) {
  std::string message = StringField(body, "message");
  if (message.empty()) message = StringField(body, "data");
  return message;
}

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

class CohereStreamDecoder : public TypedEventDecoder {
 public:
  CohereStreamDecoder() : TypedEventDecoder("Cohere") {}

 protected:
  void OnTypedEvent(const std::string& type, const Json& data,
                    const http::SseEvent& event,
                    StreamUpdate& update) override {
    if (type == "content-start" || type == "content-delta") {
      update.delta = ContentText(data);
    } else if (type == "message-end") {
      const Json* delta = Field(data, "delta");
      if (delta != nullptr) {
        const std::string finish_reason = StringField(*delta, "finish_reason");
        if (!finish_reason.empty()) {
          summary_.finish_reason = CohereFinishReason(finish_reason);
        }
        if (const Json* usage = Field(*delta, "usage")) {
          summary_.usage = UsageFrom(*usage);
        }
      }
      const std::string error =
          delta != nullptr ? StringField(*delta, "error") : std::string();
      if (!error.empty()) {
        update.error = StreamError(absl::StrCat("generation error: ", error));
      } else {
        update.done = true;
      }
    } else if (type.empty() || type == "error") {
      // Not a Chat stream event: an error body sent down the stream.
      std::string message = ErrorMessage(data);
      update.error =
          StreamError(message.empty() ? BodyExcerpt(event.data) : message);
    }
    // message-start, content-end, tool-plan-delta, tool-call-*, citation-*,
    // debug and event types added later carry nothing for the caller.
  }
};

}  // namespace

FinishReason CohereFinishReason(absl::string_view finish_reason) {
  if (finish_reason == "COMPLETE" || finish_reason == "STOP_SEQUENCE") {
    return FinishReason::kStop;
  }
  if (finish_reason == "MAX_TOKENS" || finish_reason == "ERROR_LIMIT") {
    return FinishReason::kLength;
  }
  if (finish_reason == "TOOL_CALL") return FinishReason::kToolCalls;
  if (finish_reason == "ERROR" || finish_reason == "TIMEOUT") {
    return FinishReason::kError;
  }
  if (finish_reason == "ERROR_TOXIC") return FinishReason::kContentFilter;
  if (finish_reason == "USER_CANCEL") return FinishReason::kCancelled;
  return FinishReason::kUnspecified;
}

ErrorClass ClassifyCohereError(int http_status, absl::string_view message) {
  const std::string lower = absl::AsciiStrToLower(message);
  switch (http_status) {
    case 400:
      if (absl::StrContains(lower, "too many tokens") ||
          absl::StrContains(lower, "context length") ||
          absl::StrContains(lower, "context window")) {
        return ErrorClass::kFailedPrecondition;
      }
      return ErrorClass::kInvalidRequest;
    case 498:
      return ErrorClass::kKeyInvalid;
    case 499:
      return ErrorClass::kTransient;
    case 429:
      if (absl::StrContains(lower, "trial key") &&
          absl::StrContains(lower, "month")) {
        return ErrorClass::kKeyInvalid;
      }
      return ErrorClass::kRateLimited;
    default:
      return ClassifyHttpStatus(http_status);
  }
}

absl::StatusOr<http::HttpRequest> CohereCodec::BuildRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key, bool stream) const {
  if (request.model.empty()) {
    return absl::InvalidArgumentError("Cohere requests need a model");
  }
  std::vector<absl::string_view> system_parts;
  Json conversation = Json::array();
  for (const Message& message : request.messages) {
    if (message.role == MessageRole::kSystem) {
      system_parts.push_back(message.content);
      continue;
    }
    conversation.push_back({{"role", std::string(ChatRoleName(message.role))},
                            {"content", message.content}});
  }
  if (conversation.empty()) {
    return absl::InvalidArgumentError(
        "Cohere requests need at least one user or assistant message");
  }
  Json messages = Json::array();
  if (!system_parts.empty()) {
    messages.push_back(
        {{"role", "system"}, {"content", absl::StrJoin(system_parts, "\n\n")}});
  }
  for (Json& message : conversation) messages.push_back(std::move(message));

  Json body = {{"model", request.model},
               {"messages", std::move(messages)},
               {"stream", stream}};
  if (request.max_tokens > 0) body["max_tokens"] = request.max_tokens;
  if (request.temperature.has_value()) {
    body["temperature"] = WireNumber(*request.temperature);
  }
  if (request.top_p.has_value()) body["p"] = WireNumber(*request.top_p);
  if (!request.stop.empty()) body["stop_sequences"] = request.stop;

  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url = absl::StrCat(absl::StripSuffix(base_url, "/"), "/chat");
  http_request.headers = {
      {"authorization", absl::StrCat("Bearer ", api_key)},
      {"content-type", "application/json"},
  };
  http_request.body = DumpJson(body);
  return http_request;
}

ProviderOutcome CohereCodec::ParseReply(
    const http::HttpResponse& response) const {
  ProviderOutcome outcome;
  std::optional<Json> body = ParseJson(response.body);
  if (!body.has_value() || !body->is_object()) {
    outcome.error = MalformedError("Cohere", "response", response.status_code,
                                   response.body);
    return outcome;
  }
  const Json* message = Field(*body, "message");
  if (message == nullptr || !message->is_object()) {
    if (message != nullptr && message->is_string()) {
      // An error body ({"message": "..."}) with a success status.
      ProviderError error =
          MakeHttpError(response, message->get<std::string>());
      error.error_class = ErrorClass::kTransient;
      outcome.error = std::move(error);
    } else {
      outcome.error = MalformedError("Cohere", "response", response.status_code,
                                     response.body);
    }
    return outcome;
  }
  if (const Json* content = Field(*message, "content")) {
    if (!content->is_array()) {
      outcome.error = MalformedError("Cohere", "response", response.status_code,
                                     response.body);
      return outcome;
    }
    for (const Json& part : *content) {
      if (StringField(part, "type") == "text") {
        outcome.reply.text += StringField(part, "text");
      }
    }
  }
  outcome.reply.finish_reason =
      CohereFinishReason(StringField(*body, "finish_reason"));
  if (const Json* usage = Field(*body, "usage")) {
    outcome.reply.usage = UsageFrom(*usage);
  }
  return outcome;
}

ProviderError CohereCodec::ParseError(
    const http::HttpResponse& response) const {
  std::optional<Json> body = ParseJson(response.body);
  std::string message = body.has_value() ? ErrorMessage(*body) : std::string();
  const ErrorClass error_class =
      ClassifyCohereError(response.status_code, message);
  ProviderError error = MakeHttpError(response, std::move(message));
  error.error_class = error_class;
  return error;
}

std::unique_ptr<StreamDecoder> CohereCodec::NewStreamDecoder() const {
  return std::make_unique<CohereStreamDecoder>();
}

}  // namespace llmgw
