// MiniMax ChatCompletion v2 (the native text API), as documented at
// platform.minimax.io/docs/api-reference/text-post (and .../text-chat,
// .../errorcode).
//
// Route (base URL "<url>/v1", as the default https://api.minimax.io/v1):
//   POST /v1/text/chatcompletion_v2   the generation endpoint.
//
// MiniMax reports failures IN-BAND: HTTP 200 with a "base_resp" whose
// status_code is not 0 (0 = success). This is also true of stream requests:
// the failure then arrives as a plain application/json body, not as an SSE
// event (LobeChat's MiniMax runtime parses the first chunk of a stream as
// bare JSON to catch it; users report the Content-Type switching from
// text/event-stream to application/json with a bare
// {"base_resp":{"status_code":1002,"status_msg":"rate limit exceeded(RPM)"}}).
//
// Checks, in this order, before any behaviour is consumed (each failure is
// an in-band HTTP 200 reply, application/json, also for stream requests):
//   1. "Authorization: Bearer <key>" (the only documented auth). Missing, or
//      a key starting with "invalid": {"base_resp": {"status_code": 1004,
//      "status_msg": "login fail: Please carry the API secret key in the
//      'Authorization' field of the request header"}}. With
//      require_api_key = false a request without the header is accepted.
//   2. "Content-Type: application/json" (a documented required header),
//      a JSON object body, "model" a string, "messages" a non-empty array
//      of {role, content, name?} with role system | user | assistant | tool
//      | user_system | group | sample_message_user | sample_message_ai and
//      content a string or an array of parts, "stream" a boolean,
//      "max_completion_tokens" / deprecated "max_tokens" integers >= 1,
//      "temperature" and "top_p" numbers in (0, 1], "stop" a string or an
//      array of at most 4 strings. Else code 2013 "invalid params, ...".
//   3. A model MiniMax does not serve (see kModels): code 2013
//      "invalid params, unknown model: <model>".
//      (MiniMax does not document the message for this case.)
//   4. Prompt tokens + max_completion_tokens over the model's context
//      window (MiniMax enforces input + max tokens <= window): code 2013
//      "invalid params, context window exceeds limit" (MiniMax's message).
// These bodies carry the fields MiniMax sends with a model-level failure
// (id, choices: null, created, model, object, usage, *_sensitive*). The
// upper bound of max_completion_tokens (2048 in the text-chat page, 128K
// output in the model cards) is not enforced.
//
// Replies (application/json):
//   {"id": <32 hex>, "choices": [{"finish_reason": "stop" | "length",
//    "index": 0, "message": {"content": <text>, "role": "assistant",
//    "name": "MiniMax AI", "audio_content": ""}}], "created": <unix>,
//    "model": <model>, "object": "chat.completion",
//    "usage": {"total_tokens", "total_characters": 0, "prompt_tokens",
//    "completion_tokens"}, "input_sensitive": false, "output_sensitive":
//    false, "input_sensitive_type": 0, "output_sensitive_type": 0,
//    "output_sensitive_int": 0, "base_resp": {"status_code": 0,
//    "status_msg": ""}}
// Streams (text/event-stream, data-only events "data: <json>\n\n", no
// "[DONE]"):
//   one "chat.completion.chunk" per content delta (choices[0].delta =
//   {content, role, name, audio_content}, the placeholder usage
//   {"total_tokens": 0, "total_characters": 0}); the last content chunk
//   carries the finish_reason (a chunk with empty content does when there
//   is no text); then one final "chat.completion" object repeating the
//   whole message in choices[0].message with the real usage and base_resp.
// Tool calls (Behavior tool_calls): the message carries OpenAI-shaped
// "tool_calls" [{id, type: "function", function: {name, arguments}}] and
// finish_reason "tool_calls"; streams send a delta with every call's index,
// id and name, then each call's arguments in two delta pieces, then the
// finish chunk and the final object repeating the whole message. "tools" and
// "tool_choice" (auto | none | a named function among the tools) are
// validated (code 2013 otherwise).
// A Behavior finish_reason override is sent verbatim; "content_filter"
// also sets output_sensitive: true and output_sensitive_type 7 ("other"),
// which is how MiniMax marks filtered output.
//
// Injected errors (kHttpError without a body). The core sends the
// behaviour's HTTP status; the body is MiniMax's base_resp for the
// condition that status stands for (code wins over status in clients):
//   200  1000 "unknown error"   (MiniMax's real in-band shape; pass `body`
//                                to choose another code)
//   400  2013 "invalid params, invalid chat setting"
//   401  1004 "login fail: Please carry the API secret key ..."
//   402  1008 "insufficient balance"
//   403  2049 "invalid api key"
//   404  text/plain "404 page not found" (MiniMax's front end for an
//        unknown path; unknown models are reported in-band, see check 3)
//   408  1001 "request timeout"
//   413  2013 "invalid params, context window exceeds limit"
//   429  1002 "rate limit exceeded(RPM)"
//   500  1000 "unknown error"
//   502  1033 "system error"
//   503  1024 "internal error"
//   504  1001 "request timeout"
//   529  1033 "system error" (the overloaded variant)
//   other 4xx 2013 "invalid params", other 5xx 1000 "unknown error".
// These bodies are the bare {"base_resp": {...}} MiniMax sends when it
// fails before reaching a model. MiniMax documents no Retry-After header;
// a test adds one with Behavior headers.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr char kNoKey[] =
    "login fail: Please carry the API secret key in the 'Authorization' "
    "field of the request header";
