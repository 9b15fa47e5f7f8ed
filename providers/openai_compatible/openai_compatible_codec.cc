#include "providers/openai_compatible/openai_compatible_codec.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"
#include "providers/openai_compatible/openai_errors.h"
#include "providers/openai_compatible/openai_response.h"
#include "providers/openai_compatible/openai_stream_decoder.h"
#include "registry/provider_factory.h"

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

ProviderOutcome Malformed(const http::HttpResponse& response,
                          absl::string_view what) {
  ProviderOutcome outcome;
  outcome.error =
      ProviderError{ErrorClass::kTransient, response.status_code,
                    absl::StrCat("malformed chat completion response: ", what)};
  return outcome;
}

}  // namespace

absl::StatusOr<OpenAiCompatibleOptions> OpenAiCompatibleOptions::Parse(
    const std::map<std::string, std::string>& options) {
  absl::Status keys = CheckOptionKeys(
      options, kOpenAiCompatibleWireFormat,
      {kMaxTokensFieldOption, kStreamUsageOption, kBaseUrlSuffixOption},
      {kHeaderOptionPrefix});
  if (!keys.ok()) return keys;
  OpenAiCompatibleOptions parsed;
  for (const auto& [key, value] : options) {
    auto bad = [&key = key](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(key, ": ", what));
    };
    if (key == kMaxTokensFieldOption) {
      if (value != "max_tokens" && value != "max_completion_tokens") {
        return bad("expected max_tokens or max_completion_tokens");
      }
      parsed.max_tokens_field = value;
    } else if (key == kStreamUsageOption) {
      const std::string lower = absl::AsciiStrToLower(value);
      if (lower != "true" && lower != "false") {
        return bad("expected true or false");
      }
      parsed.stream_usage = lower == "true";
    } else if (key == kBaseUrlSuffixOption) {
      if (!absl::StartsWith(value, "/")) return bad("must start with '/'");
    } else {
      const std::string name = key.substr(kHeaderOptionPrefix.size());
      if (name.find_first_of(" \t:\r\n") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        return bad("not a valid HTTP header name and value");
      }
      parsed.extra_headers.emplace_back(name, value);
    }
  }
  return parsed;
}

OpenAiCompatibleOptions OpenAiCompatibleOptions::FromSpec(
    const ProviderSpec& spec) {
  absl::StatusOr<OpenAiCompatibleOptions> parsed = Parse(spec.options);
  return parsed.ok() ? *std::move(parsed) : OpenAiCompatibleOptions();
}

OpenAiCompatibleCodec::OpenAiCompatibleCodec(OpenAiCompatibleOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<http::HttpRequest> OpenAiCompatibleCodec::BuildRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key, bool stream) const {
  if (request.model.empty()) {
    return absl::InvalidArgumentError("chat completion request has no model");
  }
  if (request.messages.empty()) {
    return absl::InvalidArgumentError(
        "chat completion request has no messages");
  }

  json messages = json::array();
  for (const Message& message : request.messages) {
    messages.push_back(
        {{"role", RoleName(message.role)}, {"content", message.content}});
  }
  json body = {{"model", request.model}, {"messages", std::move(messages)}};
  if (request.max_tokens > 0) {
    body[options_.max_tokens_field] = request.max_tokens;
  }
  if (request.temperature) {
    body["temperature"] = WireNumber(*request.temperature);
  }
  if (request.top_p) body["top_p"] = WireNumber(*request.top_p);
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (stream) {
    body["stream"] = true;
    if (options_.stream_usage) {
      body["stream_options"] = {{"include_usage", true}};
    }
  }

  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url =
      absl::StrCat(absl::StripSuffix(base_url, "/"), "/chat/completions");
  http_request.headers.emplace_back("Content-Type", "application/json");
  http_request.headers.emplace_back(
      "Accept", stream ? "text/event-stream" : "application/json");
  if (!api_key.empty()) {
    http_request.headers.emplace_back("Authorization",
                                      absl::StrCat("Bearer ", api_key));
  }
  for (const auto& header : options_.extra_headers) {
    http_request.headers.push_back(header);
  }
  http_request.body = body.dump();
  return http_request;
}

ProviderOutcome OpenAiCompatibleCodec::ParseReply(
    const http::HttpResponse& response) const {
  json body = ParseJsonOrDiscarded(response.body);
  if (body.is_discarded() || !body.is_object()) {
    return Malformed(response, BodyExcerpt(response.body));
  }
  ProviderOutcome outcome;
  if (std::optional<openai_compat::OpenAiErrorFields> fields =
          openai_compat::ExtractOpenAiError(body)) {
    ProviderError error =
        MakeHttpError(response, openai_compat::OpenAiErrorMessage(*fields));
    error.error_class =
        openai_compat::ClassifyOpenAiError(response.status_code, *fields);
    outcome.error = std::move(error);
    return outcome;
  }
  const json* choice = openai_compat::FirstChoice(body);
  if (choice == nullptr) return Malformed(response, "no choices");
  auto message = choice->find("message");
  if (message == choice->end() || !message->is_object()) {
    return Malformed(response, "choice has no message");
  }
  if (auto content = message->find("content"); content != message->end()) {
    outcome.reply.text = openai_compat::ContentText(*content);
  }
  outcome.reply.finish_reason = openai_compat::ChoiceFinishReason(*choice);
  if (auto usage = body.find("usage"); usage != body.end()) {
    if (std::optional<TokenUsage> parsed = openai_compat::ParseUsage(*usage)) {
      outcome.reply.usage = *parsed;
    }
  }
  if (auto model = body.find("model");
      model != body.end() && model->is_string()) {
    outcome.reply.model = model->get<std::string>();
  }
  return outcome;
}

ProviderError OpenAiCompatibleCodec::ParseError(
    const http::HttpResponse& response) const {
  return openai_compat::ParseOpenAiHttpError(response);
}

std::unique_ptr<StreamDecoder> OpenAiCompatibleCodec::NewStreamDecoder() const {
  return std::make_unique<openai_compat::OpenAiStreamDecoder>();
}

}  // namespace llmgw
