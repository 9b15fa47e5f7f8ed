#include "front/openai_mapping.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace llmgw::front {
namespace {

using nlohmann::json;

// Fields OpenAI defines that the gateway cannot honour yet.
const std::set<std::string>& Unsupported() {
  static const auto* kSet = new std::set<std::string>{"tools",
                                                      "tool_choice",
                                                      "functions",
                                                      "function_call",
                                                      "response_format",
                                                      "logprobs",
                                                      "top_logprobs",
                                                      "n",
                                                      "seed",
                                                      "presence_penalty",
                                                      "frequency_penalty",
                                                      "logit_bias",
                                                      "parallel_tool_calls",
                                                      "store",
                                                      "audio",
                                                      "modalities",
                                                      "prediction",
                                                      "reasoning_effort",
                                                      "service_tier",
                                                      "web_search_options"};
  return *kSet;
}

absl::Status Violation(const std::string& field, const std::string& message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload("llmgw/reason", absl::Cord("INVALID_REQUEST"));
  status.SetPayload("llmgw/field_violation",
                    absl::Cord(absl::StrCat(field, "\t", message)));
  return status;
}

bool IsNull(const json& j) { return j.is_null(); }

// A field OpenAI defines whose value is harmless at its default.
bool AtDefault(const std::string& key, const json& v) {
  if (v.is_null()) return true;
  if (key == "n") return v.is_number_integer() && v.get<int64_t>() == 1;
  if (key == "logprobs" || key == "store" || key == "parallel_tool_calls") {
    return v.is_boolean() && !v.get<bool>();
  }
  if (key == "presence_penalty" || key == "frequency_penalty") {
    return v.is_number() && v.get<double>() == 0;
  }
  return false;
}

absl::StatusOr<std::string> MessageText(const json& content,
                                        const std::string& where) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) {
    return Violation(where,
                     where + " must be a string or an array of text parts");
  }
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string pw = absl::StrCat(where, "[", i, "]");
    if (!part.is_object() || !part.contains("type") || part["type"] != "text" ||
        !part.contains("text") || !part["text"].is_string()) {
      return Violation(pw, pw + ": only {\"type\":\"text\",\"text\":...} "
                                "parts are supported (no images, audio or "
                                "files yet)");
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

absl::Status ParseMessages(const json& messages, ProviderRequest* request) {
  if (!messages.is_array() || messages.empty()) {
    return Violation("messages", "messages must be a non-empty array");
  }
  if (messages.size() > kMaxMessages) {
    return Violation("messages", absl::StrCat("messages has more than ",
                                              kMaxMessages, " entries"));
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    const std::string where = absl::StrCat("messages[", i, "]");
    if (!m.is_object()) return Violation(where, where + " must be an object");
    Message out;
    for (const auto& [key, value] : m.items()) {
      if (key == "role" || key == "content") continue;
      if (key == "name" && value.is_null()) continue;
      return Violation(
          where + "." + key,
          absl::StrCat(where, ".", key, " is not supported by the gateway"));
    }
    const json role = m.value("role", json());
    if (role == "system" || role == "developer") {
      out.role = MessageRole::kSystem;
    } else if (role == "user") {
      out.role = MessageRole::kUser;
    } else if (role == "assistant") {
      out.role = MessageRole::kAssistant;
    } else {
      return Violation(where + ".role",
                       where +
                           ".role must be system, developer, user or "
                           "assistant (tool messages are not supported)");
    }
    if (!m.contains("content")) {
      return Violation(where + ".content", where + ".content is required");
    }
    absl::StatusOr<std::string> text =
        MessageText(m["content"], where + ".content");
    if (!text.ok()) return text.status();
    out.content = *std::move(text);
    request->messages.push_back(std::move(out));
  }
  return absl::OkStatus();
}

absl::Status ParseStop(const json& stop, ProviderRequest* request) {
  if (stop.is_string()) {
    request->stop.push_back(stop.get<std::string>());
    return absl::OkStatus();
  }
  if (!stop.is_array() || stop.size() > kMaxStops) {
    return Violation("stop", absl::StrCat("stop must be a string or an array "
                                          "of at most ",
                                          kMaxStops, " strings"));
  }
  for (const json& s : stop) {
    if (!s.is_string())
      return Violation("stop", "stop entries must be strings");
    request->stop.push_back(s.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status ParseNumber(const std::string& key, const json& v, double lo,
                         double hi, std::optional<float>* out) {
  if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
    return Violation(
        key, absl::StrCat(key, " must be a number in [", lo, ", ", hi, "]"));
  }
  *out = v.get<float>();
  return absl::OkStatus();
}

absl::Status ParseField(const std::string& key, const json& v,
                        ChatRequest* out) {
  ProviderRequest& r = out->input.request;
  if (key == "model") {
    if (!v.is_string() || v.get<std::string>().size() > 256) {
      return Violation("model", "model must be a string of at most 256 bytes");
    }
    out->model = v.get<std::string>();
    r.model = out->model;
  } else if (key == "messages") {
    return ParseMessages(v, &r);
  } else if (key == "max_tokens" || key == "max_completion_tokens") {
    if (!v.is_number_integer() || v.get<int64_t>() < 1 ||
        v.get<int64_t>() > (1 << 30)) {
      return Violation(key, key + " must be a positive integer");
    }
    r.max_tokens = static_cast<int32_t>(v.get<int64_t>());
  } else if (key == "temperature") {
    return ParseNumber(key, v, 0, 2, &r.temperature);
  } else if (key == "top_p") {
    return ParseNumber(key, v, 0, 1, &r.top_p);
  } else if (key == "stop") {
    return ParseStop(v, &r);
  } else if (key == "stream") {
    if (!v.is_boolean()) return Violation(key, "stream must be a boolean");
    out->input.stream = v.get<bool>();
  } else if (key == "stream_options") {
    if (!v.is_object())
      return Violation(key, "stream_options must be an object");
    for (const auto& [k, o] : v.items()) {
      if (k != "include_usage" || !o.is_boolean()) {
        return Violation("stream_options." + k,
                         "stream_options." + k +
                             " is not supported (only "
                             "include_usage, a boolean)");
      }
      out->include_usage = o.get<bool>();
    }
  } else if (key == "user") {
    if (!v.is_string() || v.get<std::string>().size() > 256) {
      return Violation(key, "user must be a string of at most 256 bytes");
    }
    if (out->input.client_id.empty())
      out->input.client_id = v.get<std::string>();
  } else if (key == "metadata") {
    if (!v.is_object() || v.size() > 16) {
      return Violation(key, "metadata must be an object of at most 16 strings");
    }
    for (const auto& [k, s] : v.items()) {
      if (!s.is_string() || k.size() > 64 ||
          s.get<std::string>().size() > 512) {
        return Violation("metadata." + k,
                         "metadata values must be strings (keys <= 64, "
                         "values <= 512 bytes)");
      }
      if (k == "client_id" && out->input.client_id.empty()) {
        out->input.client_id = s.get<std::string>();
      }
    }
  } else if (Unsupported().count(key) != 0) {
    if (AtDefault(key, v)) return absl::OkStatus();
    return Violation(key, key +
                              " is not supported by the gateway yet; remove "
                              "it or use its default");
  } else {
    return Violation(key, "unknown field " + key +
                              ": the gateway does not know how to honour it");
  }
  return absl::OkStatus();
}

// A SAX handler that builds nothing and remembers the first error: the
// parser reports every error here (never by throwing) because it returns
// false, so no input can escape as an exception.
struct FirstJsonError : json::json_sax_t {
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    failed = true;
    byte = position;
    utf8 = absl::StrContains(e.what(), "UTF-8");
    number = e.id == 406;  // out_of_range.406: a number beyond a double
    return false;
  }
  bool failed = false;
  bool utf8 = false;
  bool number = false;
  std::size_t byte = 0;
};

// Why `body` is not JSON, without echoing any of its bytes (they may be
// invalid UTF-8, which the error JSON must not carry).
std::string WhyNotJson(absl::string_view body) {
  FirstJsonError sax;
  json::sax_parse(body.begin(), body.end(), &sax);
  if (!sax.failed) return "the body must be a JSON object";
  return absl::StrCat(sax.utf8     ? "the body is not valid UTF-8 (byte "
                      : sax.number ? "the body has a number out of range (byte "
                                   : "the body is not valid JSON (byte ",
                      sax.byte, ")");
}

}  // namespace

absl::StatusOr<ChatRequest> ParseChatRequest(absl::string_view body,
                                             const std::string& client_id,
                                             const std::string& request_id,
                                             absl::Time arrival) {
  bool too_deep = false;
  json doc = json::parse(
      body.begin(), body.end(),
      [&too_deep](int depth, json::parse_event_t, json&) {
        if (depth > static_cast<int>(kMaxJsonDepth)) too_deep = true;
        return !too_deep;
      },
      /*allow_exceptions=*/false);
  if (too_deep) {
    return Violation("body", absl::StrCat("the body nests JSON deeper than ",
                                          kMaxJsonDepth, " levels"));
  }
  if (doc.is_discarded()) return Violation("body", WhyNotJson(body));
  if (!doc.is_object()) {
    return Violation("body", "the body must be a JSON object");
  }
  ChatRequest out;
  out.input.client_id = client_id;
  out.input.arrival = arrival;
  out.input.request.request_id = request_id;
  for (const auto& [key, value] : doc.items()) {
    if (value.is_null() && Unsupported().count(key) == 0 && key != "model" &&
        key != "messages") {
      continue;  // null = absent, as OpenAI treats it
    }
    absl::Status status = ParseField(key, value, &out);
    if (!status.ok()) return status;
  }
  if (!doc.contains("model") || out.model.empty()) {
    return Violation("model",
                     "model is required (\"provider/model\" pins a "
                     "provider)");
  }
  if (!doc.contains("messages")) {
    return Violation("messages", "messages is required");
  }
  if (out.include_usage && !out.input.stream) {
    return Violation("stream_options",
                     "stream_options is only allowed with stream: true");
  }
  return out;
}

std::string FinishReasonString(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kContentFilter:
      return "content_filter";
    case FinishReason::kToolCalls:
      return "tool_calls";
    default:
      return "stop";
  }
}

