#include "tests/fake_upstream/openai_rich.h"

#include <cstdint>
#include <cstring>
#include <functional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace llmgw::fake_upstream::openai_rich {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

RichError Bad(std::string message, std::string param,
              std::string code = "invalid_value") {
  return RichError{std::move(message), std::move(param), std::move(code)};
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

std::optional<RichError> CheckPart(const json& part, const std::string& at) {
  const std::string type = part.value("type", "");
  if (type == "text") {
    if (!part.contains("text") || !part["text"].is_string()) {
      return Bad("Missing required parameter: '" + at + ".text'.", at + ".text",
                 "missing_required_parameter");
    }
    return std::nullopt;
  }
  if (type != "image_url") {
    return Bad("Invalid value: '" + type +
                   "'. Supported values are: 'text', 'image_url', "
                   "'input_audio', 'refusal', 'audio', and 'file'.",
               at + ".type");
  }
  const json* image = part.contains("image_url") ? &part["image_url"] : nullptr;
  const std::string url = image != nullptr && image->is_object()
                              ? image->value("url", "")
                              : std::string();
  const bool http =
      absl::StartsWith(url, "https://") || absl::StartsWith(url, "http://");
  const bool data = absl::StartsWith(url, "data:image/") &&
                    absl::StrContains(url, ";base64,");
  if (!http && !data) {
    return Bad("Invalid image URL: '" + at +
                   ".image_url.url'. Expected a valid URL, but got a value "
                   "with an invalid format.",
               at + ".image_url.url", "invalid_image_url");
  }
  if (data) {
    std::string bytes;
    if (!absl::Base64Unescape(url.substr(url.find(";base64,") + 8), &bytes)) {
      return Bad("Invalid base64 image_url.", at + ".image_url.url",
                 "invalid_image_format");
    }
  }
  const std::string detail = image->value("detail", "auto");
  if (detail != "auto" && detail != "low" && detail != "high") {
    return Bad("Invalid value: '" + detail +
                   "'. Supported values are: 'auto', 'low', and 'high'.",
               at + ".image_url.detail");
  }
  return std::nullopt;
}

std::optional<RichError> CheckMessages(const json& messages) {
  std::set<std::string> call_ids;
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    const std::string at = absl::StrCat("messages[", i, "]");
    const std::string role = m.value("role", "");
    if (m.contains("content") && m["content"].is_array()) {
      for (size_t j = 0; j < m["content"].size(); ++j) {
        const std::string part_at = absl::StrCat(at, ".content[", j, "]");
        if (!m["content"][j].is_object()) {
          return Bad("Invalid type for '" + part_at + "'.", part_at,
                     "invalid_type");
        }
        if (role != "user" && m["content"][j].value("type", "") != "text") {
          return Bad(
              "Image URLs are only allowed for messages with role "
              "'user', but this message with role '" +
                  role + "' contains an image URL.",
              part_at);
        }
        if (auto err = CheckPart(m["content"][j], part_at)) return err;
      }
    }
    if (m.contains("tool_calls")) {
      const json& calls = m["tool_calls"];
      if (role != "assistant" || !calls.is_array()) {
        return Bad("Invalid 'tool_calls'.", at + ".tool_calls");
      }
      for (const json& call : calls) {
        const json* fn =
            call.contains("function") ? &call["function"] : nullptr;
        if (!call.value("id", "").size() ||
            call.value("type", "") != "function" || fn == nullptr ||
            !fn->is_object() || !ValidName(fn->value("name", "")) ||
            !fn->contains("arguments") || !(*fn)["arguments"].is_string()) {
          return Bad("Invalid tool call in '" + at + ".tool_calls'.",
                     at + ".tool_calls");
        }
        call_ids.insert(call["id"].get<std::string>());
      }
    }
    if (role == "tool") {
      const std::string id = m.value("tool_call_id", "");
      if (id.empty()) {
        return Bad("Missing required parameter: '" + at + ".tool_call_id'.",
                   at + ".tool_call_id", "missing_required_parameter");
      }
      if (call_ids.count(id) == 0) {
        return Bad(
            "Invalid parameter: messages with role 'tool' must be a "
            "response to a preceeding message with 'tool_calls'.",
            at + ".role", "");
      }
    }
  }
  return std::nullopt;
}

