// Cohere's v2 Chat API, as docs.cohere.com documents it (reference/chat,
// reference/chat-stream, v2/docs/streaming, reference/errors) and as the v2
// types of the official Python SDK spell it.
//
// Routes (base URL "<url>/v2", like https://api.cohere.com/v2):
//   POST /v2/chat   the generation endpoint, streamed when the body says
//                   "stream": true (runs the behaviour script).
//
// Checks, in this order, before any behaviour is consumed; every error is
// Cohere's {"message": "..."} body:
//   1. "Authorization: Bearer <key>" present, else 401 "no api key
//      supplied". Keys starting with "invalid" get 401 "invalid api token".
//      (FakeUpstreamOptions::require_api_key = false accepts a request that
//      sends no Authorization at all.)
//   2. Content-Type application/json, and a JSON object body, else 400.
//   3. "model": a non-empty string, else 400 "model is required".
//   4. "messages": a non-empty array of objects whose "role" is system, user,
//      assistant or tool. user/system need "content"; assistant needs
//      "content" or "tool_calls"; tool needs "tool_call_id" and "content".
//      "content" is a string or an array of content objects
//      ({"type": "text", "text": ...}). An empty text content is 400
//      "message must not be empty in a turn"; a system message after a
//      user/assistant/tool message is 400 "system turn must be the first in
//      the list" (both from the errors reference).
//   5. "stream" boolean (default false); "max_tokens" integer >= 1;
//      "temperature" in [0, 1] (the errors reference's "invalid request:
//      temperature must be between 0 and 1.0 inclusive."; the chat
//      reference only says non-negative); "p" in [0.01, 0.99] and "k" in
//      [0, 500] (chat reference); "stop_sequences" an array of at most 5
//      strings (chat reference). OpenAI-style names the v2 API
//      does not have ("top_p", "stop", "max_completion_tokens",
//      "stream_options") and the v1 chat fields ("message", "chat_history",
//      "preamble") are rejected with 400. That is stricter than the
//      reference says (it does not say unknown fields are refused), on
//      purpose: a codec that sends them fails loudly.
//   6. Model "does-not-exist" or "unknown-*": 404 "model '<m>' not found,
//      make sure the correct model ID was used and that you have access to
//      the model."
//
// Replies: non-stream
//   {"id":"<uuid>","finish_reason":"COMPLETE"|"MAX_TOKENS",
//    "message":{"role":"assistant","content":[{"type":"text","text":<text>}]},
//    "usage":{"billed_units":{"input_tokens":P,"output_tokens":C},
//             "tokens":{"input_tokens":P+T,"output_tokens":C}}}
// where P / C are the core's deterministic counts (what Cohere bills) and
// T = 4 per message + 8 is the prompt template Cohere adds to "tokens" but
// does not bill, so a client that takes "tokens" for billing is caught.
// Stream (text/event-stream), each event "event: <type>\ndata: <json>\n\n"
// with "type" repeated inside the JSON:
//   message-start {"id", "type", "delta":{"message":{"role":"assistant",
//     "content":[],"tool_plan":"","tool_calls":[],"citations":[]}}}
//   content-start {"type","index":0,"delta":{"message":{"content":
//     {"type":"text","text":""}}}}
//   content-delta {"type","index":0,"delta":{"message":{"content":
//     {"text":<delta>}}}}   one per word
//   content-end   {"type","index":0}
//   message-end   {"type","delta":{"finish_reason":..,"usage":{..}}}
// No "[DONE]" sentinel: message-end is the last event. kMalformed replaces
// the content deltas with one content-delta whose JSON is cut off.
//
// Injected errors (kHttpError without a body) use Cohere's {"message"}
// body. Verbatim examples from the errors reference: 400 "invalid request:
// message must be at least 1 token long or tool results must be
// specified.", 401 "invalid api token", 404 "model '<m>' not found, ...",
// 429 "You are past the per minute request limit, please wait and try again
// later.", 499 "request cancelled". The reference gives only the status for
// 402 (billing), 403, 422, 498 (invalid token), 500, 501, 503 (Cohere's
// "service unavailable", its overloaded status) and 504; their wording here
// is the fake's own. Other statuses get a generic body of the same shape.
// Cohere documents no Retry-After header; a test that wants one adds it with
// Behavior::WithHeader. Every reply carries an "x-debug-trace-id" header.

