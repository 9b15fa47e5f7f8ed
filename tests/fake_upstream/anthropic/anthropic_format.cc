// Anthropic's Messages API, as platform.claude.com documents it (Messages
// reference, "Streaming Messages", "Errors", "Versioning", "Rate limits").
//
// Routes (base URL "<url>/v1", as in https://api.anthropic.com/v1):
//   POST /v1/messages  the generation endpoint (runs the behaviour script).
//
// Checks, in this order, before any behaviour is consumed (every rejection
// is the documented error envelope
//   {"type":"error","error":{"type":...,"message":...},"request_id":...}):
//   1. "x-api-key" present, else 401 authentication_error "x-api-key header
//      is required" ("invalid bearer token" when only an Authorization
//      header was sent: API keys do not go there). Keys starting with
//      "invalid" get 401 "invalid x-api-key". With
//      FakeUpstreamOptions::require_api_key = false a request without any
//      key passes.
//   2. "anthropic-version" present, else 400 invalid_request_error
//      "anthropic-version: header is required"; a value other than the
//      documented versions 2023-06-01 / 2023-01-01 is a 400 as well.
//   3. The body is a JSON object with the documented fields only (others:
//      "<field>: Extra inputs are not permitted"): string "model";
//      integer "max_tokens" >= 1 (required); non-empty "messages" of
//      {role: "user"|"assistant", content: non-empty string or array of
//      content blocks, text blocks non-empty}; optional "system" (string or
//      text blocks); "temperature" and "top_p" numbers in 0..1
//      ("temperature: range: 0..1"); "top_k" integer >= 0;
//      "stop_sequences" strings with non-whitespace; "stream" boolean.
//      Else 400 invalid_request_error "<field path>: <reason>". Models from
//      Claude Opus 4.1 / Sonnet 4.5 / Haiku 4.5 on (claude-<family>-4-<1-9>
//      and claude-<family>-<5-9>...) reject "temperature" together with
//      "top_p": "`temperature` and `top_p` cannot both be specified for this
//      model. Please use only one."
//      Content blocks beyond text, "tools", "tool_choice", "metadata" and
//      "output_config" are validated by anthropic_rich.h (image sources and
//      media types, tool_use only from the assistant, tool_result naming a
//      tool_use of the previous message, tool schemas of type "object",
//      tool_choice naming a defined tool, output_config json_schema).
//   4. Model "does-not-exist", "unknown-*", or a retired model (claude-2*,
//      claude-instant*, claude-3-* - the Claude 3.x generation is retired
//      on the Claude API): 404 not_found_error "model: <model>".
//
// Deterministic answer (see fake_upstream.h): the prompt words counted are
// those of the system prompt and of every message; the echoed text is the
// last "user" message's (text blocks joined with spaces, as consecutive
// same-role turns are combined into one).
//
// Replies (tool calls, refusals and usage detail: anthropic_rich.h):
// non-stream
//   {"id":"msg_fake<seq>","type":"message","role":"assistant",
//    "model":<model>,"content":[{"type":"text","text":<text>},
//                               {"type":"tool_use",...}...],
//    "stop_reason":"end_turn"|"max_tokens"|<override>,"stop_sequence":null,
//    "usage":{"input_tokens": prompt - cached - cache writes,
//             "cache_creation_input_tokens": cache_write_tokens,
//             "cache_read_input_tokens": cached_tokens,"cache_creation":{...},
//             "output_tokens":..,"service_tier":"standard"}}
// stream (text/event-stream), each event "event: <type>\ndata: <json>\n\n":
//   message_start (the message with empty content, stop_reason null, the
//   input usage and output_tokens 1), content_block_start (an empty text
//   block), ping, one content_block_delta (text_delta) per delta,
//   content_block_stop, per tool call content_block_start (tool_use) +
//   input_json_delta pieces + content_block_stop, message_delta
//   (stop_reason, stop_sequence, stop_details of a refusal, and the
//   cumulative {"output_tokens":N} only), message_stop. Keep-alives (kTrickle)
//   are ping events. An override "stop_sequence" reports the request's first
//   stop sequence as the one matched.
//
// Injected errors (kHttpError without a body) use Anthropic's types:
// 400 invalid_request_error, 401 authentication_error, 402 billing_error,
// 403 permission_error, 404 not_found_error, 409 conflict_error,
// 413 request_too_large, 429 rate_limit_error (with retry-after: 1 and the
// anthropic-ratelimit-requests-* headers at 0 remaining), 500 api_error,
// 504 timeout_error, 529 overloaded_error ("Overloaded"); other 4xx
// invalid_request_error, other 5xx api_error. Every reply carries a
// request-id header; errors carry x-should-retry.
//
// Errors inside a stream (the documented "event: error" after a 200) are
// scripted with a malformed behaviour whose body is that event (it replaces
// the content deltas), e.g. body = "event: error\ndata: {\"type\":\"error\",
// \"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
// (see tests/providers/anthropic/anthropic_e2e_test.cc).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/anthropic/anthropic_rich.h"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr char kOrganizationId[] = "00000000-0000-4000-8000-00000000fa4e";