std::optional<RichError> CheckTools(const json& body,
                                    std::set<std::string>& names) {
  if (!body.contains("tools")) return std::nullopt;
  const json& tools = body["tools"];
  if (!tools.is_array()) {
    return Bad("Invalid type for 'tools': expected an array.", "tools",
               "invalid_type");
  }
  for (size_t i = 0; i < tools.size(); ++i) {
    const json& tool = tools[i];
    const std::string at = absl::StrCat("tools[", i, "]");
    if (!tool.is_object() || tool.value("type", "") != "function" ||
        !tool.contains("function") || !tool["function"].is_object()) {
      return Bad("Missing required parameter: '" + at + ".function'.",
                 at + ".function", "missing_required_parameter");
    }
    const json& fn = tool["function"];
    const std::string name = fn.value("name", "");
    if (!ValidName(name)) {
      return Bad("Invalid '" + at +
                     ".function.name': string does not match pattern. "
                     "Expected a string that matches the pattern "
                     "'^[a-zA-Z0-9_-]+$'.",
                 at + ".function.name", "invalid_value");
    }
    if (fn.contains("parameters") &&
        (!fn["parameters"].is_object() ||
         fn["parameters"].value("type", "object") != "object")) {
      return Bad("Invalid schema for function '" + name +
                     "': schema must be a JSON Schema of 'type: \"object\"'.",
                 at + ".function.parameters", "invalid_function_parameters");
    }
    names.insert(name);
  }
  return std::nullopt;
}

std::optional<RichError> CheckToolChoice(const json& body,
                                         const std::set<std::string>& names) {
  const bool has_tools = body.contains("tools") && !body["tools"].empty();
  if (body.contains("parallel_tool_calls")) {
    if (!body["parallel_tool_calls"].is_boolean()) {
      return Bad("Invalid type for 'parallel_tool_calls'.",
                 "parallel_tool_calls", "invalid_type");
    }
    if (!has_tools) {
      return Bad(
          "Invalid value for 'parallel_tool_calls': "
          "'parallel_tool_calls' is only allowed when 'tools' are "
          "specified.",
          "parallel_tool_calls");
    }
  }
  if (!body.contains("tool_choice")) return std::nullopt;
  const json& choice = body["tool_choice"];
  if (!has_tools) {
    return Bad(
        "Invalid value for 'tool_choice': 'tool_choice' is only "
        "allowed when 'tools' are specified.",
        "tool_choice");
  }
  if (choice.is_string()) {
    const std::string mode = choice.get<std::string>();
    if (mode == "auto" || mode == "none" || mode == "required") {
      return std::nullopt;
    }
    return Bad("Invalid value: '" + mode +
                   "'. Supported values are: 'none', 'auto', and "
                   "'required'.",
               "tool_choice");
  }
  const std::string name =
      choice.is_object() && choice.value("type", "") == "function" &&
              choice.contains("function") && choice["function"].is_object()
          ? choice["function"].value("name", "")
          : std::string();
  if (names.count(name) == 0) {
    return Bad("Invalid value for 'tool_choice': no function named '" + name +
                   "' was specified in the 'tools' parameter.",
               "tool_choice");
  }
  return std::nullopt;
}

