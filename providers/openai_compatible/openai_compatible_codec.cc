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
#include "providers/openai_compatible/openai_common_shape.h"
#include "providers/openai_compatible/openai_dialect.h"
#include "providers/openai_compatible/openai_embed.h"
#include "providers/openai_compatible/openai_errors.h"
#include "providers/openai_compatible/openai_response.h"
#include "providers/openai_compatible/openai_stream_decoder.h"
#include "registry/provider_factory.h"

namespace llmgw {
namespace {

using nlohmann::json;

std::optional<ProviderError> InBandError(const json& body,
                                         const http::HttpResponse& r) {
  std::optional<openai_compat::OpenAiErrorFields> fields =
      openai_compat::ExtractOpenAiError(body);
  if (!fields) return std::nullopt;
  ProviderError error =
      MakeHttpError(r, openai_compat::OpenAiErrorMessage(*fields));
  error.error_class =
      openai_compat::ClassifyOpenAiError(r.status_code, *fields);
  return error;
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
  openai_compat::ChatDialect dialect;
  dialect.max_tokens_field = options_.max_tokens_field;
  dialect.stream_usage = options_.stream_usage;
  dialect.extra_headers = options_.extra_headers;
  return openai_compat::BuildChatRequest(dialect, request, base_url, api_key,
                                         stream);
}

ProviderOutcome OpenAiCompatibleCodec::ParseReply(
    const http::HttpResponse& response) const {
  // Most replies are a plain chat.completion: read without a DOM.
  std::optional<openai_compat::CommonChatFields> common;
  if (options_.read_common_shapes) {
    common = openai_compat::ReadCommonChatReply(response.body);
    openai_compat::CountCommonShapeRead(common.has_value());
  }
  if (common) {
    ProviderOutcome outcome;
    outcome.reply.text = std::move(common->text);
    outcome.reply.finish_reason = common->finish_reason;
    if (common->finish_reason == FinishReason::kContentFilter) {
      outcome.reply.block_reason = "content_filter";
    }
    if (common->usage) outcome.reply.usage = *common->usage;
    outcome.reply.model = std::move(common->model);
    return outcome;
  }
  return openai_compat::ParseChatReply(
      "chat completion", response, InBandError,
      [](const json&, const json& choice) {
        return openai_compat::ChoiceFinishReason(choice);
      });
}

ProviderError OpenAiCompatibleCodec::ParseError(
    const http::HttpResponse& response) const {
  return openai_compat::ParseOpenAiHttpError(response);
}

std::unique_ptr<StreamDecoder> OpenAiCompatibleCodec::NewStreamDecoder() const {
  return std::make_unique<openai_compat::OpenAiStreamDecoder>(
      options_.read_common_shapes);
}

absl::StatusOr<http::HttpRequest> OpenAiCompatibleCodec::BuildEmbedRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key) const {
  return openai_compat::BuildEmbedRequest(request, base_url, api_key,
                                          options_.extra_headers);
}

ProviderOutcome OpenAiCompatibleCodec::ParseEmbedReply(
    const http::HttpResponse& response) const {
  json body = ParseJsonOrDiscarded(response.body);
  if (body.is_object()) {
    if (std::optional<ProviderError> error = InBandError(body, response)) {
      ProviderOutcome outcome;
      outcome.error = *std::move(error);
      return outcome;
    }
  }
  return openai_compat::ParseEmbedReply(response);
}

}  // namespace llmgw
