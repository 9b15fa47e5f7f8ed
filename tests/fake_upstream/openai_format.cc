// OpenAI Chat Completions, as platform.openai.com documents it.
//
// Routes (base URL "<url>/v1"):
//   POST /v1/chat/completions  the generation endpoint (runs the behaviour
//                              script); the rich request fields (parts,
//                              tools, tool_choice, response_format...) are
//                              validated and tool calls, refusals and usage
//                              detail rendered by openai_rich.h.
//   POST /v1/embeddings        deterministic embeddings (openai_rich.h).
//   GET  /v1/models            lists gpt-4o, gpt-4o-mini, gpt-3.5-turbo.
//   GET  /v1/models/{model}    one model, or 404 model_not_found.
//
// Checks, in this order, before any behaviour is consumed:
//   1. "Authorization: Bearer <key>" present, else 401 code
//      "invalid_api_key". Keys starting with "invalid" get the 401
//      "Incorrect API key provided" error.
//   2. The body is a JSON object with a string "model" and a non-empty
//      "messages" array of {role, content}; "stream" boolean;
//      "stream_options" only with stream; "max_tokens" /
//      "max_completion_tokens" integers >= 1. Else 400
//      invalid_request_error with OpenAI's messages, params and codes.
//   3. Model "does-not-exist" or "unknown-*": 404 code "model_not_found".
//
// Replies: non-stream
//   {"id":"chatcmpl-fake<seq, 25 digits>","object":"chat.completion",
//    "created":<unix>,"model":<model>,"system_fingerprint":"fp_fake0000",
//    "choices":[{"index":0,"message":{"role":"assistant","content":<text>,
//    "refusal":null},"logprobs":null,"finish_reason":"stop"|"length"}],
//    "usage":{"prompt_tokens":..,"completion_tokens":..,"total_tokens":..}}
// stream (text/event-stream), each event "data: <json>\n\n":
//   a chunk with delta {"role":"assistant","content":""}, one chunk per
//   content delta, a chunk with an empty delta and the finish_reason, then
//   (only with stream_options.include_usage) a chunk with "choices":[] and
//   the usage (every other chunk then carries "usage":null), then
//   "data: [DONE]".
// max_completion_tokens wins over max_tokens. Message text: a string
// content, or the "text" of an array's text parts joined with spaces.
//
// Injected errors (kHttpError without a body) use OpenAI's bodies:
// 401 invalid_api_key, 403 unsupported_country_region_territory, 404
// model_not_found, 429 rate_limit_exceeded (type "requests") with headers
// x-ratelimit-limit-requests: 3, x-ratelimit-remaining-requests: 0,
// x-ratelimit-reset-requests: 1s, retry-after: 1; 500 / 502 / 503 / 504
// type "server_error"; other statuses a generic body of the same shape.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/openai_rich.h"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr char kFingerprint[] = "fp_fake0000";
constexpr char kParseError[] =
    "We could not parse the JSON body of your request. (HINT: This likely "
    "means you aren't using your HTTP library correctly. The OpenAI API "
    "expects a JSON payload, but what was sent was not valid JSON. If you "
    "have trouble figuring out how to fix this, please contact us through "
    "our help center at help.openai.com.)";
constexpr char kNoKey[] =
    "You didn't provide an API key. You need to provide your API key in an "
    "Authorization header using Bearer auth (i.e. Authorization: Bearer "
    "YOUR_KEY), or as the password field (with blank username) if you're "
    "accessing the API from your browser and are prompted for a username. "
    "You can obtain an API key from "
    "https://platform.openai.com/account/api-keys.";

struct Model {
  const char* id;
  int64_t created;
  const char* owned_by;
};
constexpr Model kModels[] = {
    {"gpt-4o", 1715367049, "system"},
    {"gpt-4o-mini", 1721172741, "system"},
    {"gpt-3.5-turbo", 1677610602, "openai"},
};

// OpenAI's error envelope.
std::string ErrorBody(absl::string_view message, absl::string_view type,
                      std::optional<std::string> param,
                      std::optional<std::string> code) {
  ojson error = {{"message", std::string(message)},
                 {"type", std::string(type)},
                 {"param", nullptr},
                 {"code", nullptr}};
  if (param.has_value()) error["param"] = *param;
  if (code.has_value()) error["code"] = *code;
  return ojson{{"error", std::move(error)}}.dump();
}

