// Cohere v2 chat request pieces: messages and options (cohere_wire.h).

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "providers/cohere/cohere_wire.h"
#include "providers/common/codec_util.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace cohere {
namespace {

using Json = nlohmann::json;

constexpr char kApi[] = "the Cohere v2 Chat API";

// A JSON object from text the service layer already validated; an empty
// object for "".
Json ObjectFrom(const std::string& text) {
  if (text.empty()) return Json::object();
  Json parsed = ParseJsonOrDiscarded(text);
  return parsed.is_object() ? parsed : Json::object();
}

Json ImagePart(const ImageContent& image) {
  Json url = {{"url", image.url.empty()
                          ? absl::StrCat("data:", image.mime_type, ";base64,",
                                         absl::Base64Escape(image.data))
                          : image.url}};
  if (!image.detail.empty()) url["detail"] = image.detail;
  return {{"type", "image_url"}, {"image_url", std::move(url)}};
}

// A user/assistant message's "content": the string, or typed parts.
Json Content(const Message& message) {
  if (message.parts.empty()) return message.content;
  Json parts = Json::array();
  for (const ContentPart& part : message.parts) {
    if (part.kind == ContentPart::Kind::kImage) {
      parts.push_back(ImagePart(part.image));
    } else {
      parts.push_back({{"type", "text"}, {"text", part.text}});
    }
  }
  return parts;
}

Json AssistantMessage(const Message& message) {
  Json out = {{"role", "assistant"}};
  const std::string text = message.Text();
  if (!text.empty() || message.tool_calls.empty()) out["content"] = text;
  if (!message.tool_calls.empty()) {
    Json calls = Json::array();
    for (const ToolCall& call : message.tool_calls) {
      calls.push_back(
          {{"id", call.id},
           {"type", "function"},
           {"function",
            {{"name", call.name},
             {"arguments",
              call.arguments_json.empty() ? "{}" : call.arguments_json}}}});
    }
    out["tool_calls"] = std::move(calls);
  }
  return out;
}

Json ToolMessage(const Message& message) {
  return {
      {"role", "tool"},
      {"tool_call_id", message.tool_call_id},
      {"content", Json::array({{{"type", "text"}, {"text", message.Text()}}})}};
}

Json ToolsJson(const std::vector<ToolDefinition>& tools) {
  Json out = Json::array();
  for (const ToolDefinition& tool : tools) {
    Json parameters = ObjectFrom(tool.parameters_json_schema);
    if (parameters.empty()) {
      parameters = {{"type", "object"}, {"properties", Json::object()}};
    }
    Json function = {{"name", tool.name},
                     {"parameters", std::move(parameters)}};
    if (!tool.description.empty()) function["description"] = tool.description;
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

absl::Status Unsupported(absl::string_view what, absl::string_view why = "") {
  return absl::InvalidArgumentError(absl::StrCat(what, " is not supported by ",
                                                 kApi, why.empty() ? "" : " (",
                                                 why, why.empty() ? "" : ")"));
}

absl::Status AddPenalty(const char* name, const std::optional<float>& value,
                        Json& body) {
  if (!value.has_value()) return absl::OkStatus();
  if (*value < 0.0f || *value > 1.0f) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " must be between 0 and 1 for ", kApi, " (got ", *value, ")"));
  }
  body[name] = WireNumber(*value);
  return absl::OkStatus();
}

absl::Status AddToolOptions(const ProviderRequest& request, Json& body) {
  const ToolChoice& choice = request.tool_choice;
  if (choice.mode == ToolChoice::Mode::kNamed) {
    return Unsupported(
        absl::StrCat("a named tool_choice (\"", choice.name,
                     "\"; Cohere accepts only REQUIRED or NONE)"));
  }
  // Cohere may call several tools in one turn and has no switch for it.
  if (request.parallel_tool_calls.has_value() &&
      !*request.parallel_tool_calls) {
    return Unsupported("parallel_tool_calls = false",
                       "the model may always call several tools per turn");
  }
  if (!request.tools.empty()) body["tools"] = ToolsJson(request.tools);
  if (choice.mode == ToolChoice::Mode::kRequired) {
    if (request.tools.empty()) {
      return absl::InvalidArgumentError(
          "tool_choice REQUIRED needs tools in the Cohere v2 Chat API");
    }
    body["tool_choice"] = "REQUIRED";
  } else if (choice.mode == ToolChoice::Mode::kNone && !request.tools.empty()) {
    body["tool_choice"] = "NONE";
  }
  return absl::OkStatus();
}

absl::Status AddResponseFormat(const ProviderRequest& request, Json& body) {
  const ResponseFormat& format = request.response_format;
  if (format.type == ResponseFormat::Type::kText) return absl::OkStatus();
  if (!request.tools.empty()) {
    return Unsupported("response_format together with tools",
                       "the reference lists them as exclusive");
  }
  Json out = {{"type", "json_object"}};
  if (format.type == ResponseFormat::Type::kJsonSchema) {
    // Cohere has no schema name; its json_schema output always follows the
    // schema (strict by construction).
    out["json_schema"] = ObjectFrom(format.json_schema);
  }
  body["response_format"] = std::move(out);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> Messages(const ProviderRequest& request) {
  std::vector<std::string> system_parts;
  Json conversation = Json::array();
  for (const Message& message : request.messages) {
    switch (message.role) {
      case MessageRole::kSystem:
        system_parts.push_back(message.Text());
        break;
      case MessageRole::kUser:
        conversation.push_back(
            {{"role", "user"}, {"content", Content(message)}});
        break;
      case MessageRole::kAssistant:
        conversation.push_back(AssistantMessage(message));
        break;
      case MessageRole::kTool:
        conversation.push_back(ToolMessage(message));
        break;
    }
  }
  if (conversation.empty()) {
    return absl::InvalidArgumentError(
        "Cohere requests need at least one user or assistant message");
  }
  Json messages = Json::array();
  if (!system_parts.empty()) {
    messages.push_back(
        {{"role", "system"}, {"content", absl::StrJoin(system_parts, "\n\n")}});
  }
  for (Json& message : conversation) messages.push_back(std::move(message));
  return messages;
}

absl::Status AddOptions(const ProviderRequest& request, Json& body) {
  if (!request.end_user_id.empty()) {
    return Unsupported("end_user_id", "it has no per-user id field");
  }
  if (absl::Status s = AddToolOptions(request, body); !s.ok()) return s;
  if (absl::Status s = AddResponseFormat(request, body); !s.ok()) return s;
  if (request.seed.has_value()) body["seed"] = *request.seed;
  if (absl::Status s =
          AddPenalty("presence_penalty", request.presence_penalty, body);
      !s.ok()) {
    return s;
  }
  return AddPenalty("frequency_penalty", request.frequency_penalty, body);
}

}  // namespace cohere
}  // namespace llmgw
