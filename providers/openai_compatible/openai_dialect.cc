#include "providers/openai_compatible/openai_dialect.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "providers/common/codec_util.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"
#include "providers/openai_compatible/openai_plain_body.h"
#include "providers/openai_compatible/openai_request.h"
#include "providers/openai_compatible/openai_response.h"
#include "providers/openai_compatible/openai_tools.h"

namespace llmgw::openai_compat {
namespace {

using nlohmann::json;

absl::StatusOr<json> ChatBody(const ChatDialect& dialect,
                              const ProviderRequest& request, bool stream) {
  json body = {{"model", request.model}, {"messages", MessagesJson(request)}};
  if (request.max_tokens > 0) {
    body[dialect.max_tokens_field] = request.max_tokens;
  }
  auto sampling = dialect.sampling != nullptr ? dialect.sampling : WireNumber;
  if (request.temperature) body["temperature"] = sampling(*request.temperature);
  if (request.top_p) body["top_p"] = sampling(*request.top_p);
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (stream) {
    body["stream"] = true;
    if (dialect.stream_usage) {
      body["stream_options"] = {{"include_usage", true}};
    }
  }
  absl::Status rich =
      AddRequestOptions(request, dialect.api_name, dialect.support, body);
  if (!rich.ok()) return rich;
  return body;
}

ProviderOutcome Malformed(absl::string_view api_name,
                          const http::HttpResponse& response,
                          absl::string_view what) {
  ProviderOutcome outcome;
  outcome.error =
      ProviderError{ErrorClass::kTransient, response.status_code,
                    absl::StrCat("malformed ", api_name, " response: ", what)};
  return outcome;
}

}  // namespace

absl::StatusOr<http::HttpRequest> BuildChatRequest(
    const ChatDialect& dialect, const ProviderRequest& request,
    absl::string_view base_url, absl::string_view api_key, bool stream) {
  if (request.model.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dialect.api_name, " request has no model"));
  }
  if (request.messages.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dialect.api_name, " request has no messages"));
  }
  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url =
      absl::StrCat(absl::StripSuffix(base_url, "/"), dialect.path);
  http_request.headers.emplace_back("Content-Type", "application/json");
  http_request.headers.emplace_back(
      "Accept", stream ? "text/event-stream" : "application/json");
  if (!api_key.empty()) {
    http_request.headers.emplace_back("Authorization",
                                      absl::StrCat("Bearer ", api_key));
  }
  for (const auto& header : dialect.extra_headers) {
    http_request.headers.push_back(header);
  }
  absl::StatusOr<std::string> body = ChatBodyText(dialect, request, stream);
  if (!body.ok()) return body.status();
  http_request.body = *std::move(body);
  return http_request;
}

absl::StatusOr<std::string> ChatBodyText(const ChatDialect& dialect,
                                         const ProviderRequest& request,
                                         bool stream, bool plain_writer) {
  if (plain_writer) {
    if (std::optional<std::string> plain =
            PlainChatBody(dialect, request, stream)) {
      return *std::move(plain);
    }
  }
  absl::StatusOr<json> body = ChatBody(dialect, request, stream);
  if (!body.ok()) return body.status();
  return DumpJson(*body);
}

ProviderOutcome ParseChatReply(absl::string_view api_name,
                               const http::HttpResponse& response,
                               const InBandError& in_band_error,
                               const ReplyFinish& finish) {
  json body = ParseJsonOrDiscarded(response.body);
  if (body.is_discarded() || !body.is_object()) {
    return Malformed(api_name, response, BodyExcerpt(response.body));
  }
  ProviderOutcome outcome;
  if (std::optional<ProviderError> error = in_band_error(body, response)) {
    outcome.error = *std::move(error);
    return outcome;
  }
  const json* choice = FirstChoice(body);
  if (choice == nullptr) return Malformed(api_name, response, "no choices");
  auto message = choice->find("message");
  if (message == choice->end() || !message->is_object()) {
    return Malformed(api_name, response, "choice has no message");
  }
  if (auto content = message->find("content"); content != message->end()) {
    outcome.reply.text = ContentText(*content);
  }
  ReadToolCallsAndRefusal(*message, outcome.reply);
  outcome.reply.finish_reason = finish(body, *choice);
  if (outcome.reply.finish_reason == FinishReason::kContentFilter &&
      outcome.reply.block_reason.empty()) {
    outcome.reply.block_reason = "content_filter";
  }
  if (auto usage = body.find("usage"); usage != body.end()) {
    if (std::optional<TokenUsage> parsed = ParseUsage(*usage)) {
      outcome.reply.usage = *parsed;
    }
  }
  if (auto model = body.find("model");
      model != body.end() && model->is_string()) {
    outcome.reply.model = model->get<std::string>();
  }
  return outcome;
}

ChunkKind ReadChunk(const http::SseEvent& event, json& chunk) {
  const absl::string_view data = absl::StripAsciiWhitespace(event.data);
  if (data.empty()) return ChunkKind::kSkip;
  if (data == "[DONE]") return ChunkKind::kDone;
  chunk = ParseJsonOrDiscarded(data);
  return ChunkKind::kChunk;
}

ProviderError MalformedEvent(absl::string_view data) {
  return ProviderError{
      ErrorClass::kTransient, 0,
      absl::StrCat("malformed stream event: ",
                   BodyExcerpt(absl::StripAsciiWhitespace(data)))};
}

void NoteModelAndUsage(const json& chunk, ProviderReply& summary) {
  if (summary.model.empty()) {
    auto model = chunk.find("model");
    if (model != chunk.end() && model->is_string()) {
      summary.model = model->get<std::string>();
    }
  }
  if (auto usage = chunk.find("usage"); usage != chunk.end()) {
    if (std::optional<TokenUsage> parsed = ParseUsage(*usage)) {
      summary.usage = *parsed;
    }
  }
}

bool ContainsAny(absl::string_view haystack,
                 std::initializer_list<absl::string_view> needles) {
  for (absl::string_view needle : needles) {
    if (absl::StrContains(haystack, needle)) return true;
  }
  return false;
}

}  // namespace llmgw::openai_compat