HttpReply InvalidRequest(int status, absl::string_view message,
                         std::optional<std::string> param = std::nullopt,
                         std::optional<std::string> code = std::nullopt) {
  HttpReply r;
  r.status = status;
  r.body = ErrorBody(message, "invalid_request_error", std::move(param),
                     std::move(code));
  return r;
}

bool ModelMissing(absl::string_view model) {
  return model == "does-not-exist" || absl::StartsWith(model, "unknown-");
}

HttpReply ModelNotFound(absl::string_view model) {
  return InvalidRequest(
      404,
      absl::StrCat("The model `", model,
                   "` does not exist or you do not have access to it."),
      std::nullopt, "model_not_found");
}

std::string RequestId(int64_t seq) {
  return absl::StrFormat("req_fake%024d", seq);
}

// Headers OpenAI sends with every reply.
HeaderList CommonHeaders(int64_t seq) {
  return {{"x-request-id", RequestId(seq)},
          {"openai-version", "2020-10-01"},
          {"openai-processing-ms", "1"}};
}

HeaderList SuccessHeaders(int64_t seq) {
  HeaderList h = CommonHeaders(seq);
  h.insert(h.end(), {{"x-ratelimit-limit-requests", "10000"},
                     {"x-ratelimit-remaining-requests", "9999"},
                     {"x-ratelimit-reset-requests", "6ms"},
                     {"x-ratelimit-limit-tokens", "30000000"},
                     {"x-ratelimit-remaining-tokens", "29999000"},
                     {"x-ratelimit-reset-tokens", "2ms"}});
  return h;
}

// "a string", "an object", ... as in OpenAI's type errors.
std::string TypeName(const json& v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a decimal";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

HttpReply InvalidType(const std::string& param, absl::string_view expected,
                      const json& got) {
  return InvalidRequest(
      400,
      absl::StrCat("Invalid type for '", param, "': expected ", expected,
                   ", but got ", TypeName(got), " instead."),
      param, "invalid_type");
}

HttpReply MissingParam(const std::string& param) {
  return InvalidRequest(
      400, absl::StrCat("Missing required parameter: '", param, "'."), param,
      "missing_required_parameter");
}

// The text of a message's content: a string, or the text parts of an array.
std::string ContentText(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::vector<std::string> parts;
  if (content.is_array()) {
    for (const json& part : content) {
      auto text = part.find("text");
      if (text != part.end() && text->is_string()) {
        parts.push_back(text->get<std::string>());
      }
    }
  }
  return absl::StrJoin(parts, " ");
}

// Validates the "messages" array; fills `g`. Returns an error reply if bad.
std::optional<HttpReply> ParseMessages(const json& body, GenerationRequest* g) {
  auto it = body.find("messages");
  if (it == body.end() || it->is_null()) return MissingParam("messages");
  const json& messages = *it;
  if (!messages.is_array())
    return InvalidType("messages", "an array", messages);
  if (messages.empty()) {
    return InvalidRequest(400,
                          "Invalid 'messages': empty array. Expected an array "
                          "with minimum length 1, but got an empty array "
                          "instead.",
                          "messages", "empty_array");
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    const std::string at = absl::StrCat("messages[", i, "]");
    if (!m.is_object()) return InvalidType(at, "an object", m);
    auto role = m.find("role");
    if (role == m.end() || role->is_null()) {
      return MissingParam(absl::StrCat(at, ".role"));
    }
    static constexpr absl::string_view kRoles[] = {
        "system", "assistant", "user", "function", "tool", "developer"};
    bool known = role->is_string() &&
                 std::find(std::begin(kRoles), std::end(kRoles),
                           role->get<std::string>()) != std::end(kRoles);
    if (!known) {
      return InvalidRequest(
          400,
          absl::StrCat(
              "Invalid value: '",
              role->is_string() ? role->get<std::string>() : role->dump(),
              "'. Supported values are: 'system', 'assistant', "
              "'user', 'function', 'tool', and 'developer'."),
          absl::StrCat(at, ".role"), "invalid_value");
    }
    const std::string role_name = role->get<std::string>();
    auto content = m.find("content");
    const bool has_content = content != m.end() && !content->is_null();
    const bool may_omit_content =
        role_name == "assistant" &&
        (m.contains("tool_calls") || m.contains("function_call") ||
         m.contains("refusal") || m.contains("audio"));
    if (!has_content && !may_omit_content) {
      return MissingParam(absl::StrCat(at, ".content"));
    }
    if (has_content && !content->is_string() && !content->is_array()) {
      return InvalidType(absl::StrCat(at, ".content"),
                         "one of a string or array of objects", *content);
    }
    std::string text = has_content ? ContentText(*content) : std::string();
    if (role_name == "user") g->last_user_text = text;
    g->message_texts.push_back(std::move(text));
  }
  return std::nullopt;
}

std::optional<HttpReply> ParseLimit(const json& body, const char* name,
                                    std::optional<int64_t>* out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) return InvalidType(name, "an integer", *it);
  int64_t v = it->get<int64_t>();
  if (v < 1) {
    return InvalidRequest(
        400,
        absl::StrCat("Invalid '", name,
                     "': integer below minimum value. Expected a value >= 1, "
                     "but got ",
                     v, " instead."),
        name, "integer_below_min_value");
  }
  *out = v;
  return std::nullopt;
}