std::optional<RichError> CheckResponseFormat(const json& body) {
  if (!body.contains("response_format")) return std::nullopt;
  const json& format = body["response_format"];
  const std::string type =
      format.is_object() ? format.value("type", "") : std::string();
  if (type == "text" || type == "json_object") return std::nullopt;
  if (type != "json_schema") {
    return Bad("Invalid value: '" + type +
                   "'. Supported values are: 'json_object', 'json_schema', "
                   "and 'text'.",
               "response_format.type");
  }
  const json* schema =
      format.contains("json_schema") ? &format["json_schema"] : nullptr;
  if (schema == nullptr || !schema->is_object() ||
      !ValidName(schema->value("name", ""))) {
    return Bad("Missing required parameter: 'response_format.json_schema'.",
               "response_format.json_schema", "missing_required_parameter");
  }
  if (!schema->contains("schema") || !(*schema)["schema"].is_object()) {
    return Bad("Invalid schema for response_format '" +
                   schema->value("name", "") + "'.",
               "response_format", "invalid_json_schema");
  }
  return std::nullopt;
}

std::optional<RichError> CheckScalars(const json& body) {
  if (body.contains("seed") && !body["seed"].is_number_integer()) {
    return Bad("Invalid type for 'seed': expected an integer.", "seed",
               "invalid_type");
  }
  for (const char* name : {"presence_penalty", "frequency_penalty"}) {
    if (!body.contains(name)) continue;
    const json& v = body[name];
    if (!v.is_number() || v.get<double>() < -2 || v.get<double>() > 2) {
      return Bad(absl::StrCat("Invalid '", name,
                              "': expected a number between -2 and 2."),
                 name, "invalid_value");
    }
  }
  if (body.contains("user") && !body["user"].is_string()) {
    return Bad("Invalid type for 'user': expected a string.", "user",
               "invalid_type");
  }
  return std::nullopt;
}

// Splits `text` into `n` pieces of similar length (the last may be empty).
std::vector<std::string> Pieces(const std::string& text, size_t n) {
  std::vector<std::string> out;
  const size_t step = (text.size() + n - 1) / n;
  for (size_t i = 0; i < n; ++i) {
    const size_t from = std::min(text.size(), i * (step == 0 ? 1 : step));
    out.push_back(text.substr(from, step));
  }
  return out;
}

}  // namespace

std::optional<RichError> Validate(const json& body) {
  if (auto err = CheckMessages(body["messages"])) return err;
  std::set<std::string> names;
  if (auto err = CheckTools(body, names)) return err;
  if (auto err = CheckToolChoice(body, names)) return err;
  if (auto err = CheckResponseFormat(body)) return err;
  return CheckScalars(body);
}

ojson UsageJson(const Usage& u) {
  ojson usage = {{"prompt_tokens", u.prompt_tokens},
                 {"completion_tokens", u.completion_tokens},
                 {"total_tokens", u.total()}};
  // OpenAI always sends the details; the fake only when there are some, so
  // replies of older tests keep their exact shape.
  if (u.cached_tokens > 0 || u.reasoning_tokens > 0) {
    usage["prompt_tokens_details"] = {{"cached_tokens", u.cached_tokens},
                                      {"audio_tokens", 0}};
    usage["completion_tokens_details"] = {
        {"reasoning_tokens", u.reasoning_tokens},
        {"audio_tokens", 0},
        {"accepted_prediction_tokens", 0},
        {"rejected_prediction_tokens", 0}};
  }
  return usage;
}