#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

// Prompt-template tokens Cohere counts in usage.tokens but does not bill.
constexpr int64_t kTemplateTokens = 8;
constexpr int64_t kTemplateTokensPerMessage = 4;

std::string MessageBody(absl::string_view message) {
  return ojson{{"message", std::string(message)}}.dump();
}

std::string TraceId(int64_t seq) {
  return absl::StrFormat("fa4e%028x", static_cast<uint64_t>(seq));
}

// Headers Cohere sends with every reply.
HeaderList CommonHeaders(int64_t seq) {
  return {{"x-debug-trace-id", TraceId(seq)}};
}

HttpReply ErrorReply(int status, absl::string_view message, int64_t seq) {
  HttpReply r;
  r.status = status;
  r.body = MessageBody(message);
  r.headers = CommonHeaders(seq);
  return r;
}

HttpReply BadRequest(absl::string_view message, int64_t seq) {
  return ErrorReply(400, message, seq);
}

bool ModelMissing(absl::string_view model) {
  return model == "does-not-exist" || absl::StartsWith(model, "unknown-");
}

std::string ModelNotFoundMessage(absl::string_view model) {
  return absl::StrCat("model '", model,
                      "' not found, make sure the correct model ID was used "
                      "and that you have access to the model.");
}

std::string TypeName(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

std::string InvalidType(absl::string_view field, absl::string_view expected,
                        const json& got) {
  return absl::StrCat("invalid request: ", field, " must be ", expected,
                      ", got ", TypeName(got), ".");
}

// The text of a message's content: a string, or the text of an array's
// {"type": "text"} parts joined with spaces. Sets *error on a bad shape.
std::string ContentText(const json& content, absl::string_view at,
                        std::optional<std::string>* error) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) {
    *error = InvalidType(absl::StrCat(at, ".content"),
                         "a string or an array of content objects", content);
    return "";
  }
  std::vector<std::string> parts;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string part_at = absl::StrCat(at, ".content[", i, "]");
    if (!part.is_object()) {
      *error = InvalidType(part_at, "an object", part);
      return "";
    }
    auto type = part.find("type");
    if (type == part.end() || !type->is_string()) {
      *error = absl::StrCat("invalid request: ", part_at, ".type is required.");
      return "";
    }
    if (*type == "text") {
      auto text = part.find("text");
      if (text == part.end() || !text->is_string()) {
        *error = absl::StrCat("invalid request: ", part_at,
                              ".text must be a string.");
        return "";
      }
      parts.push_back(text->get<std::string>());
    }
  }
  return absl::StrJoin(parts, " ");
}

