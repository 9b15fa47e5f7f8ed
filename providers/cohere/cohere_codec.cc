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
#include "providers/cohere/cohere_wire.h"
#include "providers/common/codec_util.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

// The message of an error body: "message", else "data".
std::string ErrorMessage(const Json& body) {
  std::string message = StringField(body, "message");
  if (message.empty()) message = StringField(body, "data");
  return message;
}

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
  absl::StatusOr<Json> messages = cohere::Messages(request);
  if (!messages.ok()) return messages.status();
  Json body = {{"model", request.model},
               {"messages", *std::move(messages)},
               {"stream", stream}};
  if (request.max_tokens > 0) body["max_tokens"] = request.max_tokens;
  if (request.temperature.has_value()) {
    body["temperature"] = WireNumber(*request.temperature);
  }
  if (request.top_p.has_value()) body["p"] = WireNumber(*request.top_p);
  if (!request.stop.empty()) body["stop_sequences"] = request.stop;
  if (absl::Status s = cohere::AddOptions(request, body); !s.ok()) return s;

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
  if (absl::Status s = cohere::ToolCalls(*message, &outcome.reply.tool_calls);
      !s.ok()) {
    outcome.reply.tool_calls.clear();
    outcome.error =
        MalformedError("Cohere", "response", response.status_code, s.message());
    return outcome;
  }
  const std::string finish_reason = StringField(*body, "finish_reason");
  outcome.reply.finish_reason = CohereFinishReason(finish_reason);
  if (outcome.reply.finish_reason == FinishReason::kContentFilter) {
    outcome.reply.block_reason = finish_reason;
  }
  if (const Json* usage = Field(*body, "usage")) {
    outcome.reply.usage = cohere::Usage(*usage);
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
  return cohere::NewStreamDecoder();
}

}  // namespace llmgw