ojson Message(const Generation& gen) {
  ojson message = {
      {"role", "assistant"}, {"content", gen.text}, {"refusal", nullptr}};
  if (gen.refusal) {
    message["content"] = nullptr;
    message["refusal"] = *gen.refusal;
  } else if (gen.block_reason) {
    message["content"] = nullptr;
  }
  if (!gen.tool_calls.empty()) {
    if (gen.text.empty()) message["content"] = nullptr;
    ojson calls = ojson::array();
    for (const FakeToolCall& call : gen.tool_calls) {
      calls.push_back(
          {{"id", call.id},
           {"type", "function"},
           {"function",
            {{"name", call.name}, {"arguments", call.arguments_json}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  return message;
}

std::string FinishReason(const Generation& gen) {
  if (gen.finish_reason_override) return *gen.finish_reason_override;
  if (gen.block_reason) return "content_filter";
  if (!gen.tool_calls.empty()) return "tool_calls";
  return gen.FinishReason("stop", "length");
}

std::vector<ojson> ExtraDeltas(const Generation& gen) {
  std::vector<ojson> out;
  if (gen.refusal) {
    for (const std::string& piece : Pieces(*gen.refusal, 2)) {
      out.push_back({{"refusal", piece}});
    }
  }
  for (size_t i = 0; i < gen.tool_calls.size(); ++i) {
    const FakeToolCall& call = gen.tool_calls[i];
    out.push_back(
        {{"tool_calls",
          {{{"index", i},
            {"id", call.id},
            {"type", "function"},
            {"function", {{"name", call.name}, {"arguments", ""}}}}}}});
    for (const std::string& piece : Pieces(call.arguments_json, 3)) {
      out.push_back({{"tool_calls",
                      {{{"index", i}, {"function", {{"arguments", piece}}}}}}});
    }
  }
  return out;
}

HttpReply Embeddings(const json& body) {
  HttpReply r;
  auto fail = [&r](const std::string& message, const std::string& param) {
    r.status = 400;
    r.body = ojson{{"error",
                    {{"message", message},
                     {"type", "invalid_request_error"},
                     {"param", param},
                     {"code", nullptr}}}}
                 .dump();
    return r;
  };
  if (!body.is_object() || !body.contains("model") ||
      !body["model"].is_string()) {
    return fail("you must provide a model parameter", "model");
  }
  const std::string model = body["model"].get<std::string>();
  std::vector<std::string> inputs;
  const json input = body.value("input", json());
  if (input.is_string()) inputs.push_back(input.get<std::string>());
  if (input.is_array()) {
    for (const json& item : input) {
      if (!item.is_string()) return fail("Invalid 'input'.", "input");
      inputs.push_back(item.get<std::string>());
    }
  }
  if (inputs.empty() || inputs.size() > 2048) {
    return fail("'input' must be a non-empty string or array (max 2048).",
                "input");
  }
  for (const std::string& text : inputs) {
    if (text.empty()) return fail("'$.input' is invalid.", "input");
  }
  int64_t native =
      model == "text-embedding-3-large"
          ? 3072
          : (absl::StartsWith(model, "text-embedding-") ? 1536 : 8);
  int64_t dims = native;
  if (body.contains("dimensions")) {
    const json& d = body["dimensions"];
    if (!absl::StartsWith(model, "text-embedding-3") ||
        !d.is_number_integer() || d.get<int64_t>() < 1 ||
        d.get<int64_t>() > native) {
      return fail("This model does not support specifying dimensions.",
                  "dimensions");
    }
    dims = d.get<int64_t>();
  }
  const std::string encoding = body.value("encoding_format", "float");
  if (encoding != "float" && encoding != "base64") {
    return fail("Invalid value for 'encoding_format'.", "encoding_format");
  }
  ojson data = ojson::array();
  int64_t words = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t h = std::hash<std::string>{}(inputs[i]);
    std::vector<float> vec;
    for (int64_t d = 0; d < dims; ++d) {
      h = h * 6364136223846793005ULL + 1442695040888963407ULL;
      vec.push_back(static_cast<float>((h >> 40) % 2001) / 1000.0f - 1.0f);
    }
    ojson embedding = vec;
    if (encoding == "base64") {
      embedding = absl::Base64Escape(absl::string_view(
          reinterpret_cast<const char*>(vec.data()), vec.size() * 4));
    }
    data.push_back(
        {{"object", "embedding"}, {"index", i}, {"embedding", embedding}});
    words += static_cast<int64_t>(
        std::vector<std::string>(
            absl::StrSplit(inputs[i], ' ', absl::SkipEmpty()))
            .size());
  }
  r.body = ojson{{"object", "list"},
                 {"data", std::move(data)},
                 {"model", model},
                 {"usage", {{"prompt_tokens", words}, {"total_tokens", words}}}}
               .dump();
  return r;
}

}  // namespace llmgw::fake_upstream::openai_rich