// Top-level fields of a Messages request, as the reference lists them.
constexpr absl::string_view kRequestFields[] = {"model",
                                                "messages",
                                                "max_tokens",
                                                "system",
                                                "metadata",
                                                "stop_sequences",
                                                "stream",
                                                "temperature",
                                                "top_k",
                                                "top_p",
                                                "tools",
                                                "tool_choice",
                                                "thinking",
                                                "service_tier",
                                                "container",
                                                "mcp_servers",
                                                "context_management",
                                                "output_config",
                                                "output_format",
                                                "inference_geo"};

std::string RequestId(int64_t seq) {
  return absl::StrFormat("req_fake%018d", seq);
}

std::string MessageId(int64_t seq) {
  return absl::StrFormat("msg_fake%018d", seq);
}

// Anthropic's error envelope.
std::string ErrorBody(absl::string_view type, absl::string_view message,
                      int64_t seq) {
  ojson body = {
      {"type", "error"},
      {"error",
       {{"type", std::string(type)}, {"message", std::string(message)}}},
      {"request_id", RequestId(seq)}};
  return body.dump();
}

bool ShouldRetry(int status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

HttpReply ErrorReply(int status, absl::string_view type,
                     absl::string_view message, int64_t seq) {
  HttpReply r;
  r.status = status;
  r.body = ErrorBody(type, message, seq);
  r.headers = {{"request-id", RequestId(seq)},
               {"x-should-retry", ShouldRetry(status) ? "true" : "false"}};
  return r;
}

HttpReply InvalidRequest(absl::string_view message, int64_t seq) {
  return ErrorReply(400, "invalid_request_error", message, seq);
}

bool ModelMissing(absl::string_view model) {
  return model == "does-not-exist" || absl::StartsWith(model, "unknown-") ||
         absl::StartsWith(model, "claude-2") ||
         absl::StartsWith(model, "claude-instant") ||
         absl::StartsWith(model, "claude-3-");
}

HttpReply ModelNotFound(absl::string_view model, int64_t seq) {
  return ErrorReply(404, "not_found_error", absl::StrCat("model: ", model),
                    seq);
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Headers Anthropic sends with a successful reply.
HeaderList SuccessHeaders(int64_t seq) {
  const std::string reset = Rfc3339(absl::Now() + absl::Seconds(1));
  return {{"request-id", RequestId(seq)},
          {"anthropic-organization-id", kOrganizationId},
          {"anthropic-ratelimit-requests-limit", "4000"},
          {"anthropic-ratelimit-requests-remaining", "3999"},
          {"anthropic-ratelimit-requests-reset", reset},
          {"anthropic-ratelimit-input-tokens-limit", "2000000"},
          {"anthropic-ratelimit-input-tokens-remaining", "2000000"},
          {"anthropic-ratelimit-input-tokens-reset", reset},
          {"anthropic-ratelimit-output-tokens-limit", "400000"},
          {"anthropic-ratelimit-output-tokens-remaining", "400000"},
          {"anthropic-ratelimit-output-tokens-reset", reset},
          {"anthropic-ratelimit-tokens-limit", "2400000"},
          {"anthropic-ratelimit-tokens-remaining", "2400000"},
          {"anthropic-ratelimit-tokens-reset", reset}};
}

// Pydantic-style type names, as in the API's validation messages.
std::string Expected(absl::string_view what) {
  return absl::StrCat("Input should be a valid ", what);
}

// The text of a content value (string, or the text blocks of an array
// joined with spaces); validates it. `at` is the field path.
std::optional<std::string> ContentText(const json& content,
                                       const std::string& at,
                                       std::string* error,
                                       anthropic::BlockContext& context) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) {
    *error = absl::StrCat(at, ": ", Expected("list"));
    return std::nullopt;
  }
  std::vector<std::string> texts;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& block = content[i];
    const std::string block_at = absl::StrCat(at, ".", i);
    if (!block.is_object()) {
      *error = absl::StrCat(block_at, ": ", Expected("dictionary"));
      return std::nullopt;
    }
    auto type = block.find("type");
    if (type == block.end() || !type->is_string()) {
      *error = absl::StrCat(block_at, ".type: Field required");
      return std::nullopt;
    }
    if (type->get<std::string>() != "text") {
      if (auto bad = anthropic::CheckBlock(block, block_at, context, texts)) {
        *error = *bad;
        return std::nullopt;
      }
      continue;
    }
    auto text = block.find("text");
    if (text == block.end() || !text->is_string()) {
      *error = absl::StrCat(block_at, ".text: Field required");
      return std::nullopt;
    }
    if (text->get<std::string>().empty()) {
      *error = "messages: text content blocks must be non-empty";
      return std::nullopt;
    }
    texts.push_back(text->get<std::string>());
  }
  return absl::StrJoin(texts, " ");
}

