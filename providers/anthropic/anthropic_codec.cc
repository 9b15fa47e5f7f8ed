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
#include "providers/anthropic/anthropic_reply.h"
#include "providers/anthropic/anthropic_request.h"
#include "providers/anthropic/anthropic_stream.h"
#include "providers/common/codec_util.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"

namespace llmgw {

using Json = nlohmann::json;

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
  absl::StatusOr<AnthropicPrompt> prompt = BuildAnthropicPrompt(request);
  if (!prompt.ok()) return prompt.status();
  Json body = {{"model", request.model},
               {"max_tokens", EffectiveMaxTokens(request)},
               {"messages", std::move(prompt->messages)}};
  if (!prompt->system_parts.empty()) {
    body["system"] = absl::StrJoin(prompt->system_parts, "\n\n");
  }
  if (request.temperature.has_value()) {
    body["temperature"] = WireNumber(*request.temperature);
  }
  if (request.top_p.has_value()) body["top_p"] = WireNumber(*request.top_p);
  if (!request.stop.empty()) body["stop_sequences"] = request.stop;
  if (stream) body["stream"] = true;
  absl::Status options = AddAnthropicOptions(request, body);
  if (!options.ok()) return options;

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
    outcome.error = AnthropicErrorFromObject(error != nullptr ? *error : Json(),
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
    } else if (std::optional<ToolCall> call = AnthropicToolCall(block)) {
      outcome.reply.tool_calls.push_back(*std::move(call));
    }
  }
  ApplyAnthropicStop(*body, outcome.reply);
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
  ProviderError parsed = AnthropicErrorFromObject(*error, response.status_code);
  ProviderError result = MakeHttpError(response, std::move(parsed.message));
  result.error_class = parsed.error_class;
  return result;
}

std::unique_ptr<StreamDecoder> AnthropicCodec::NewStreamDecoder() const {
  return NewAnthropicStreamDecoder();
}

}  // namespace llmgw
