// Cohere's v2 Chat API, as docs.cohere.com documents it (reference/chat,
// reference/chat-stream, v2/docs/streaming, reference/errors) and as the v2
// types of the official Python SDK spell it.
//
// Routes (base URL "<url>/v2", like https://api.cohere.com/v2):
//   POST /v2/chat   the generation endpoint, streamed when the body says
//                   "stream": true (runs the behaviour script).
//   POST /v2/embed  embeddings (cohere_embed.cc has its checks and reply).
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
//   5b. Rich contract (cohere_request.cc): content parts are text,
//      image_url ({"url"} an http(s) URL or a base64 data URI of image/jpeg,
//      png, webp or gif; user messages only; models whose id has "vision"
//      only) or document; assistant "tool_calls" are [{id, type:"function",
//      function:{name, arguments: a JSON string}}]; a tool message's
//      tool_call_id must match a call of an earlier assistant message;
//      "tools" [{type:"function", function:{name (unique), description?,
//      parameters (object)}}]; "tool_choice" REQUIRED (needs tools) or
//      NONE; "strict_tools" boolean; "response_format" {"type": "text" |
//      "json_object", "json_schema"? object}, not with tools; "seed"
//      integer; presence/frequency_penalty in [0, 1]; OpenAI-only fields
//      (parallel_tool_calls, user, functions, ...) are 400.
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
// No "[DONE]" sentinel: message-end is the last event.
// With Behavior tool calls: the reply's message has "tool_plan" (the text)
// and "tool_calls" (finish_reason TOOL_CALL); the stream sends
// tool-plan-delta events (one per word) instead of content events, then per
// call tool-call-start (id, name, arguments ""), tool-call-delta (the
// arguments in three pieces) and tool-call-end. A refusal is sent as the
// text (Cohere has no refusal field); a block_reason becomes the
// finish_reason with empty text. Usage cached_tokens > 0 adds
// usage.cached_tokens. kMalformed replaces
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

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/cohere/cohere_fake.h"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream {
namespace {

using namespace cohere_fake;  // NOLINT: this format's own helpers
using nlohmann::json;
using ojson = nlohmann::ordered_json;

// Prompt-template tokens Cohere counts in usage.tokens but does not bill.
constexpr int64_t kTemplateTokens = 8;
constexpr int64_t kTemplateTokensPerMessage = 4;

std::string MessageId(int64_t seq) {
  return absl::StrFormat("c0e4e5a1-9f3b-4c2d-8e7f-%012d", seq);
}

ojson UsageJson(const GenerationRequest& req, const Usage& u) {
  const int64_t template_tokens =
      kTemplateTokens + kTemplateTokensPerMessage *
                            static_cast<int64_t>(req.message_texts.size());
  ojson usage = {{"billed_units",
                  {{"input_tokens", u.prompt_tokens},
                   {"output_tokens", u.completion_tokens}}},
                 {"tokens",
                  {{"input_tokens", u.prompt_tokens + template_tokens},
                   {"output_tokens", u.completion_tokens}}}};
  if (u.cached_tokens > 0) usage["cached_tokens"] = u.cached_tokens;
  return usage;
}

std::string Event(const std::string& type, const ojson& data) {
  return absl::StrCat("event: ", type, "\ndata: ", data.dump(), "\n\n");
}

// What the message says: a refusal replaces the text (Cohere has no refusal
// field; the model just says it), a block sends no text at all.
std::string AnswerText(const Generation& gen) {
  if (gen.block_reason.has_value()) return "";
  return gen.refusal.value_or(gen.text);
}

std::string Finish(const Generation& gen) {
  if (gen.finish_reason_override.has_value()) {
    return *gen.finish_reason_override;
  }
  if (gen.block_reason.has_value()) return *gen.block_reason;
  if (!gen.tool_calls.empty()) return "TOOL_CALL";
  return gen.FinishReason("COMPLETE", "MAX_TOKENS");
}

ojson ToolCallJson(const FakeToolCall& call, const std::string& arguments) {
  return {{"id", call.id},
          {"type", "function"},
          {"function", {{"name", call.name}, {"arguments", arguments}}}};
}

// `text` in three pieces (fewer when shorter), concatenating to it.
std::vector<std::string> ArgumentPieces(const std::string& text) {
  std::vector<std::string> pieces;
  const size_t step = std::max<size_t>(1, (text.size() + 2) / 3);
  for (size_t i = 0; i < text.size(); i += step) {
    pieces.push_back(text.substr(i, step));
  }
  return pieces;
}

// The tool-call-start / -delta / -end events of every call.
std::vector<std::string> ToolCallEvents(const Generation& gen) {
  std::vector<std::string> events;
  for (size_t i = 0; i < gen.tool_calls.size(); ++i) {
    const FakeToolCall& call = gen.tool_calls[i];
    events.push_back(Event(
        "tool-call-start",
        {{"type", "tool-call-start"},
         {"index", i},
         {"delta", {{"message", {{"tool_calls", ToolCallJson(call, "")}}}}}}));
    for (const std::string& piece : ArgumentPieces(call.arguments_json)) {
      events.push_back(Event(
          "tool-call-delta",
          {{"type", "tool-call-delta"},
           {"index", i},
           {"delta",
            {{"message",
              {{"tool_calls", {{"function", {{"arguments", piece}}}}}}}}}}));
    }
    events.push_back(
        Event("tool-call-end", {{"type", "tool-call-end"}, {"index", i}}));
  }
  return events;
}

class ChatRenderer : public GenerationRenderer {
 public:
  // With tool calls the text is the model's tool_plan, as Cohere sends it.
  HttpReply Reply(const GenerationRequest& req,
                  const Generation& gen) const override {
    ojson message = {{"role", "assistant"}};
    if (gen.tool_calls.empty()) {
      message["content"] =
          ojson::array({{{"type", "text"}, {"text", AnswerText(gen)}}});
    } else {
      message["tool_plan"] = gen.text;
      ojson calls = ojson::array();
      for (const FakeToolCall& c : gen.tool_calls) {
        calls.push_back(ToolCallJson(c, c.arguments_json));
      }
      message["tool_calls"] = std::move(calls);
    }
    ojson body = {{"id", MessageId(req.seq)},
                  {"finish_reason", Finish(gen)},
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
    const bool tools = !gen.tool_calls.empty();
    if (!tools) {
      s.head.push_back(Event(
          "content-start",
          {{"type", "content-start"},
           {"index", 0},
           {"delta",
            {{"message", {{"content", {{"type", "text"}, {"text", ""}}}}}}}}));
    }
    const std::vector<std::string> deltas =
        tools ? gen.deltas : SplitDeltas(AnswerText(gen));
    for (const std::string& d : deltas) {
      s.deltas.push_back(
          tools ? Event("tool-plan-delta",
                        {{"type", "tool-plan-delta"},
                         {"delta", {{"message", {{"tool_plan", d}}}}}})
                : Event("content-delta",
                        {{"type", "content-delta"},
                         {"index", 0},
                         {"delta",
                          {{"message", {{"content", {{"text", d}}}}}}}}));
    }
    if (tools) {
      s.tail = ToolCallEvents(gen);
    } else {
      s.tail.push_back(
          Event("content-end", {{"type", "content-end"}, {"index", 0}}));
    }
    s.tail.push_back(
        Event("message-end", {{"type", "message-end"},
                              {"delta",
                               {{"finish_reason", Finish(gen)},
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
    routes.Post("/v2/embed", [](Exchange& ex) { Embed(ex); });
  }

 private:
  void Chat(Exchange& ex) const {
    if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
    json body;
    if (std::optional<HttpReply> err = CheckJsonBody(ex, &body)) {
      return ex.Send(*err);
    }
    GenerationRequest g;
    if (std::optional<std::string> err = ParseChatRequest(body, &g)) {
      return ex.Send(BadRequest(*err, ex.seq()));
    }
    if (ModelMissing(g.model)) {
      return ex.Send(ErrorReply(404, ModelNotFoundMessage(g.model), ex.seq()));
    }
    g.body = std::move(body);
    ex.Generate(std::move(g), renderer_);
  }

  ChatRenderer renderer_;
};

FAKE_UPSTREAM_REGISTER_WIRE_FORMAT("cohere", CohereFormat);

}  // namespace
}  // namespace llmgw::fake_upstream