// Models that take `temperature` or `top_p`, not both: Claude Opus 4.1,
// Sonnet 4.5, Haiku 4.5 and later generations.
bool OneSamplingParameterOnly(const std::string& model) {
  static const auto* const kPattern =
      new std::regex("claude-[a-z]+-(4-[1-9]|[5-9](-[0-9])?)(-[0-9]{8})?");
  return std::regex_match(model, *kPattern);
}

// Validates a Messages body; fills `g`. Returns the 400 message if bad.
std::optional<std::string> ParseMessagesRequest(const json& body,
                                                GenerationRequest* g) {
  for (const auto& [name, value] : body.items()) {
    if (std::find(std::begin(kRequestFields), std::end(kRequestFields), name) ==
        std::end(kRequestFields)) {
      return absl::StrCat(name, ": Extra inputs are not permitted");
    }
  }
  auto model = body.find("model");
  if (model == body.end()) return std::string("model: Field required");
  if (!model->is_string()) return absl::StrCat("model: ", Expected("string"));
  g->model = model->get<std::string>();

  auto max_tokens = body.find("max_tokens");
  if (max_tokens == body.end()) {
    return std::string("max_tokens: Field required");
  }
  if (!max_tokens->is_number_integer()) {
    return absl::StrCat("max_tokens: ", Expected("integer"));
  }
  if (max_tokens->get<int64_t>() < 1) {
    return std::string(
        "max_tokens: Input should be greater than or equal to 1");
  }
  g->max_tokens = max_tokens->get<int64_t>();

  auto system = body.find("system");
  if (system != body.end() && !system->is_null()) {
    std::string error;
    anthropic::BlockContext system_context;
    std::optional<std::string> text =
        ContentText(*system, "system", &error, system_context);
    if (!text.has_value()) return error;
    g->message_texts.push_back(*std::move(text));
  }

  auto messages = body.find("messages");
  if (messages == body.end()) return std::string("messages: Field required");
  if (!messages->is_array()) {
    return absl::StrCat("messages: ", Expected("list"));
  }
  if (messages->empty()) {
    return std::string("messages: at least one message is required");
  }
  std::set<std::string> previous_tool_use_ids;
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string at = absl::StrCat("messages.", i);
    if (!m.is_object()) return absl::StrCat(at, ": ", Expected("dictionary"));
    for (const auto& [name, value] : m.items()) {
      if (name != "role" && name != "content") {
        return absl::StrCat(at, ".", name, ": Extra inputs are not permitted");
      }
    }
    auto role = m.find("role");
    if (role == m.end()) return absl::StrCat(at, ".role: Field required");
    if (!role->is_string() || (role->get<std::string>() != "user" &&
                               role->get<std::string>() != "assistant")) {
      return absl::StrCat(at, ".role: Input should be 'user' or 'assistant'");
    }
    auto content = m.find("content");
    if (content == m.end()) return absl::StrCat(at, ".content: Field required");
    std::string error;
    const bool assistant = role->get<std::string>() == "assistant";
    anthropic::BlockContext context;
    context.assistant = assistant;
    context.previous_tool_use_ids = std::move(previous_tool_use_ids);
    std::optional<std::string> text =
        ContentText(*content, absl::StrCat(at, ".content"), &error, context);
    if (!text.has_value()) return error;
    previous_tool_use_ids = std::move(context.tool_use_ids);
    const bool last = i + 1 == messages->size();
    if (content->is_string() ? text->empty() : content->empty()) {
      if (!(last && assistant)) {
        return absl::StrCat(at,
                            ": all messages must have non-empty content "
                            "except for the optional final assistant "
                            "message");
      }
    }
    if (!assistant) g->last_user_text = *text;
    g->message_texts.push_back(*std::move(text));
  }

  for (const char* name : {"temperature", "top_p"}) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_number()) return absl::StrCat(name, ": ", Expected("number"));
    const double v = it->get<double>();
    if (v < 0 || v > 1) return absl::StrCat(name, ": range: 0..1");
  }
  auto has = [&body](const char* name) {
    auto it = body.find(name);
    return it != body.end() && !it->is_null();
  };
  if (has("temperature") && has("top_p") &&
      OneSamplingParameterOnly(g->model)) {
    return std::string(
        "`temperature` and `top_p` cannot both be specified for this model. "
        "Please use only one.");
  }
  auto top_k = body.find("top_k");
  if (top_k != body.end() && !top_k->is_null()) {
    if (!top_k->is_number_integer()) {
      return absl::StrCat("top_k: ", Expected("integer"));
    }
    if (top_k->get<int64_t>() < 0) {
      return std::string("top_k: Input should be greater than or equal to 0");
    }
  }
  auto stop = body.find("stop_sequences");
  if (stop != body.end() && !stop->is_null()) {
    if (!stop->is_array()) {
      return absl::StrCat("stop_sequences: ", Expected("list"));
    }
    for (size_t i = 0; i < stop->size(); ++i) {
      const json& s = (*stop)[i];
      if (!s.is_string()) {
        return absl::StrCat("stop_sequences.", i, ": ", Expected("string"));
      }
      if (absl::StripAsciiWhitespace(s.get<std::string>()).empty()) {
        return std::string(
            "stop_sequences: each stop sequence must contain non-whitespace");
      }
    }
  }
  auto stream = body.find("stream");
  if (stream != body.end() && !stream->is_null()) {
    if (!stream->is_boolean()) {
      return absl::StrCat("stream: ", Expected("boolean"));
    }
    g->stream = stream->get<bool>();
  }
  return anthropic::CheckOptions(body);
}