// Validates "messages"; fills `g`. Returns the error message if bad.
std::optional<std::string> ParseMessages(const json& body,
                                         GenerationRequest* g) {
  auto it = body.find("messages");
  if (it == body.end() || it->is_null()) {
    return "invalid request: messages is required.";
  }
  const json& messages = *it;
  if (!messages.is_array()) {
    return InvalidType("messages", "an array", messages);
  }
  if (messages.empty()) {
    return "invalid request: messages must contain at least one message.";
  }
  bool seen_turn = false;
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    const std::string at = absl::StrCat("messages[", i, "]");
    if (!m.is_object()) return InvalidType(at, "an object", m);
    auto role = m.find("role");
    const std::string role_name =
        role != m.end() && role->is_string() ? role->get<std::string>() : "";
    if (role_name != "system" && role_name != "user" &&
        role_name != "assistant" && role_name != "tool") {
      const std::string shown =
          role == m.end() || role->is_null()
              ? std::string()
              : (role->is_string() ? role_name : role->dump());
      return absl::StrCat("invalid request: invalid role '", shown, "' at ", at,
                          ". Role must be one of: system, user, assistant, "
                          "tool.");
    }
    if (role_name == "system") {
      if (seen_turn) return "system turn must be the first in the list";
    } else {
      seen_turn = true;
    }
    auto content = m.find("content");
    const bool has_content = content != m.end() && !content->is_null();
    if (role_name == "tool" && !m.contains("tool_call_id")) {
      return absl::StrCat("invalid request: ", at,
                          ".tool_call_id is required for tool messages.");
    }
    if (!has_content &&
        !(role_name == "assistant" && m.contains("tool_calls"))) {
      return absl::StrCat("invalid request: ", at, ".content is required.");
    }
    std::string text;
    if (has_content) {
      std::optional<std::string> error;
      text = ContentText(*content, at, &error);
      if (error.has_value()) return error;
      if (content->is_string() && text.empty()) {
        return "message must not be empty in a turn";
      }
    }
    if (role_name == "user") g->last_user_text = text;
    g->message_texts.push_back(std::move(text));
  }
  return std::nullopt;
}

// A number field within [lo, hi]; `range` describes it for the message.
std::optional<std::string> CheckRange(const json& body, const char* name,
                                      double lo, double hi,
                                      absl::string_view range) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) return InvalidType(name, "a number", *it);
  const double v = it->get<double>();
  if (std::isnan(v) || v < lo || v > hi) {
    return absl::StrCat("invalid request: ", name, " must be between ", range,
                        " inclusive.");
  }
  return std::nullopt;
}

// Validates a chat body; fills `g`. Returns the error message if bad.
std::optional<std::string> ParseChatRequest(const json& body,
                                            GenerationRequest* g) {
  auto model = body.find("model");
  if (model == body.end() || model->is_null() ||
      (model->is_string() && model->get<std::string>().empty())) {
    return "model is required";
  }
  if (!model->is_string()) return InvalidType("model", "a string", *model);
  g->model = model->get<std::string>();
  if (std::optional<std::string> err = ParseMessages(body, g)) return err;
  // Parameters of other APIs: Cohere v2 names them differently.
  for (const char* foreign :
       {"top_p", "stop", "max_completion_tokens", "stream_options", "message",
        "chat_history", "preamble"}) {
    if (body.contains(foreign)) {
      return absl::StrCat("invalid request: unknown field '", foreign,
                          "' for the v2 chat API.");
    }
  }
  auto stream = body.find("stream");
  if (stream != body.end() && !stream->is_null()) {
    if (!stream->is_boolean()) {
      return InvalidType("stream", "a boolean", *stream);
    }
    g->stream = stream->get<bool>();
  }
  auto max_tokens = body.find("max_tokens");
  if (max_tokens != body.end() && !max_tokens->is_null()) {
    if (!max_tokens->is_number_integer()) {
      return InvalidType("max_tokens", "an integer", *max_tokens);
    }
    if (max_tokens->get<int64_t>() < 1) {
      return "invalid request: max_tokens must be at least 1.";
    }
    g->max_tokens = max_tokens->get<int64_t>();
  }
  if (auto err = CheckRange(body, "temperature", 0.0, 1.0, "0 and 1.0")) {
    return err;
  }
  if (auto err = CheckRange(body, "p", 0.01, 0.99, "0.01 and 0.99")) {
    return err;
  }
  if (auto err = CheckRange(body, "k", 0, 500, "0 and 500")) return err;
  auto stops = body.find("stop_sequences");
  if (stops != body.end() && !stops->is_null()) {
    if (!stops->is_array()) {
      return InvalidType("stop_sequences", "an array of strings", *stops);
    }
    if (stops->size() > 5) {
      return absl::StrCat(
          "invalid request: stop_sequences can contain at most 5 sequences - "
          "received ",
          stops->size(), ".");
    }
    for (const json& s : *stops) {
      if (!s.is_string()) {
        return InvalidType("stop_sequences", "an array of strings", *stops);
      }
    }
  }
  return std::nullopt;
}