// Validates a chat-completions body; fills `g`.
std::optional<HttpReply> ParseChatRequest(const json& body,
                                          GenerationRequest* g) {
  auto model = body.find("model");
  if (model == body.end() || model->is_null()) {
    return InvalidRequest(400, "you must provide a model parameter");
  }
  if (!model->is_string()) return InvalidType("model", "a string", *model);
  g->model = model->get<std::string>();
  if (std::optional<HttpReply> err = ParseMessages(body, g)) return err;
  auto stream = body.find("stream");
  if (stream != body.end() && !stream->is_null()) {
    if (!stream->is_boolean())
      return InvalidType("stream", "a boolean", *stream);
    g->stream = stream->get<bool>();
  }
  auto options = body.find("stream_options");
  if (options != body.end() && !options->is_null()) {
    if (!g->stream) {
      return InvalidRequest(400,
                            "The 'stream_options' parameter is only allowed "
                            "when 'stream' is enabled.",
                            "stream_options");
    }
    if (!options->is_object()) {
      return InvalidType("stream_options", "an object", *options);
    }
    auto include = options->find("include_usage");
    if (include != options->end() && !include->is_null() &&
        !include->is_boolean()) {
      return InvalidType("stream_options.include_usage", "a boolean", *include);
    }
  }
  std::optional<int64_t> max_tokens;
  std::optional<int64_t> max_completion_tokens;
  if (auto err = ParseLimit(body, "max_tokens", &max_tokens)) return err;
  if (auto err =
          ParseLimit(body, "max_completion_tokens", &max_completion_tokens)) {
    return err;
  }
  g->max_tokens =
      max_completion_tokens.has_value() ? max_completion_tokens : max_tokens;
  return std::nullopt;
}

bool IncludeUsage(const json& body) {
  auto options = body.find("stream_options");
  if (options == body.end() || !options->is_object()) return false;
  auto include = options->find("include_usage");
  return include != options->end() && include->is_boolean() &&
         include->get<bool>();
}

std::string CompletionId(int64_t seq) {
  return absl::StrFormat("chatcmpl-fake%025d", seq);
}

using openai_rich::UsageJson;

std::string Event(const ojson& data) {
  return absl::StrCat("data: ", data.dump(), "\n\n");
}

class ChatRenderer : public GenerationRenderer {
 public:
  HttpReply Reply(const GenerationRequest& req,
                  const Generation& gen) const override {
    ojson choice = {{"index", 0},
                    {"message", openai_rich::Message(gen)},
                    {"logprobs", nullptr},
                    {"finish_reason", openai_rich::FinishReason(gen)}};
    ojson body = {{"id", CompletionId(req.seq)},
                  {"object", "chat.completion"},
                  {"created", absl::ToUnixSeconds(absl::Now())},
                  {"model", req.model},
                  {"system_fingerprint", kFingerprint},
                  {"choices", ojson::array({std::move(choice)})},
                  {"usage", UsageJson(gen.usage)}};
    HttpReply r;
    r.body = body.dump();
    r.headers = SuccessHeaders(req.seq);
    return r;
  }