// The stop sequence reported with stop_reason "stop_sequence".
ojson MatchedStopSequence(const GenerationRequest& req,
                          absl::string_view stop_reason) {
  if (stop_reason != "stop_sequence") return nullptr;
  auto stop = req.body.find("stop_sequences");
  if (stop == req.body.end() || !stop->is_array() || stop->empty() ||
      !(*stop)[0].is_string()) {
    return nullptr;
  }
  return (*stop)[0].get<std::string>();
}

using anthropic::Event;
using anthropic::UsageJson;

class MessagesRenderer : public GenerationRenderer {
 public:
  HttpReply Reply(const GenerationRequest& req,
                  const Generation& gen) const override {
    const std::string stop_reason = anthropic::StopReason(gen);
    ojson content = ojson::array();
    if (!gen.text.empty()) {
      content.push_back({{"type", "text"}, {"text", gen.text}});
    }
    for (ojson& block : anthropic::ToolUseBlocks(gen)) {
      content.push_back(std::move(block));
    }
    ojson body = {{"id", MessageId(req.seq)},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", req.model},
                  {"content", std::move(content)},
                  {"stop_reason", stop_reason},
                  {"stop_sequence", MatchedStopSequence(req, stop_reason)},
                  {"usage", UsageJson(gen.usage, gen.usage.completion_tokens)}};
    if (gen.refusal.has_value()) {
      body["stop_details"] = anthropic::StopDetails(gen);
    }
    HttpReply r;
    r.body = body.dump();
    r.headers = SuccessHeaders(req.seq);
    return r;
  }