std::string MessageId(int64_t seq) {
  return absl::StrFormat("c0e4e5a1-9f3b-4c2d-8e7f-%012d", seq);
}

ojson UsageJson(const GenerationRequest& req, const Usage& u) {
  const int64_t template_tokens =
      kTemplateTokens + kTemplateTokensPerMessage *
                            static_cast<int64_t>(req.message_texts.size());
  return {{"billed_units",
           {{"input_tokens", u.prompt_tokens},
            {"output_tokens", u.completion_tokens}}},
          {"tokens",
           {{"input_tokens", u.prompt_tokens + template_tokens},
            {"output_tokens", u.completion_tokens}}}};
}

std::string Event(const std::string& type, const ojson& data) {
  return absl::StrCat("event: ", type, "\ndata: ", data.dump(), "\n\n");
}

class ChatRenderer : public GenerationRenderer {
 public:
  HttpReply Reply(const GenerationRequest& req,
                  const Generation& gen) const override {
    ojson text_part = {{"type", "text"}, {"text", gen.text}};
    ojson message = {{"role", "assistant"},
                     {"content", ojson::array({std::move(text_part)})}};
    ojson body = {{"id", MessageId(req.seq)},
                  {"finish_reason", gen.FinishReason("COMPLETE", "MAX_TOKENS")},
                  {"message", std::move(message)},
                  {"usage", UsageJson(req, gen.usage)}};
    HttpReply r;
    r.body = body.dump();
    r.headers = CommonHeaders(req.seq);
    return r;
  }

  StreamScript Stream(const GenerationRequest& req,
                      const Generation& gen) const override {
    StreamScript s;
    s.headers = CommonHeaders(req.seq);
    s.headers.emplace_back("cache-control", "no-cache");
    ojson start_message = {{"role", "assistant"},
                           {"content", ojson::array()},
                           {"tool_plan", ""},
                           {"tool_calls", ojson::array()},
                           {"citations", ojson::array()}};
    s.head.push_back(Event(
        "message-start", {{"id", MessageId(req.seq)},
                          {"type", "message-start"},
                          {"delta", {{"message", std::move(start_message)}}}}));
    s.head.push_back(Event(
        "content-start",
        {{"type", "content-start"},
         {"index", 0},
         {"delta",
          {{"message", {{"content", {{"type", "text"}, {"text", ""}}}}}}}}));
    s.deltas.reserve(gen.deltas.size());
    for (const std::string& d : gen.deltas) {
      s.deltas.push_back(
          Event("content-delta",
                {{"type", "content-delta"},
                 {"index", 0},
                 {"delta", {{"message", {{"content", {{"text", d}}}}}}}}));
    }
    s.tail.push_back(
        Event("content-end", {{"type", "content-end"}, {"index", 0}}));
    s.tail.push_back(
        Event("message-end",
              {{"type", "message-end"},
               {"delta",
                {{"finish_reason", gen.FinishReason("COMPLETE", "MAX_TOKENS")},
                 {"usage", UsageJson(req, gen.usage)}}}}));
    s.malformed =
        "event: content-delta\n"
        "data: {\"type\":\"content-delta\",\"index\":0,\"delta\":"
        "{\"message\":{\"content\":{\"text\":\"Echo\n\n";
    return s;
  }

