// Validation of a v2 chat request body (cohere_fake.h ParseChatRequest);
// the checks are listed in cohere_format.cc.

#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/cohere/cohere_fake.h"

namespace llmgw::fake_upstream::cohere_fake {
namespace {

using nlohmann::json;

// An {"type":"image_url","image_url":{"url"[,"detail"]}} part: an http(s)
// URL or a base64 data URI of image/jpeg, png, webp or gif (the formats the
// chat reference lists).
std::optional<std::string> CheckImagePart(const json& part,
                                          const std::string& at) {
  auto image = part.find("image_url");
  if (image == part.end() || !image->is_object()) {
    return absl::StrCat("invalid request: ", at,
                        ".image_url must be an object with a url.");
  }
  auto url = image->find("url");
  if (url == image->end() || !url->is_string()) {
    return absl::StrCat("invalid request: ", at, ".image_url.url is required.");
  }
  const std::string u = url->get<std::string>();
  if (absl::StartsWith(u, "https://") || absl::StartsWith(u, "http://")) {
    return std::nullopt;
  }
  for (const char* mime :
       {"image/jpeg", "image/png", "image/webp", "image/gif"}) {
    const std::string prefix = absl::StrCat("data:", mime, ";base64,");
    if (absl::StartsWith(u, prefix) && u.size() > prefix.size()) {
      return std::nullopt;
    }
  }
  return absl::StrCat("invalid request: ", at,
                      ".image_url.url must be a web URL or a base64 data URI "
                      "of type image/jpeg, image/png, image/webp or "
                      "image/gif.");
}

// An assistant message's "tool_calls"; their ids go to `ids`.
std::optional<std::string> CheckToolCalls(const json& calls,
                                          const std::string& at,
                                          std::set<std::string>* ids) {
  if (!calls.is_array()) {
    return InvalidType(absl::StrCat(at, ".tool_calls"), "an array", calls);
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    const json& c = calls[i];
    const std::string call_at = absl::StrCat(at, ".tool_calls[", i, "]");
    const json* function =
        c.is_object() && c.contains("function") ? &c["function"] : nullptr;
    if (!c.is_object() || !c.value("id", json()).is_string() ||
        c.value("type", "") != "function" || function == nullptr ||
        !function->is_object() ||
        !function->value("name", json()).is_string() ||
        !function->value("arguments", json()).is_string()) {
      return absl::StrCat("invalid request: ", call_at,
                          " must be {id, type: \"function\", function: "
                          "{name, arguments (a string)}}.");
    }
    if (!json::accept((*function)["arguments"].get<std::string>())) {
      return absl::StrCat("invalid request: ", call_at,
                          ".function.arguments must be valid JSON.");
    }
    ids->insert(c["id"].get<std::string>());
  }
  return std::nullopt;
}

// The text of a message's content: a string, or the text of an array's
// {"type": "text"} parts joined with spaces. Sets *error on a bad shape.
std::string ContentText(const json& content, absl::string_view at,
                        std::optional<std::string>* error, bool* has_image) {
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
    } else if (*type == "image_url") {
      *error = CheckImagePart(part, part_at);
      if (error->has_value()) return "";
      *has_image = true;
    } else if (*type != "document") {
      *error = absl::StrCat("invalid request: ", part_at, ".type '",
                            type->get<std::string>(),
                            "' must be one of: text, image_url, document.");
      return "";
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
  std::set<std::string> call_ids;
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
    if (role_name == "assistant" && m.contains("tool_calls")) {
      if (auto err = CheckToolCalls(m["tool_calls"], at, &call_ids)) return err;
    }
    if (role_name == "tool") {
      const json& id = m["tool_call_id"];
      if (!id.is_string() || call_ids.count(id.get<std::string>()) == 0) {
        return absl::StrCat("invalid request: ", at, ".tool_call_id ",
                            id.dump(),
                            " does not match a tool call of an earlier "
                            "assistant message.");
      }
    }
    if (!has_content &&
        !(role_name == "assistant" && m.contains("tool_calls"))) {
      return absl::StrCat("invalid request: ", at, ".content is required.");
    }
    std::string text;
    if (has_content) {
      std::optional<std::string> error;
      bool has_image = false;
      text = ContentText(*content, at, &error, &has_image);
      if (error.has_value()) return error;
      if (content->is_string() && text.empty()) {
        return "message must not be empty in a turn";
      }
      if (has_image && role_name != "user") {
        return absl::StrCat("invalid request: ", at,
                            ": images are only allowed in user messages.");
      }
      if (has_image && !absl::StrContains(g->model, "vision")) {
        return absl::StrCat("invalid request: model '", g->model,
                            "' does not support image inputs.");
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

// "tools": [{"type": "function", "function": {"name", "description"?,
// "parameters"}}]; their names go to `names`.
std::optional<std::string> CheckTools(const json& body,
                                      std::set<std::string>* names) {
  auto tools = body.find("tools");
  if (tools == body.end() || tools->is_null()) return std::nullopt;
  if (!tools->is_array()) return InvalidType("tools", "an array", *tools);
  for (size_t i = 0; i < tools->size(); ++i) {
    const json& t = (*tools)[i];
    const std::string at = absl::StrCat("tools[", i, "]");
    const json* function =
        t.is_object() && t.contains("function") ? &t["function"] : nullptr;
    if (!t.is_object() || t.value("type", "") != "function" ||
        function == nullptr || !function->is_object()) {
      return absl::StrCat("invalid request: ", at,
                          " must be {type: \"function\", function: {...}}.");
    }
    const json name = function->value("name", json());
    if (!name.is_string() || name.get<std::string>().empty()) {
      return absl::StrCat("invalid request: ", at,
                          ".function.name is required.");
    }
    if (!names->insert(name.get<std::string>()).second) {
      return absl::StrCat("invalid request: duplicate tool name '",
                          name.get<std::string>(), "'.");
    }
    const json params = function->value("parameters", json());
    if (!params.is_object()) {
      return InvalidType(absl::StrCat(at, ".function.parameters"),
                         "a JSON schema object", params);
    }
    if (function->contains("description") &&
        !(*function)["description"].is_string()) {
      return InvalidType(absl::StrCat(at, ".function.description"), "a string",
                         (*function)["description"]);
    }
  }
  return std::nullopt;
}

// tool_choice, strict_tools, response_format, seed and the penalties.
std::optional<std::string> CheckOptions(const json& body) {
  std::set<std::string> names;
  if (auto err = CheckTools(body, &names)) return err;
  auto choice = body.find("tool_choice");
  if (choice != body.end() && !choice->is_null()) {
    if (*choice != "REQUIRED" && *choice != "NONE") {
      return absl::StrCat(
          "invalid request: tool_choice must be one of: "
          "REQUIRED, NONE (got ",
          choice->dump(), ").");
    }
    if (*choice == "REQUIRED" && names.empty()) {
      return "invalid request: tool_choice REQUIRED needs tools.";
    }
  }
  auto strict = body.find("strict_tools");
  if (strict != body.end() && !strict->is_null() && !strict->is_boolean()) {
    return InvalidType("strict_tools", "a boolean", *strict);
  }
  auto format = body.find("response_format");
  if (format != body.end() && !format->is_null()) {
    const std::string type =
        format->is_object() ? format->value("type", "") : "";
    if (type != "text" && type != "json_object") {
      return "invalid request: response_format.type must be one of: text, "
             "json_object.";
    }
    if (format->contains("json_schema") &&
        (type != "json_object" || !(*format)["json_schema"].is_object())) {
      return "invalid request: response_format.json_schema must be an object "
             "and needs type json_object.";
    }
    if (type == "json_object" && !names.empty()) {
      return "invalid request: response_format is not supported together "
             "with tools.";
    }
  }
  auto seed = body.find("seed");
  if (seed != body.end() && !seed->is_null() && !seed->is_number_integer()) {
    return InvalidType("seed", "an integer", *seed);
  }
  if (auto err = CheckRange(body, "presence_penalty", 0, 1, "0 and 1.0")) {
    return err;
  }
  return CheckRange(body, "frequency_penalty", 0, 1, "0 and 1.0");
}

}  // namespace

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
        "chat_history", "preamble", "parallel_tool_calls", "user", "functions",
        "function_call", "n", "logit_bias"}) {
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
  return CheckOptions(body);
}

}  // namespace llmgw::fake_upstream::cohere_fake