  StreamScript Stream(const GenerationRequest& req,
                      const Generation& gen) const override {
    const std::string stop_reason = anthropic::StopReason(gen);
    StreamScript s;
    s.content_type = "text/event-stream; charset=utf-8";
    s.headers = SuccessHeaders(req.seq);
    s.headers.emplace_back("cache-control", "no-cache");
    ojson message = {
        {"id", MessageId(req.seq)},  {"type", "message"},
        {"role", "assistant"},       {"model", req.model},
        {"content", ojson::array()}, {"stop_reason", nullptr},
        {"stop_sequence", nullptr},  {"usage", UsageJson(gen.usage, 1)}};
    s.head.push_back(Event("message_start", {{"type", "message_start"},
                                             {"message", std::move(message)}}));
    s.head.push_back(
        Event("content_block_start",
              {{"type", "content_block_start"},
               {"index", 0},
               {"content_block", {{"type", "text"}, {"text", ""}}}}));
    s.head.push_back(kPing);
    s.deltas.reserve(gen.deltas.size());
    for (const std::string& d : gen.deltas) {
      s.deltas.push_back(
          Event("content_block_delta",
                {{"type", "content_block_delta"},
                 {"index", 0},
                 {"delta", {{"type", "text_delta"}, {"text", d}}}}));
    }
    s.tail.push_back(Event("content_block_stop",
                           {{"type", "content_block_stop"}, {"index", 0}}));
    for (std::string& event : anthropic::ToolCallEvents(gen, 1)) {
      s.tail.push_back(std::move(event));
    }
    ojson delta = {{"stop_reason", stop_reason},
                   {"stop_sequence", MatchedStopSequence(req, stop_reason)}};
    if (gen.refusal.has_value()) {
      delta["stop_details"] = anthropic::StopDetails(gen);
    }
    // Only the output count: the input counts came with message_start.
    s.tail.push_back(
        Event("message_delta",
              {{"type", "message_delta"},
               {"delta", std::move(delta)},
               {"usage", {{"output_tokens", gen.usage.completion_tokens}}}}));
    s.tail.push_back(Event("message_stop", {{"type", "message_stop"}}));
    s.keep_alive = kPing;
    // Cut off inside the JSON of a text delta.
    s.malformed =
        "event: content_block_delta\n"
        "data: {\"type\":\"content_block_delta\",\"index\":0,"
        "\"delta\":{\"type\":\"text_delta\",\"text\":\"Ech\n\n";
    return s;
  }

  HttpReply Error(const GenerationRequest& req, int status) const override {
    const int64_t seq = req.seq;
    switch (status) {
      case 400:
        return InvalidRequest(
            "Your request was malformed or is missing some required "
            "parameters (HTTP 400).",
            seq);
      case 401:
        return ErrorReply(status, "authentication_error", "invalid x-api-key",
                          seq);
      case 402:
        return ErrorReply(status, "billing_error",
                          "There is an issue with your billing or payment "
                          "information.",
                          seq);
      case 403:
        return ErrorReply(status, "permission_error",
                          "Your API key does not have permission to use the "
                          "specified resource.",
                          seq);
      case 404:
        return ModelNotFound(req.model, seq);
      case 409:
        return ErrorReply(status, "conflict_error",
                          "The request conflicts with another request.", seq);
      case 413:
        return ErrorReply(status, "request_too_large",
                          "Request exceeds the maximum allowed number of "
                          "bytes. The maximum request size is 32 MB for "
                          "standard API endpoints.",
                          seq);
      case 429: {
        HttpReply r = ErrorReply(
            status, "rate_limit_error",
            absl::StrCat("This request would exceed the rate limit for your "
                         "organization (",
                         kOrganizationId,
                         ") of 50 requests per minute. For details, refer to: "
                         "https://docs.claude.com/en/api/rate-limits. You can "
                         "see the response headers for current usage. Please "
                         "reduce the prompt length or the maximum tokens "
                         "requested, or try again later. You may also contact "
                         "sales at https://www.anthropic.com/contact-sales to "
                         "discuss your options for a rate limit increase."),
            seq);
        const std::string reset = Rfc3339(absl::Now() + absl::Seconds(1));
        r.headers.insert(r.headers.end(),
                         {{"retry-after", "1"},
                          {"anthropic-ratelimit-requests-limit", "50"},
                          {"anthropic-ratelimit-requests-remaining", "0"},
                          {"anthropic-ratelimit-requests-reset", reset}});
        return r;
      }
      case 500:
        return ErrorReply(status, "api_error", "Internal server error", seq);
      case 504:
        return ErrorReply(status, "timeout_error",
                          "Request timed out while processing.", seq);
      case 529:
        return ErrorReply(status, "overloaded_error", "Overloaded", seq);
      default:
        if (status >= 500) {
          return ErrorReply(
              status, "api_error",
              absl::StrCat("Internal server error (HTTP ", status, ")"), seq);
        }
        return ErrorReply(status, "invalid_request_error",
                          absl::StrCat("Request failed (HTTP ", status, ")."),
                          seq);
    }
  }

