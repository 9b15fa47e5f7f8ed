#include "providers/gemini/gemini_codec.h"

#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "providers/common/codec_util.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"
#include "providers/gemini/gemini_embed.h"
#include "providers/gemini/gemini_errors.h"
#include "providers/gemini/gemini_request.h"
#include "providers/gemini/gemini_response.h"

namespace llmgw {
namespace {

using nlohmann::json;

// Model ids are resource names: letters, digits, '-', '.', '_' and '/'
// (for "models/..." and "tunedModels/..."). Anything else (spaces, '?', '#',
// ':', '%') would change the URL's meaning.
bool IsPlainModelName(absl::string_view model) {
  if (model.empty() || absl::StartsWith(model, "/") ||
      absl::StrContains(model, "..")) {
    return false;
  }
  for (char c : model) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '.' && c != '_' &&
        c != '/') {
      return false;
    }
  }
  return true;
}

std::string ModelPath(absl::string_view model) {
  if (absl::StartsWith(model, "models/") ||
      absl::StartsWith(model, "tunedModels/")) {
    return std::string(model);
  }
  return absl::StrCat("models/", model);
}

// STOP after function calls means the model wants the calls run.
FinishReason ToolAwareFinish(FinishReason reason,
                             const std::vector<ToolCall>& calls) {
  return reason == FinishReason::kStop && !calls.empty()
             ? FinishReason::kToolCalls
             : reason;
}

ProviderOutcome ErrorOutcome(ProviderError error) {
  ProviderOutcome outcome;
  outcome.error = std::move(error);
  return outcome;
}

ProviderError Malformed(absl::string_view what, int http_status,
                        absl::string_view body) {
  return MalformedError("gemini", what, http_status, body);
}

// The {"error": {...}} member of a 2xx body or stream event, or nullptr.
const json* ErrorMember(const json& body) {
  auto it = body.find("error");
  return it != body.end() && it->is_object() ? &*it : nullptr;
}

}  // namespace

absl::StatusOr<http::HttpRequest> GeminiCodec::BuildRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key, bool stream) const {
  if (!IsPlainModelName(request.model)) {
    return absl::InvalidArgumentError(
        absl::StrCat("gemini: invalid model name \"", request.model, "\""));
  }
  absl::StatusOr<json> body = gemini::BuildGenerateContentBody(request);
  if (!body.ok()) return body.status();

  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url = absl::StrCat(
      base_url, "/", ModelPath(request.model),
      stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  http_request.headers.emplace_back("content-type", "application/json");
  if (stream) http_request.headers.emplace_back("accept", "text/event-stream");
  if (!api_key.empty()) {
    http_request.headers.emplace_back("x-goog-api-key", std::string(api_key));
  }
  http_request.body = DumpJson(*body);
  return http_request;
}

ProviderOutcome GeminiCodec::ParseReply(
    const http::HttpResponse& response) const {
  const int status = response.status_code;
  json body = ParseJsonOrDiscarded(response.body);
  if (!body.is_object()) {
    return ErrorOutcome(Malformed("response", status, response.body));
  }
  if (const json* error = ErrorMember(body)) {
    return ErrorOutcome(gemini::ErrorFromGoogleStatus(*error, status));
  }
  gemini::ResponseChunk chunk = gemini::ParseResponseChunk(body);
  ProviderOutcome outcome;
  outcome.reply.text = std::move(chunk.text);
  outcome.reply.model = std::move(chunk.model);
  outcome.reply.block_reason = std::move(chunk.block_reason);
  if (chunk.usage) outcome.reply.usage = *chunk.usage;
  if (chunk.tool_calls.size() > gemini::kMaxToolCalls) {
    return ErrorOutcome(
        Malformed("response (too many function calls)", status, ""));
  }
  for (size_t i = 0; i < chunk.tool_calls.size(); ++i) {
    chunk.tool_calls[i].id = gemini::GeminiToolCallId(i);
  }
  outcome.reply.tool_calls = std::move(chunk.tool_calls);
  if (chunk.finish_reason) {
    outcome.reply.finish_reason =
        ToolAwareFinish(*chunk.finish_reason, outcome.reply.tool_calls);
  }
  if (!chunk.has_candidate && !chunk.prompt_blocked) {
    outcome.error =
        Malformed("response (no candidates)", status, response.body);
  }
  return outcome;
}

ProviderError GeminiCodec::ParseError(
    const http::HttpResponse& response) const {
  return gemini::ParseGeminiHttpError(response);
}

std::unique_ptr<StreamDecoder> GeminiCodec::NewStreamDecoder() const {
  return std::make_unique<GeminiStreamDecoder>();
}

StreamUpdate GeminiStreamDecoder::OnEvent(const http::SseEvent& event) {
  StreamUpdate update;
  if (absl::StripAsciiWhitespace(event.data).empty()) return update;
  json body = ParseJsonOrDiscarded(event.data);
  if (!body.is_object()) {
    update.error = Malformed("stream event", 200, event.data);
    return update;
  }
  if (const json* error = ErrorMember(body)) {
    update.error = gemini::ErrorFromGoogleStatus(*error, 200);
    return update;
  }
  gemini::ResponseChunk chunk = gemini::ParseResponseChunk(body);
  if (chunk.usage) summary_.usage = *chunk.usage;
  if (!chunk.model.empty()) summary_.model = std::move(chunk.model);
  update.delta = std::move(chunk.text);
  for (ToolCall& call : chunk.tool_calls) {
    if (summary_.tool_calls.size() >= gemini::kMaxToolCalls ||
        call.arguments_json.size() > gemini::kMaxToolArgumentBytes) {
      update.error = Malformed(
          "stream (function calls beyond the gateway's bounds)", 200, "");
      return update;
    }
    call.id = gemini::GeminiToolCallId(summary_.tool_calls.size());
    update.tool_call_deltas.push_back(
        ToolCallDelta{static_cast<int32_t>(summary_.tool_calls.size()), call.id,
                      call.name, call.arguments_json});
    summary_.tool_calls.push_back(std::move(call));
  }
  if (chunk.finish_reason) {
    summary_.finish_reason =
        ToolAwareFinish(*chunk.finish_reason, summary_.tool_calls);
    summary_.block_reason = std::move(chunk.block_reason);
    finish_detail_ = std::move(chunk.finish_detail);
    update.done = true;
  }
  return update;
}

std::string GeminiFinishDetail(absl::string_view reply_body) {
  json body = ParseJsonOrDiscarded(reply_body);
  if (!body.is_object()) return "";
  return gemini::ParseResponseChunk(body).finish_detail;
}

absl::StatusOr<http::HttpRequest> GeminiCodec::BuildEmbedRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key) const {
  if (!IsPlainModelName(request.model)) {
    return absl::InvalidArgumentError(
        absl::StrCat("gemini: invalid model name \"", request.model, "\""));
  }
  return gemini::BuildBatchEmbedRequest(request, base_url,
                                        ModelPath(request.model), api_key);
}

ProviderOutcome GeminiCodec::ParseEmbedReply(
    const http::HttpResponse& response) const {
  return gemini::ParseBatchEmbedReply(response);
}

}  // namespace llmgw