constexpr char kContextExceeded[] =
    "invalid params, context window exceeds limit";
constexpr int kMaxStop = 4;

// Models served, with their context windows (tokens).
struct Model {
  const char* name;
  int64_t context_window;
};
constexpr Model kModels[] = {
    {"MiniMax-M2.7", 204'800},      {"MiniMax-M2.7-highspeed", 204'800},
    {"MiniMax-M2.5", 204'800},      {"MiniMax-M2.5-highspeed", 204'800},
    {"MiniMax-M2.1", 204'800},      {"MiniMax-M2.1-highspeed", 204'800},
    {"MiniMax-M2", 204'800},        {"MiniMax-M1", 1'000'000},
    {"MiniMax-Text-01", 1'000'192}, {"abab6.5s-chat", 245'760},
};

const Model* FindModel(absl::string_view name) {
  for (const Model& m : kModels) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

std::string CompletionId(int64_t seq) {
  return absl::StrFormat("%032x", 0x6d6d000000000000ull + seq);
}

ojson BaseResp(int64_t code, absl::string_view message) {
  return {{"status_code", code}, {"status_msg", std::string(message)}};
}

// The sensitivity fields every MiniMax completion carries.
void AddSensitivity(ojson& body, bool output_sensitive) {
  body["input_sensitive"] = false;
  body["output_sensitive"] = output_sensitive;
  body["input_sensitive_type"] = 0;
  body["output_sensitive_type"] = output_sensitive ? 7 : 0;
  body["output_sensitive_int"] = 0;
}

// An in-band failure: HTTP 200, application/json.
HttpReply InBand(ojson body) {
  HttpReply r;
  r.status = 200;
  r.body = body.dump();
  return r;
}

// The bare envelope of a failure before any model ran (auth, limits).
HttpReply BareFailure(int64_t code, absl::string_view message) {
  return InBand(ojson{{"base_resp", BaseResp(code, message)}});
}

// A model-level failure, with the completion fields around base_resp.
HttpReply ModelFailure(int64_t seq, absl::string_view model, int64_t code,
                       absl::string_view message) {
  ojson body = {{"id", CompletionId(seq)},
                {"choices", nullptr},
                {"created", absl::ToUnixSeconds(absl::Now())},
                {"model", std::string(model)},
                {"object", "chat.completion"},
                {"usage", {{"total_tokens", 0}, {"total_characters", 0}}}};
  AddSensitivity(body, false);
  body["base_resp"] = BaseResp(code, message);
  return InBand(std::move(body));
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

// Text of a message content: a string, or the "text" of an array's parts
// joined with spaces.
std::string ContentText(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::vector<std::string> parts;
  for (const json& part : content) {
    auto text = part.find("text");
    if (text != part.end() && text->is_string()) {
      parts.push_back(text->get<std::string>());
    }
  }
  return absl::StrJoin(parts, " ");
}

// Validation of one request; an error is the status_msg of a 2013 reply.
class RequestParser {
 public:
  explicit RequestParser(GenerationRequest* g) : g_(g) {}

  std::optional<std::string> Parse(const json& body) {
    if (!body.is_object()) {
      return std::string("invalid params, request body must be a JSON object");
    }
    auto model = body.find("model");
    if (model == body.end() || model->is_null()) {
      return std::string("invalid params, model is required");
    }
    if (!model->is_string()) {
      return Invalid("model", "string", *model);
    }
    g_->model = model->get<std::string>();
    if (auto err = ParseMessages(body)) return err;
    if (auto err = ParseBool(body, "stream", &g_->stream)) return err;
    std::optional<int64_t> max_completion_tokens;
    std::optional<int64_t> max_tokens;
    if (auto err =
            ParseLimit(body, "max_completion_tokens", &max_completion_tokens)) {
      return err;
    }
    if (auto err = ParseLimit(body, "max_tokens", &max_tokens)) return err;
    g_->max_tokens =
        max_completion_tokens.has_value() ? max_completion_tokens : max_tokens;
    if (auto err = ParseSampling(body, "temperature")) return err;
    if (auto err = ParseSampling(body, "top_p")) return err;
    if (auto err = ParseTools(body)) return err;
    return ParseStop(body);
  }

 private:
  static std::string Invalid(absl::string_view field,
                             absl::string_view expected, const json& got) {
    return absl::StrCat("invalid params, ", field, " must be a ", expected,
                        ", got ", TypeName(got));
  }

  std::optional<std::string> ParseMessages(const json& body) {
    auto it = body.find("messages");
    if (it == body.end() || it->is_null()) {
      return std::string("invalid params, messages is required");
    }
    if (!it->is_array()) return Invalid("messages", "array", *it);
    if (it->empty()) return std::string("invalid params, messages is empty");
    static constexpr absl::string_view kRoles[] = {
        "system",      "user",  "assistant",           "tool",
        "user_system", "group", "sample_message_user", "sample_message_ai"};
    for (size_t i = 0; i < it->size(); ++i) {
      const json& m = (*it)[i];
      const std::string at = absl::StrCat("messages[", i, "]");
      if (!m.is_object()) return Invalid(at, "object", m);
      auto role = m.find("role");
      if (role == m.end() || !role->is_string()) {
        return absl::StrCat("invalid params, ", at, ".role is required");
      }
      const std::string role_name = role->get<std::string>();
      if (std::find(std::begin(kRoles), std::end(kRoles), role_name) ==
          std::end(kRoles)) {
        return absl::StrCat(
            "invalid params, chat content has invalid message role: ",
            role_name);
      }
      auto name = m.find("name");
      if (name != m.end() && !name->is_null() && !name->is_string()) {
        return Invalid(absl::StrCat(at, ".name"), "string", *name);
      }
      auto content = m.find("content");
      std::string text;
      if (content != m.end() && !content->is_null()) {
        if (!content->is_string() && !content->is_array()) {
          return Invalid(absl::StrCat(at, ".content"), "string or array",
                         *content);
        }
        text = ContentText(*content);
      }
      if (role_name == "user") g_->last_user_text = text;
      g_->message_texts.push_back(std::move(text));
    }
    return std::nullopt;
  }

  static std::optional<std::string> ParseBool(const json& body,
                                              const char* field, bool* out) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) return Invalid(field, "boolean", *it);
    *out = it->get<bool>();
    return std::nullopt;
  }

  static std::optional<std::string> ParseLimit(const json& body,
                                               const char* field,
                                               std::optional<int64_t>* out) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) return Invalid(field, "integer", *it);
    const int64_t v = it->get<int64_t>();
    if (v < 1) {
      return absl::StrCat("invalid params, ", field, " must be >= 1, got ", v);
    }
    *out = v;
    return std::nullopt;
  }

  // temperature / top_p: MiniMax's documented range is (0, 1].
  static std::optional<std::string> ParseSampling(const json& body,
                                                  const char* field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) return Invalid(field, "number", *it);
    const double v = it->get<double>();
    if (!(v > 0 && v <= 1)) {
      return absl::StrCat("invalid params, ", field,
                          " must be in the range (0, 1], got ", it->dump());
    }
    return std::nullopt;
  }

  // tools [{type: "function", function: {name, description?, parameters
  // (object)}}] and tool_choice "auto" | "none" | {type: "function",
  // function: {name}} naming one of them.
  static std::optional<std::string> ParseTools(const json& body) {
    std::vector<std::string> names;
    auto tools = body.find("tools");
    if (tools != body.end() && !tools->is_null()) {
      if (!tools->is_array()) return Invalid("tools", "array", *tools);
      for (const json& tool : *tools) {
        const json* fn = tool.is_object() && tool.contains("function")
                             ? &tool["function"]
                             : nullptr;
        if (fn == nullptr || !fn->is_object() ||
            tool.value("type", "") != "function" ||
            fn->value("name", "").empty() ||
            (fn->contains("parameters") && !(*fn)["parameters"].is_object())) {
          return std::string("invalid params, invalid function definition");
        }
        names.push_back(fn->value("name", ""));
      }
    }
    auto choice = body.find("tool_choice");
    if (choice == body.end() || choice->is_null()) return std::nullopt;
    if (*choice == "auto" || *choice == "none") return std::nullopt;
    const std::string name = choice->is_object() &&
                                     choice->contains("function") &&
                                     (*choice)["function"].is_object()
                                 ? (*choice)["function"].value("name", "")
                                 : std::string();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return absl::StrCat("invalid params, tool_choice names no tool: ",
                          choice->dump());
    }
    return std::nullopt;
  }

  static std::optional<std::string> ParseStop(const json& body) {
    auto it = body.find("stop");
    if (it == body.end() || it->is_null() || it->is_string()) {
      return std::nullopt;
    }
    if (!it->is_array()) return Invalid("stop", "string or array", *it);
    if (it->size() > kMaxStop) {
      return absl::StrCat("invalid params, stop allows at most ", kMaxStop,
                          " sequences, got ", it->size());
    }
    for (const json& s : *it) {
      if (!s.is_string()) return Invalid("stop[]", "string", s);
    }
    return std::nullopt;
  }

  GenerationRequest* const g_;
};