  // A reply cut off mid-string: starts like a message, never parses.
  std::string MalformedBody() const override {
    return R"({"id":"msg_malformed","type":"message","role":"assistant",)"
           R"("content":[{"type":"text","text":"Echo)";
  }

 private:
  static constexpr char kPing[] = "event: ping\ndata: {\"type\": \"ping\"}\n\n";
};

class AnthropicFormat : public WireFormat {
 public:
  std::string BasePath() const override { return "/v1"; }

  void RegisterRoutes(Routes& routes) override {
    routes.Post("/v1/messages", [this](Exchange& ex) { Messages(ex); });
  }

 private:
  // The 401 reply for a request without a usable key, if any.
  static std::optional<HttpReply> CheckAuth(Exchange& ex) {
    std::optional<std::string> key = ex.Header("x-api-key");
    if (!key.has_value()) {
      if (ex.Header("authorization").has_value()) {
        return ErrorReply(401, "authentication_error", "invalid bearer token",
                          ex.seq());
      }
      if (!ex.upstream().options().require_api_key) return std::nullopt;
      return ErrorReply(401, "authentication_error",
                        "x-api-key header is required", ex.seq());
    }
    if (key->empty() || absl::StartsWith(*key, "invalid")) {
      return ErrorReply(401, "authentication_error", "invalid x-api-key",
                        ex.seq());
    }
    return std::nullopt;
  }

  static std::optional<HttpReply> CheckVersion(Exchange& ex) {
    std::optional<std::string> version = ex.Header("anthropic-version");
    if (!version.has_value()) {
      return InvalidRequest("anthropic-version: header is required", ex.seq());
    }
    if (*version != "2023-06-01" && *version != "2023-01-01") {
      return InvalidRequest(
          absl::StrCat("anthropic-version: \"", *version,
                       "\" is not a valid version (supported: 2023-06-01, "
                       "2023-01-01)"),
          ex.seq());
    }
    return std::nullopt;
  }

  void Messages(Exchange& ex) const {
    if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
    if (std::optional<HttpReply> err = CheckVersion(ex)) return ex.Send(*err);
    absl::StatusOr<json> body = ex.JsonBody();
    if (!body.ok() || !body->is_object()) {
      return ex.Send(InvalidRequest(
          "There was an error parsing the body of your request: it must be a "
          "JSON object.",
          ex.seq()));
    }
    GenerationRequest g;
    if (std::optional<std::string> err = ParseMessagesRequest(*body, &g)) {
      return ex.Send(InvalidRequest(*err, ex.seq()));
    }
    if (ModelMissing(g.model)) return ex.Send(ModelNotFound(g.model, ex.seq()));
    g.body = *std::move(body);
    ex.Generate(std::move(g), renderer_);
  }

  MessagesRenderer renderer_;
};

FAKE_UPSTREAM_REGISTER_WIRE_FORMAT("anthropic", AnthropicFormat);

}  // namespace
}  // namespace llmgw::fake_upstream
