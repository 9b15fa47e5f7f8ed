#include "providers/anthropic/anthropic_codec.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
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

absl::string_view RoleName(MessageRole role) {
  return role == MessageRole::kAssistant ? "assistant" : "user";
}

// The token counts of a Messages API "usage" object. Fields are absent in
// some events (message_delta carries only what changed), so each is kept
// separately and updated when present.
struct AnthropicUsage {
  int64_t input_tokens = 0;
  int64_t cache_creation_input_tokens = 0;
  int64_t cache_read_input_tokens = 0;
  int64_t output_tokens = 0;
  bool reported = false;

  // Applies the fields present in `usage` (counts are cumulative, so they
  // replace earlier values).
  void Update(const Json& usage) {
    if (!usage.is_object()) return;
    if (auto v = CountField(usage, "input_tokens")) {
      input_tokens = *v;
      reported = true;
    }
    if (auto v = CountField(usage, "cache_creation_input_tokens")) {
      cache_creation_input_tokens = *v;
    }
    if (auto v = CountField(usage, "cache_read_input_tokens")) {
      cache_read_input_tokens = *v;
    }
    if (auto v = CountField(usage, "output_tokens")) {
      output_tokens = *v;
      reported = true;
    }
  }

  TokenUsage ToTokenUsage() const {
    TokenUsage usage;
    usage.input_tokens =
        input_tokens + cache_creation_input_tokens + cache_read_input_tokens;
    usage.output_tokens = output_tokens;
    usage.reported = reported;
    return usage;
  }
};

// An error object ({"type":...,"message":...,"details":{"error_code":...}})
// as a ProviderError without HTTP details.
ProviderError ErrorFromObject(const Json& error, int http_status) {
  std::string type = StringField(error, "type");
  std::string message = StringField(error, "message");
  std::string error_code;
  if (const Json* details = Field(error, "details")) {
    error_code = StringField(*details, "error_code");
  }
  ProviderError result;
  result.http_status = http_status;
  result.error_class =
      ClassifyAnthropicError(http_status, type, message, error_code);
  if (type.empty()) {
    result.message = message;
  } else if (message.empty()) {
    result.message = type;
  } else {
    result.message = absl::StrCat(type, ": ", message);
  }
  return result;
}

class AnthropicStreamDecoder : public TypedEventDecoder {
 public:
  AnthropicStreamDecoder() : TypedEventDecoder("Anthropic") {}

 protected:
  void OnTypedEvent(const std::string& type, const Json& data,
                    const http::SseEvent& event,
                    StreamUpdate& update) override {
    if (type == "message_start") {
      if (const Json* message = Field(data, "message")) {
        std::string model = StringField(*message, "model");
        if (!model.empty()) summary_.model = std::move(model);
        if (const Json* usage = Field(*message, "usage")) usage_.Update(*usage);
      }
    } else if (type == "content_block_delta") {
      const Json* delta = Field(data, "delta");
      if (delta != nullptr && StringField(*delta, "type") == "text_delta") {
        update.delta = StringField(*delta, "text");
      }
    } else if (type == "message_delta") {
      if (const Json* delta = Field(data, "delta")) {
        const Json* stop_reason = Field(*delta, "stop_reason");
        if (stop_reason != nullptr && stop_reason->is_string()) {
          summary_.finish_reason =
              AnthropicFinishReason(stop_reason->get<std::string>());
        }
      }
      if (const Json* usage = Field(data, "usage")) usage_.Update(*usage);
    } else if (type == "message_stop") {
      update.done = true;
    } else if (type == "error") {
      const Json* error = Field(data, "error");
      update.error = ErrorFromObject(error != nullptr ? *error : Json(), 0);
      if (update.error->message.empty()) {
        update.error->message = BodyExcerpt(event.data);
      }
    }
    // ping, content_block_start, content_block_stop and event types added
    // later carry nothing for the caller.
    summary_.usage = usage_.ToTokenUsage();
  }

 private:
  AnthropicUsage usage_;
};

}  // namespace

FinishReason AnthropicFinishReason(absl::string_view stop_reason) {
  if (stop_reason == "end_turn" || stop_reason == "stop_sequence" ||
      stop_reason == "pause_turn") {
    return FinishReason::kStop;
  }
  if (stop_reason == "max_tokens" ||
      stop_reason == "model_context_window_exceeded") {
    return FinishReason::kLength;
  }
  if (stop_reason == "tool_use") return FinishReason::kToolCalls;
  if (stop_reason == "refusal") return FinishReason::kContentFilter;
  return FinishReason::kUnspecified;
}

ErrorClass ClassifyAnthropicError(int http_status, absl::string_view error_type,
                                  absl::string_view message,
                                  absl::string_view error_code) {
  if (error_type == "invalid_request_error") {
    const std::string lower = absl::AsciiStrToLower(message);
    if (absl::StrContains(lower, "prompt is too long") ||
        absl::StrContains(lower, "exceed context limit") ||
        absl::StrContains(lower, "context window")) {
      return ErrorClass::kFailedPrecondition;
    }
    if (absl::StrContains(lower, "credit balance is too low") ||
        absl::StrContains(lower, "api usage limits")) {
      return ErrorClass::kKeyInvalid;
    }
    // The API also uses this type for 4XX statuses without their own type.
    if (http_status == 413) return ErrorClass::kFailedPrecondition;
    return ErrorClass::kInvalidRequest;
  }
  if (error_type == "authentication_error" ||
      error_type == "permission_error" || error_type == "billing_error") {
    return ErrorClass::kKeyInvalid;
  }
  if (error_type == "not_found_error") return ErrorClass::kModelNotFound;
  if (error_type == "request_too_large") {
    return ErrorClass::kFailedPrecondition;
  }
  if (error_type == "rate_limit_error") {
    return error_code == "enforced_spend_limit_reached"
               ? ErrorClass::kKeyInvalid
               : ErrorClass::kRateLimited;
  }
  if (error_type == "api_error" || error_type == "overloaded_error" ||
      error_type == "timeout_error" || error_type == "conflict_error") {
    return ErrorClass::kTransient;
  }
  // Unknown or missing type: the status decides; inside a stream (no
  // status) an unrecognized failure is worth a retry.
  return http_status == 0 ? ErrorClass::kTransient
                          : ClassifyHttpStatus(http_status);
}