ojson UsageJson(const Usage& u) {
  return {{"total_tokens", u.total()},
          {"total_characters", 0},
          {"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens}};
}

bool Filtered(const Generation& gen) {
  return gen.finish_reason_override == "content_filter";
}

ojson Message(const std::string& text) {
  return {{"content", text},
          {"role", "assistant"},
          {"name", "MiniMax AI"},
          {"audio_content", ""}};
}

std::string Finish(const Generation& gen) {
  if (!gen.tool_calls.empty() && !gen.finish_reason_override) {
    return "tool_calls";
  }
  return gen.FinishReason("stop", "length");
}

// OpenAI-shaped tool calls: whole ({id, type, function {name, arguments}})
// in a message, or as the first piece of a stream delta (arguments "").
ojson ToolCallsJson(const Generation& gen, bool first_piece) {
  ojson calls = ojson::array();
  for (size_t i = 0; i < gen.tool_calls.size(); ++i) {
    const FakeToolCall& call = gen.tool_calls[i];
    ojson c = {{"id", call.id},
               {"type", "function"},
               {"function",
                {{"name", call.name},
                 {"arguments", first_piece ? "" : call.arguments_json}}}};
    if (first_piece) c["index"] = i;
    calls.push_back(std::move(c));
  }
  return calls;
}

// The complete chat.completion object: the non-stream reply and the final
// event of a stream.
ojson Completion(const GenerationRequest& req, const Generation& gen,
                 int64_t created) {
  ojson message = Message(gen.text);
  if (!gen.tool_calls.empty())
    message["tool_calls"] = ToolCallsJson(gen, false);
  ojson choice = {{"finish_reason", Finish(gen)},
                  {"index", 0},
                  {"message", std::move(message)}};
  ojson body = {{"id", CompletionId(req.seq)},
                {"choices", ojson::array({std::move(choice)})},
                {"created", created},
                {"model", req.model},
                {"object", "chat.completion"},
                {"usage", UsageJson(gen.usage)}};
  AddSensitivity(body, Filtered(gen));
  body["base_resp"] = BaseResp(0, "");
  return body;
}

std::string Event(const ojson& data) {
  return absl::StrCat("data: ", data.dump(), "\n\n");
}

class ChatCompletionRenderer : public GenerationRenderer {
 public:
  HttpReply Reply(const GenerationRequest& req,
                  const Generation& gen) const override {
    HttpReply r;
    r.body = Completion(req, gen, absl::ToUnixSeconds(absl::Now())).dump();
    return r;
  }

  StreamScript Stream(const GenerationRequest& req,
                      const Generation& gen) const override {
    const int64_t created = absl::ToUnixSeconds(absl::Now());
    const std::string id = CompletionId(req.seq);
    auto chunk = [&](const std::string& content, bool last,
                     ojson tool_calls = nullptr) {
      ojson choice = ojson::object();
      if (last) choice["finish_reason"] = Finish(gen);
      choice["index"] = 0;
      choice["delta"] = Message(content);
      if (!tool_calls.is_null()) choice["delta"]["tool_calls"] = tool_calls;
      ojson c = {{"id", id},
                 {"choices", ojson::array({std::move(choice)})},
                 {"created", created},
                 {"model", req.model},
                 {"object", "chat.completion.chunk"},
                 {"usage", {{"total_tokens", 0}, {"total_characters", 0}}}};
      AddSensitivity(c, last && Filtered(gen));
      return Event(c);
    };
    StreamScript s;
    s.headers = {{"cache-control", "no-cache"}};
    const bool tools = !gen.tool_calls.empty();
    for (size_t i = 0; i < gen.deltas.size(); ++i) {
      s.deltas.push_back(
          chunk(gen.deltas[i], !tools && i + 1 == gen.deltas.size()));
    }
    if (tools) {
      // The ids and names first, then each call's arguments in two pieces.
      s.deltas.push_back(chunk("", false, ToolCallsJson(gen, true)));
      for (size_t i = 0; i < gen.tool_calls.size(); ++i) {
        const std::string& args = gen.tool_calls[i].arguments_json;
        const size_t half = args.size() / 2;
        for (const std::string& piece :
             {args.substr(0, half), args.substr(half)}) {
          s.deltas.push_back(chunk(
              "", false,
              ojson::array(
                  {{{"index", i}, {"function", {{"arguments", piece}}}}})));
        }
      }
      s.tail.push_back(chunk("", true));
    } else if (gen.deltas.empty()) {
      s.tail.push_back(chunk("", true));
    }
    s.tail.push_back(Event(Completion(req, gen, created)));
    s.malformed = absl::StrCat(
        R"(data: {"id":")", id,
        R"(","choices":[{"index":0,"delta":{"content":"Ech)", "\n\n");
    return s;
  }

  HttpReply Error(const GenerationRequest& req, int status) const override {
    HttpReply r;
    switch (status) {
      case 200:
        r = BareFailure(1000, "unknown error");
        break;
      case 400:
        r = BareFailure(2013, "invalid params, invalid chat setting");
        break;
      case 401:
        r = BareFailure(1004, kNoKey);
        break;
      case 402:
        r = BareFailure(1008, "insufficient balance");
        break;
      case 403:
        r = BareFailure(2049, "invalid api key");
        break;
      case 404:
        r.content_type = "text/plain; charset=utf-8";
        r.body = "404 page not found";
        break;
      case 408:
      case 504:
        r = BareFailure(1001, "request timeout");
        break;
      case 413:
        r = BareFailure(2013, kContextExceeded);
        break;
      case 429:
        r = BareFailure(1002, "rate limit exceeded(RPM)");
        break;
      case 502:
      case 529:
        r = BareFailure(1033, "system error");
        break;
      case 503:
        r = BareFailure(1024, "internal error");
        break;
      default:
        r = status >= 500 ? BareFailure(1000, "unknown error")
                          : BareFailure(2013, "invalid params");
        break;
    }
    r.status = status;
    return r;
  }

  // A completion cut off mid-string: starts like a reply, never parses.
  std::string MalformedBody() const override {
    return R"({"id":"0000000000000000000000000000malf","choices":[{)"
           R"("finish_reason":"stop","index":0,"message":{"content":"Ech)";
  }
};

class MiniMaxFormat : public WireFormat {
 public:
  std::string BasePath() const override { return "/v1"; }

  void RegisterRoutes(Routes& routes) override {
    routes.Post("/v1/text/chatcompletion_v2",
                [this](Exchange& ex) { ChatCompletion(ex); });
  }

 private:
  // The in-band 1004 reply for a request without a usable key, if any.
  static std::optional<HttpReply> CheckAuth(Exchange& ex) {
    std::optional<std::string> auth = ex.Header("Authorization");
    std::string key;
    if (auth.has_value() && absl::StartsWithIgnoreCase(*auth, "bearer ")) {
      key = std::string(
          absl::StripAsciiWhitespace(absl::string_view(*auth).substr(7)));
    }
    if (!auth.has_value() && !ex.upstream().options().require_api_key) {
      return std::nullopt;
    }
    if (key.empty() || absl::StartsWith(key, "invalid")) {
      return BareFailure(1004, kNoKey);
    }
    return std::nullopt;
  }

  void ChatCompletion(Exchange& ex) const {
    if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
    const std::string content_type =
        absl::AsciiStrToLower(ex.Header("Content-Type").value_or(""));
    if (!absl::StartsWith(content_type, "application/json")) {
      return ex.Send(ModelFailure(
          ex.seq(), "", 2013,
          "invalid params, Content-Type must be application/json"));
    }
    absl::StatusOr<json> body = ex.JsonBody();
    if (!body.ok()) {
      return ex.Send(ModelFailure(ex.seq(), "", 2013,
                                  "invalid params, request body is not JSON"));
    }
    GenerationRequest g;
    if (std::optional<std::string> err = RequestParser(&g).Parse(*body)) {
      return ex.Send(ModelFailure(ex.seq(), g.model, 2013, *err));
    }
    const Model* model = FindModel(g.model);
    if (model == nullptr) {
      return ex.Send(ModelFailure(
          ex.seq(), g.model, 2013,
          absl::StrCat("invalid params, unknown model: ", g.model)));
    }
    int64_t prompt_tokens = 0;
    for (const std::string& t : g.message_texts) prompt_tokens += CountWords(t);
    if (prompt_tokens + g.max_tokens.value_or(0) > model->context_window) {
      return ex.Send(ModelFailure(ex.seq(), g.model, 2013, kContextExceeded));
    }
    g.body = *std::move(body);
    ex.Generate(std::move(g), renderer_);
  }

  ChatCompletionRenderer renderer_;
};

FAKE_UPSTREAM_REGISTER_WIRE_FORMAT("minimax", MiniMaxFormat);

}  // namespace
}  // namespace llmgw::fake_upstream