  HttpReply Error(const GenerationRequest& req, int status) const override {
    std::string message;
    switch (status) {
      case 400:
        message =
            "invalid request: message must be at least 1 token long or tool "
            "results must be specified.";
        break;
      case 401:
        message = "invalid api token";
        break;
      case 402:
        message =
            "Please add or update your payment method at "
            "https://dashboard.cohere.com/billing?tab=payment to continue";
        break;
      case 403:
        message = "You do not have permission to access this resource.";
        break;
      case 404:
        message = ModelNotFoundMessage(req.model);
        break;
      case 422:
        message =
            "unprocessable entity: the request could not be processed as "
            "sent.";
        break;
      case 429:
        message =
            "You are past the per minute request limit, please wait and try "
            "again later.";
        break;
      case 498:
        message = "invalid api token";
        break;
      case 499:
        message = "request cancelled";
        break;
      case 500:
        message = absl::StrCat(
            "internal server error, this has been reported to our "
            "developers. id ",
            TraceId(req.seq));
        break;
      case 501:
        message = "not implemented";
        break;
      case 503:
        message =
            "service unavailable: the model is overloaded, please try again "
            "later.";
        break;
      case 504:
        message = "gateway timeout: the request took too long to process.";
        break;
      default:
        message = status >= 500
                      ? absl::StrCat("internal server error (HTTP ", status,
                                     "), please try again later.")
                      : absl::StrCat("invalid request (HTTP ", status, ").");
        break;
    }
    return ErrorReply(status, message, req.seq);
  }

  // A reply cut off mid-string: starts like a chat response, never parses.
  std::string MalformedBody() const override {
    return R"({"id":"c0e4e5a1-malformed","finish_reason":"COMPLETE",)"
           R"("message":{"role":"assistant","content":[{"type":"text",)"
           R"("text":"Echo)";
  }
};

class CohereFormat : public WireFormat {
 public:
  std::string BasePath() const override { return "/v2"; }

  void RegisterRoutes(Routes& routes) override {
    routes.Post("/v2/chat", [this](Exchange& ex) { Chat(ex); });
  }

 private:
  // The 401 reply for a request without a usable key, if any.
  static std::optional<HttpReply> CheckAuth(Exchange& ex) {
    std::optional<std::string> auth = ex.Header("Authorization");
    if (!auth.has_value() && !ex.upstream().options().require_api_key) {
      return std::nullopt;
    }
    std::string key;
    if (auth.has_value() && absl::StartsWithIgnoreCase(*auth, "bearer ")) {
      key = std::string(
          absl::StripAsciiWhitespace(absl::string_view(*auth).substr(7)));
    }
    if (key.empty()) return ErrorReply(401, "no api key supplied", ex.seq());
    if (absl::StartsWith(key, "invalid")) {
      return ErrorReply(401, "invalid api token", ex.seq());
    }
    return std::nullopt;
  }

  void Chat(Exchange& ex) const {
    if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
    const std::string content_type =
        absl::AsciiStrToLower(ex.Header("Content-Type").value_or(""));
    if (!absl::StartsWith(content_type, "application/json")) {
      return ex.Send(BadRequest(
          "invalid request: Content-Type must be application/json.", ex.seq()));
    }
    absl::StatusOr<json> body = ex.JsonBody();
    if (!body.ok() || !body->is_object()) {
      return ex.Send(BadRequest(
          "invalid request: the request body must be a valid JSON object.",
          ex.seq()));
    }
    GenerationRequest g;
    if (std::optional<std::string> err = ParseChatRequest(*body, &g)) {
      return ex.Send(BadRequest(*err, ex.seq()));
    }
    if (ModelMissing(g.model)) {
      return ex.Send(ErrorReply(404, ModelNotFoundMessage(g.model), ex.seq()));
    }
    g.body = *std::move(body);
    ex.Generate(std::move(g), renderer_);
  }

  ChatRenderer renderer_;
};

FAKE_UPSTREAM_REGISTER_WIRE_FORMAT("cohere", CohereFormat);

}  // namespace
}  // namespace llmgw::fake_upstream