  StreamScript Stream(const GenerationRequest& req,
                      const Generation& gen) const override {
    const bool include_usage = IncludeUsage(req.body);
    const std::string id = CompletionId(req.seq);
    const int64_t created = absl::ToUnixSeconds(absl::Now());
    auto chunk = [&](ojson delta, ojson finish_reason) {
      ojson choice = {{"index", 0},
                      {"delta", std::move(delta)},
                      {"logprobs", nullptr},
                      {"finish_reason", std::move(finish_reason)}};
      ojson c = {{"id", id},
                 {"object", "chat.completion.chunk"},
                 {"created", created},
                 {"model", req.model},
                 {"system_fingerprint", kFingerprint},
                 {"choices", ojson::array({std::move(choice)})}};
      if (include_usage) c["usage"] = nullptr;
      return Event(c);
    };
    StreamScript s;
    s.headers = SuccessHeaders(req.seq);
    s.headers.emplace_back("cache-control", "no-cache");
    s.head.push_back(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
    if (!gen.refusal && !gen.block_reason) {
      for (const std::string& d : gen.deltas) {
        s.deltas.push_back(chunk({{"content", d}}, nullptr));
      }
    }
    for (ojson& delta : openai_rich::ExtraDeltas(gen)) {
      s.deltas.push_back(chunk(std::move(delta), nullptr));
    }
    s.tail.push_back(chunk(ojson::object(), openai_rich::FinishReason(gen)));
    if (include_usage) {
      ojson c = {{"id", id},
                 {"object", "chat.completion.chunk"},
                 {"created", created},
                 {"model", req.model},
                 {"system_fingerprint", kFingerprint},
                 {"choices", ojson::array()},
                 {"usage", UsageJson(gen.usage)}};
      s.tail.push_back(Event(c));
    }
    s.tail.push_back("data: [DONE]\n\n");
    return s;
  }

  HttpReply Error(const GenerationRequest& req, int status) const override {
    HttpReply r;
    switch (status) {
      case 401:
        r = InvalidRequest(status,
                           "Incorrect API key provided. You can find your API "
                           "key at https://platform.openai.com/account/"
                           "api-keys.",
                           std::nullopt, "invalid_api_key");
        break;
      case 403:
        r.body = ErrorBody("Country, region, or territory not supported",
                           "request_forbidden", std::nullopt,
                           "unsupported_country_region_territory");
        break;
      case 404:
        r = ModelNotFound(req.model);
        break;
      case 429:
        r.body = ErrorBody(
            absl::StrCat("Rate limit reached for ", req.model,
                         " in organization org-fake on requests per min "
                         "(RPM): Limit 3, Used 3, Requested 1. Please try "
                         "again in 1s. Visit https://platform.openai.com/"
                         "account/rate-limits to learn more."),
            "requests", std::nullopt, "rate_limit_exceeded");
        r.headers = {{"x-ratelimit-limit-requests", "3"},
                     {"x-ratelimit-remaining-requests", "0"},
                     {"x-ratelimit-reset-requests", "1s"},
                     {"retry-after", "1"}};
        break;
      case 500:
        r.body = ErrorBody(
            "The server had an error while processing your request. Sorry "
            "about that!",
            "server_error", std::nullopt, std::nullopt);
        break;
      case 502:
        r.body = ErrorBody("Bad gateway.", "server_error", std::nullopt,
                           std::nullopt);
        break;
      case 503:
        r.body = ErrorBody(
            "The engine is currently overloaded, please try again later.",
            "server_error", std::nullopt, std::nullopt);
        break;
      case 504:
        r.body = ErrorBody("Gateway timeout.", "server_error", std::nullopt,
                           std::nullopt);
        break;
      default:
        r.body = status >= 500
                     ? ErrorBody(absl::StrCat("The server had an error while "
                                              "processing your request (HTTP ",
                                              status, ")."),
                                 "server_error", std::nullopt, std::nullopt)
                     : ErrorBody(
                           absl::StrCat("Request failed (HTTP ", status, ")."),
                           "invalid_request_error", std::nullopt, std::nullopt);
        break;
    }
    r.status = status;
    HeaderList common = CommonHeaders(req.seq);
    r.headers.insert(r.headers.begin(), common.begin(), common.end());
    return r;
  }

  // A reply cut off mid-string: starts like a completion, never parses.
  std::string MalformedBody() const override {
    return R"({"id":"chatcmpl-malformed","object":"chat.completion",)"
           R"("choices":[{"index":0,"message":{"role":"assistant",)"
           R"("content":"Echo)";
  }
};

class OpenAiFormat : public WireFormat {
 public:
  std::string BasePath() const override { return "/v1"; }

