#include "providers/openai_compatible/openai_request.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "providers/common/codec_util.h"
#include "providers/common/json_fields.h"

namespace llmgw::openai_compat {
namespace {

using nlohmann::json;

json ImagePart(const ImageContent& image) {
  json image_url = {
      {"url", image.data.empty()
                  ? image.url
                  : absl::StrCat("data:", image.mime_type, ";base64,",
                                 absl::Base64Escape(image.data))}};
  if (!image.detail.empty()) image_url["detail"] = image.detail;
  return {{"type", "image_url"}, {"image_url", std::move(image_url)}};
}

json ContentJson(const Message& message) {
  if (message.parts.empty()) {
    if (message.content.empty() && !message.tool_calls.empty()) return nullptr;
    return message.content;
  }
  json parts = json::array();
  for (const ContentPart& part : message.parts) {
    if (part.kind == ContentPart::Kind::kImage) {
      parts.push_back(ImagePart(part.image));
    } else {
      parts.push_back({{"type", "text"}, {"text", part.text}});
    }
  }
  return parts;
}

json ToolCallsJson(const std::vector<ToolCall>& calls) {
  json out = json::array();
  for (const ToolCall& call : calls) {
    out.push_back(
        {{"id", call.id},
         {"type", "function"},
         {"function",
          {{"name", call.name},
           {"arguments",
            call.arguments_json.empty() ? "{}" : call.arguments_json}}}});
  }
  return out;
}

// `text` parsed as a JSON object, or InvalidArgument naming `what`.
absl::StatusOr<json> SchemaObject(absl::string_view text,
                                  absl::string_view what,
                                  absl::string_view api_name) {
  std::optional<json> parsed = ParseJson(text);
  if (!parsed || !parsed->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is not a JSON object (", api_name, " request)"));
  }
  return *std::move(parsed);
}

absl::Status AddTools(const ProviderRequest& request,
                      absl::string_view api_name, json& body) {
  json tools = json::array();
  for (const ToolDefinition& tool : request.tools) {
    json function = {{"name", tool.name}};
    if (!tool.description.empty()) function["description"] = tool.description;
    if (tool.parameters_json_schema.empty()) {
      function["parameters"] = {{"type", "object"},
                                {"properties", json::object()}};
    } else {
      absl::StatusOr<json> schema = SchemaObject(
          tool.parameters_json_schema,
          absl::StrCat("parameters of tool ", tool.name), api_name);
      if (!schema.ok()) return schema.status();
      function["parameters"] = *std::move(schema);
    }
    tools.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  body["tools"] = std::move(tools);
  if (request.parallel_tool_calls) {
    body["parallel_tool_calls"] = *request.parallel_tool_calls;
  }
  return absl::OkStatus();
}

void AddToolChoice(const ToolChoice& choice, json& body) {
  switch (choice.mode) {
    case ToolChoice::Mode::kUnspecified:
      return;
    case ToolChoice::Mode::kAuto:
      body["tool_choice"] = "auto";
      return;
    case ToolChoice::Mode::kNone:
      body["tool_choice"] = "none";
      return;
    case ToolChoice::Mode::kRequired:
      body["tool_choice"] = "required";
      return;
    case ToolChoice::Mode::kNamed:
      body["tool_choice"] = {{"type", "function"},
                             {"function", {{"name", choice.name}}}};
      return;
  }
}

absl::Status AddResponseFormat(const ResponseFormat& format,
                               absl::string_view api_name, json& body) {
  switch (format.type) {
    case ResponseFormat::Type::kText:
      return absl::OkStatus();
    case ResponseFormat::Type::kJsonObject:
      body["response_format"] = {{"type", "json_object"}};
      return absl::OkStatus();
    case ResponseFormat::Type::kJsonSchema:
      break;
  }
  absl::StatusOr<json> schema =
      SchemaObject(format.json_schema, "response_format schema", api_name);
  if (!schema.ok()) return schema.status();
  body["response_format"] = {
      {"type", "json_schema"},
      {"json_schema",
       {{"name", format.schema_name.empty() ? "response" : format.schema_name},
        {"schema", *std::move(schema)},
        {"strict", format.strict}}}};
  return absl::OkStatus();
}

absl::Status CheckSupport(const ProviderRequest& request,
                          absl::string_view api_name,
                          const OptionSupport& support) {
  const char* field = nullptr;
  if (!support.seed && request.seed) field = "seed";
  if (!support.penalties && request.presence_penalty) {
    field = "presence_penalty";
  }
  if (!support.penalties && request.frequency_penalty) {
    field = "frequency_penalty";
  }
  if (!support.parallel_tool_calls && request.parallel_tool_calls) {
    field = "parallel_tool_calls";
  }
  if (!support.user && !request.end_user_id.empty()) field = "end_user_id";
  if (!support.required_tool_choice &&
      request.tool_choice.mode == ToolChoice::Mode::kRequired) {
    field = "tool_choice \"required\"";
  }
  if (field == nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, " is not supported by the ", api_name, " API"));
}

}  // namespace

json MessagesJson(const ProviderRequest& request) {
  json messages = json::array();
  for (const Message& message : request.messages) {
    if (message.role == MessageRole::kTool) {
      messages.push_back({{"role", "tool"},
                          {"tool_call_id", message.tool_call_id},
                          {"content", ContentJson(message)}});
      continue;
    }
    json entry = {{"role", ChatRoleName(message.role)},
                  {"content", ContentJson(message)}};
    if (message.role == MessageRole::kAssistant &&
        !message.tool_calls.empty()) {
      entry["tool_calls"] = ToolCallsJson(message.tool_calls);
    }
    messages.push_back(std::move(entry));
  }
  return messages;
}

absl::Status AddRequestOptions(const ProviderRequest& request,
                               absl::string_view api_name,
                               const OptionSupport& support, json& body) {
  if (absl::Status s = CheckSupport(request, api_name, support); !s.ok()) {
    return s;
  }
  if (!request.tools.empty()) {
    if (absl::Status s = AddTools(request, api_name, body); !s.ok()) return s;
  } else if (request.parallel_tool_calls) {
    // OpenAI answers 400 for it without tools; say so before sending.
    return absl::InvalidArgumentError(
        absl::StrCat("parallel_tool_calls needs tools (", api_name, " API)"));
  }
  AddToolChoice(request.tool_choice, body);
  if (absl::Status s =
          AddResponseFormat(request.response_format, api_name, body);
      !s.ok()) {
    return s;
  }
  if (request.seed) body["seed"] = *request.seed;
  if (request.presence_penalty) {
    body["presence_penalty"] = WireNumber(*request.presence_penalty);
  }
  if (request.frequency_penalty) {
    body["frequency_penalty"] = WireNumber(*request.frequency_penalty);
  }
  if (!request.end_user_id.empty()) body["user"] = request.end_user_id;
  return absl::OkStatus();
}

}  // namespace llmgw::openai_compat