AnthropicCodec::AnthropicCodec(ProviderSpec spec) : spec_(std::move(spec)) {
  auto it = spec_.options.find(std::string(kAnthropicVersionOption));
  anthropic_version_ = it != spec_.options.end() && !it->second.empty()
                           ? it->second
                           : std::string(kDefaultAnthropicVersion);
}

int32_t AnthropicCodec::EffectiveMaxTokens(
    const ProviderRequest& request) const {
  if (request.max_tokens > 0) return request.max_tokens;
  const ModelSpec* model = spec_.FindModel(request.model);
  if (model != nullptr && model->max_output_tokens > 0) {
    return static_cast<int32_t>(model->max_output_tokens);
  }
  return kAnthropicFallbackMaxTokens;
}

absl::StatusOr<http::HttpRequest> AnthropicCodec::BuildRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key, bool stream) const {
  if (request.model.empty()) {
    return absl::InvalidArgumentError("Anthropic requests need a model");
  }
  std::vector<std::string> system_parts;
  // Turns after merging consecutive same-role messages.
  struct Turn {
    MessageRole role;
    std::vector<const std::string*> texts;
  };
  std::vector<Turn> turns;
  for (const Message& message : request.messages) {
    if (message.role == MessageRole::kSystem) {
      system_parts.push_back(message.content);
      continue;
    }
    if (turns.empty() || turns.back().role != message.role) {
      turns.push_back(Turn{message.role, {}});
    }
    turns.back().texts.push_back(&message.content);
  }
  if (turns.empty()) {
    return absl::InvalidArgumentError(
        "Anthropic requests need at least one user or assistant message");
  }

  Json messages = Json::array();
  for (const Turn& turn : turns) {
    Json content;
    if (turn.texts.size() == 1) {
      content = *turn.texts.front();
    } else {
      content = Json::array();
      for (const std::string* text : turn.texts) {
        content.push_back({{"type", "text"}, {"text", *text}});
      }
    }
    messages.push_back(
        {{"role", std::string(RoleName(turn.role))}, {"content", content}});
  }

  Json body = {{"model", request.model},
               {"max_tokens", EffectiveMaxTokens(request)},
               {"messages", std::move(messages)}};
  if (!system_parts.empty()) {
    body["system"] = absl::StrJoin(system_parts, "\n\n");
  }
  if (request.temperature.has_value()) {
    body["temperature"] = WireNumber(*request.temperature);
  }
  if (request.top_p.has_value()) body["top_p"] = WireNumber(*request.top_p);
  if (!request.stop.empty()) body["stop_sequences"] = request.stop;
  if (stream) body["stream"] = true;

  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url =
      absl::StrCat(absl::StripSuffix(base_url, "/"), "/messages");
  http_request.headers = {
      {"x-api-key", std::string(api_key)},
      {"anthropic-version", anthropic_version_},
      {"content-type", "application/json"},
  };
  http_request.body = DumpJson(body);
  return http_request;
}

ProviderOutcome AnthropicCodec::ParseReply(
    const http::HttpResponse& response) const {
  ProviderOutcome outcome;
  std::optional<Json> body = ParseJson(response.body);
  if (!body.has_value() || !body->is_object()) {
    outcome.error = MalformedError("Anthropic", "response",
                                   response.status_code, response.body);
    return outcome;
  }
  if (StringField(*body, "type") == "error") {
    const Json* error = Field(*body, "error");
    outcome.error = ErrorFromObject(error != nullptr ? *error : Json(),
                                    response.status_code);
    return outcome;
  }
  const Json* content = Field(*body, "content");
  if (content == nullptr || !content->is_array()) {
    outcome.error = MalformedError("Anthropic", "response",
                                   response.status_code, response.body);
    return outcome;
  }
  for (const Json& block : *content) {
    if (StringField(block, "type") == "text") {
      outcome.reply.text += StringField(block, "text");
    }
  }
  outcome.reply.finish_reason =
      AnthropicFinishReason(StringField(*body, "stop_reason"));
  outcome.reply.model = StringField(*body, "model");
  if (const Json* usage = Field(*body, "usage")) {
    AnthropicUsage parsed;
    parsed.Update(*usage);
    outcome.reply.usage = parsed.ToTokenUsage();
  }
  return outcome;
}

ProviderError AnthropicCodec::ParseError(
    const http::HttpResponse& response) const {
  std::optional<Json> body = ParseJson(response.body);
  const Json* error = body.has_value() ? Field(*body, "error") : nullptr;
  if (error == nullptr || !error->is_object()) {
    // Not Anthropic's shape (e.g. a proxy's HTML page): status only.
    return MakeHttpError(response, "");
  }
  ProviderError parsed = ErrorFromObject(*error, response.status_code);
  ProviderError result = MakeHttpError(response, std::move(parsed.message));
  result.error_class = parsed.error_class;
  return result;
}

std::unique_ptr<StreamDecoder> AnthropicCodec::NewStreamDecoder() const {
  return std::make_unique<AnthropicStreamDecoder>();
}

}  // namespace llmgw