  void RegisterRoutes(Routes& routes) override {
    routes.Post("/v1/chat/completions",
                [this](Exchange& ex) { ChatCompletions(ex); });
    routes.Post("/v1/embeddings", [](Exchange& ex) { Embeddings(ex); });
    routes.Get("/v1/models", [](Exchange& ex) { ListModels(ex); });
    routes.Get("/v1/models/(.+)", [](Exchange& ex) { GetModel(ex); });
  }

 private:
  // The 401 reply for a request without a usable key, if any.
  static std::optional<HttpReply> CheckAuth(Exchange& ex) {
    std::optional<std::string> auth = ex.Header("Authorization");
    std::string key;
    if (auth.has_value() && absl::StartsWithIgnoreCase(*auth, "bearer ")) {
      key = std::string(
          absl::StripAsciiWhitespace(absl::string_view(*auth).substr(7)));
    }
    if (key.empty() && !auth.has_value() &&
        !ex.upstream().options().require_api_key) {
      return std::nullopt;
    }
    if (key.empty()) {
      HttpReply r =
          InvalidRequest(401, kNoKey, std::nullopt, "invalid_api_key");
      r.headers = CommonHeaders(ex.seq());
      return r;
    }
    if (absl::StartsWith(key, "invalid")) {
      std::string masked = key.size() > 7
                               ? absl::StrCat(key.substr(0, 3), "*****",
                                              key.substr(key.size() - 4))
                               : "*****";
      HttpReply r = InvalidRequest(
          401,
          absl::StrCat("Incorrect API key provided: ", masked,
                       ". You can find your API key at "
                       "https://platform.openai.com/account/api-keys."),
          std::nullopt, "invalid_api_key");
      r.headers = CommonHeaders(ex.seq());
      return r;
    }
    return std::nullopt;
  }

  void ChatCompletions(Exchange& ex) const {
    if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
    absl::StatusOr<json> body = ex.JsonBody();
    if (!body.ok() || !body->is_object()) {
      return ex.Send(InvalidRequest(400, kParseError));
    }
    GenerationRequest g;
    if (std::optional<HttpReply> err = ParseChatRequest(*body, &g)) {
      err->headers = CommonHeaders(ex.seq());
      return ex.Send(*err);
    }
    if (std::optional<openai_rich::RichError> err =
            openai_rich::Validate(*body)) {
      HttpReply r = InvalidRequest(
          400, err->message, err->param,
          err->code && !err->code->empty() ? err->code : std::nullopt);
      r.headers = CommonHeaders(ex.seq());
      return ex.Send(r);
    }
    if (ModelMissing(g.model)) {
      HttpReply r = ModelNotFound(g.model);
      r.headers = CommonHeaders(ex.seq());
      return ex.Send(r);
    }
    g.body = *std::move(body);
    ex.Generate(std::move(g), renderer_);
  }

  static void Embeddings(Exchange& ex) {
    if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
    absl::StatusOr<json> body = ex.JsonBody();
    if (!body.ok() || !body->is_object()) {
      return ex.Send(InvalidRequest(400, kParseError));
    }
    HttpReply r = openai_rich::Embeddings(*body);
    r.headers = CommonHeaders(ex.seq());
    ex.Send(r);
  }

  static ojson ModelJson(const std::string& id, int64_t created,
                         const std::string& owned_by) {
    return {{"id", id},
            {"object", "model"},
            {"created", created},
            {"owned_by", owned_by}};
  }

  static void ListModels(Exchange& ex) {
    if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
    ojson data = ojson::array();
    for (const Model& m : kModels) {
      data.push_back(ModelJson(m.id, m.created, m.owned_by));
    }
    ex.SendJson(200,
                ojson{{"object", "list"}, {"data", std::move(data)}}.dump(),
                CommonHeaders(ex.seq()));
  }

  static void GetModel(Exchange& ex) {
    if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
    const std::string id = ex.request().matches[1].str();
    if (ModelMissing(id)) {
      HttpReply r = ModelNotFound(id);
      r.headers = CommonHeaders(ex.seq());
      return ex.Send(r);
    }
    ojson model = ModelJson(id, 1715367049, "system");
    for (const Model& m : kModels) {
      if (id == m.id) model = ModelJson(m.id, m.created, m.owned_by);
    }
    ex.SendJson(200, model.dump(), CommonHeaders(ex.seq()));
  }

  ChatRenderer renderer_;
};

FAKE_UPSTREAM_REGISTER_WIRE_FORMAT("openai", OpenAiFormat);

}  // namespace
}  // namespace llmgw::fake_upstream
