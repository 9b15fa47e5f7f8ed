#include "providers/minimax/minimax_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"
#include "providers/minimax/minimax_errors.h"
#include "providers/minimax/minimax_stream_decoder.h"

namespace llmgw {
namespace {

using nlohmann::json;

const char* RoleName(MessageRole role) {
  switch (role) {
    case MessageRole::kSystem:
      return "system";
    case MessageRole::kAssistant:
      return "assistant";
    case MessageRole::kUser:
      break;
  }
  return "user";
}

// Clamped to (0, 1] and sent as the shortest decimal that reads back as the
// float (0.7f -> 0.7).
double SamplingValue(float value) {
  return WireNumber(std::clamp(value, kMiniMaxMinSampling, 1.0f));
}

ProviderOutcome Malformed(const http::HttpResponse& response,
                          absl::string_view what) {
  ProviderOutcome outcome;
  outcome.error = ProviderError{
      ErrorClass::kTransient, response.status_code,
      absl::StrCat("malformed MiniMax chat completion response: ", what)};
  return outcome;
}

}  // namespace

namespace minimax {

FinishReason MiniMaxFinishReason(absl::string_view finish_reason) {
  if (finish_reason == "stop") return FinishReason::kStop;
  if (finish_reason == "length") return FinishReason::kLength;
  if (finish_reason == "tool_calls") return FinishReason::kToolCalls;
  if (finish_reason == "content_filter") return FinishReason::kContentFilter;
  return FinishReason::kUnspecified;
}

FinishReason ReplyFinishReason(const json& body, const json& choice) {
  auto sensitive = body.find("output_sensitive");
  if (sensitive != body.end() && sensitive->is_boolean() &&
      sensitive->get<bool>()) {
    return FinishReason::kContentFilter;
  }
  auto reason = choice.find("finish_reason");
  if (reason == choice.end() || !reason->is_string()) {
    return FinishReason::kUnspecified;
  }
  return MiniMaxFinishReason(reason->get<std::string>());
}

std::optional<TokenUsage> ParseUsage(const json& usage) {
  if (!usage.is_object()) return std::nullopt;
  std::optional<int64_t> input = CountField(usage, "prompt_tokens");
  std::optional<int64_t> output = CountField(usage, "completion_tokens");
  if (!input && !output) return std::nullopt;
  TokenUsage result;
  result.input_tokens = input.value_or(0);
  result.output_tokens = output.value_or(0);
  result.reported = true;
  return result;
}

const json* FirstChoice(const json& body) {
  auto choices = body.find("choices");
  if (choices == body.end() || !choices->is_array() || choices->empty() ||
      !choices->front().is_object()) {
    return nullptr;
  }
  return &choices->front();
}

std::string ContentText(const json& holder) {
  if (!holder.is_object()) return "";
  auto content = holder.find("content");
  if (content == holder.end() || !content->is_string()) return "";
  return content->get<std::string>();
}

}  // namespace minimax

absl::StatusOr<http::HttpRequest> MiniMaxCodec::BuildRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key, bool stream) const {
  if (request.model.empty()) {
    return absl::InvalidArgumentError("MiniMax request has no model");
  }
  if (request.messages.empty()) {
    return absl::InvalidArgumentError("MiniMax request has no messages");
  }
  json messages = json::array();
  for (const Message& message : request.messages) {
    messages.push_back(
        {{"role", RoleName(message.role)}, {"content", message.content}});
  }
  json body = {{"model", request.model}, {"messages", std::move(messages)}};
  if (request.max_tokens > 0)
    body["max_completion_tokens"] = request.max_tokens;
  if (request.temperature) {
    body["temperature"] = SamplingValue(*request.temperature);
  }
  if (request.top_p) body["top_p"] = SamplingValue(*request.top_p);
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (stream) body["stream"] = true;

  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url =
      absl::StrCat(absl::StripSuffix(base_url, "/"), "/text/chatcompletion_v2");
  http_request.headers.emplace_back("Content-Type", "application/json");
  http_request.headers.emplace_back(
      "Accept", stream ? "text/event-stream" : "application/json");
  if (!api_key.empty()) {
    http_request.headers.emplace_back("Authorization",
                                      absl::StrCat("Bearer ", api_key));
  }
  http_request.body = body.dump();
  return http_request;
}

ProviderOutcome MiniMaxCodec::ParseReply(
    const http::HttpResponse& response) const {
  json body = ParseJsonOrDiscarded(response.body);
  if (body.is_discarded() || !body.is_object()) {
    return Malformed(response, BodyExcerpt(response.body));
  }
  ProviderOutcome outcome;
  if (std::optional<minimax::BaseResp> failed = minimax::FailedBaseResp(body)) {
    outcome.error = minimax::ErrorFromBaseResp(*failed, response);
    return outcome;
  }
  const json* choice = minimax::FirstChoice(body);
  if (choice == nullptr) return Malformed(response, "no choices");
  auto message = choice->find("message");
  if (message == choice->end() || !message->is_object()) {
    return Malformed(response, "choice has no message");
  }
  outcome.reply.text = minimax::ContentText(*message);
  outcome.reply.finish_reason = minimax::ReplyFinishReason(body, *choice);
  if (auto usage = body.find("usage"); usage != body.end()) {
    if (std::optional<TokenUsage> parsed = minimax::ParseUsage(*usage)) {
      outcome.reply.usage = *parsed;
    }
  }
  if (auto model = body.find("model");
      model != body.end() && model->is_string()) {
    outcome.reply.model = model->get<std::string>();
  }
  return outcome;
}

ProviderError MiniMaxCodec::ParseError(
    const http::HttpResponse& response) const {
  return minimax::ParseMiniMaxHttpError(response);
}

std::unique_ptr<StreamDecoder> MiniMaxCodec::NewStreamDecoder() const {
  return std::make_unique<minimax::MiniMaxStreamDecoder>();
}

}  // namespace llmgw