namespace {
json UsageJson(const TokenUsage& usage) {
  return {{"prompt_tokens", usage.input_tokens},
          {"completion_tokens", usage.output_tokens},
          {"total_tokens", usage.input_tokens + usage.output_tokens}};
}
}  // namespace

std::string ChatCompletionJson(const GenerateResult& result,
                               const std::string& id,
                               const std::string& fallback_model,
                               int64_t created) {
  json out = {
      {"id", id},
      {"object", "chat.completion"},
      {"created", created},
      {"model", result.model.empty() ? fallback_model : result.model},
      {"choices",
       json::array({{{"index", 0},
                     {"message",
                      {{"role", "assistant"}, {"content", result.reply.text}}},
                     {"logprobs", nullptr},
                     {"finish_reason",
                      FinishReasonString(result.reply.finish_reason)}}})},
      {"usage", UsageJson(result.reply.usage)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ChunkEvent(const std::string& id, const std::string& model,
                       int64_t created, bool first, absl::string_view delta,
                       const std::string& finish_reason) {
  json d = json::object();
  if (first) d["role"] = "assistant";
  if (!delta.empty() || first) d["content"] = std::string(delta);
  json choice = {{"index", 0}, {"delta", d}, {"logprobs", nullptr}};
  choice["finish_reason"] =
      finish_reason.empty() ? json(nullptr) : json(finish_reason);
  json out = {{"id", id},
              {"object", "chat.completion.chunk"},
              {"created", created},
              {"model", model},
              {"choices", json::array({choice})}};
  return absl::StrCat(
      "data: ", out.dump(-1, ' ', false, json::error_handler_t::replace),
      "\n\n");
}

std::string UsageChunkEvent(const std::string& id, const std::string& model,
                            int64_t created, const TokenUsage& usage) {
  json out = {{"id", id},
              {"object", "chat.completion.chunk"},
              {"created", created},
              {"model", model},
              {"choices", json::array()},
              {"usage", UsageJson(usage)}};
  return absl::StrCat("data: ", out.dump(), "\n\n");
}

HttpError ToHttpError(const absl::Status& status) {
  HttpError e;
  std::string type = "api_error";
  std::string code;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      e.status = 400;
      type = "invalid_request_error";
      break;
    case absl::StatusCode::kUnauthenticated:
      e.status = 401;
      type = "authentication_error";
      break;
    case absl::StatusCode::kPermissionDenied:
      e.status = 403;
      type = "permission_error";
      break;
    case absl::StatusCode::kNotFound:
      e.status = 404;
      type = "invalid_request_error";
      code = "model_not_found";
      break;
    case absl::StatusCode::kResourceExhausted:
      e.status = 429;
      type = "rate_limit_error";
      break;
    case absl::StatusCode::kUnavailable:
      e.status = 503;
      type = "api_error";
      break;
    case absl::StatusCode::kDeadlineExceeded:
      e.status = 504;
      type = "timeout_error";
      break;
    case absl::StatusCode::kUnimplemented:
      e.status = 501;
      type = "invalid_request_error";
      break;
    case absl::StatusCode::kCancelled:
      e.status = 499;
      type = "api_error";
      break;
    default:
      e.status = 500;
      type = "api_error";
  }
  if (auto reason = status.GetPayload("llmgw/reason")) {
    code = absl::AsciiStrToLower(std::string(*reason));
  }
  if (code == "budget_exhausted") type = "insufficient_quota";
  json param = nullptr;
  if (auto fv = status.GetPayload("llmgw/field_violation")) {
    std::vector<std::string> parts =
        absl::StrSplit(std::string(*fv), absl::MaxSplits('\t', 1));
    if (!parts.empty()) param = parts[0];
  }
  if (auto ms = status.GetPayload("llmgw/retry_after_ms")) {
    int64_t millis = 0;
    if (absl::SimpleAtoi(std::string(*ms), &millis) && millis >= 0) {
      e.retry_after_seconds = (millis + 999) / 1000;
    }
  }
  json err = {{"message", std::string(status.message())},
              {"type", type},
              {"param", param},
              {"code", code.empty() ? json(nullptr) : json(code)}};
  e.body =
      json{{"error", err}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return e;
}

std::string ErrorEvent(const HttpError& error) {
  return absl::StrCat("data: ", error.body, "\n\n");
}

std::string ModelsJson(const ProviderRegistry& registry, int64_t created) {
  json data = json::array();
  std::set<std::string> seen;
  auto add = [&](const std::string& id, const std::string& owner) {
    if (id.empty() || !seen.insert(id).second) return;
    data.push_back({{"id", id},
                    {"object", "model"},
                    {"created", created},
                    {"owned_by", owner}});
  };
  for (const auto& entry : registry.entries()) {
    if (!entry->configured) continue;
    const std::string& p = entry->spec.name;
    add(entry->spec.default_model, p);
    add(p + "/" + entry->spec.default_model, p);
    for (const ModelSpec& m : entry->spec.models) {
      add(m.name, p);
      add(p + "/" + m.name, p);
    }
  }
  return json{{"object", "list"}, {"data", data}}.dump();
}

}  // namespace llmgw::front
