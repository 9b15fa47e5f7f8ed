#include "providers/anthropic/anthropic_request.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

constexpr absl::string_view kApi = "the Anthropic Messages API";

bool SupportedImageType(absl::string_view mime) {
  return mime == "image/jpeg" || mime == "image/png" || mime == "image/gif" ||
         mime == "image/webp";
}

absl::Status UnsupportedImageType(absl::string_view mime) {
  return absl::InvalidArgumentError(
      absl::StrCat("image type \"", mime, "\" is not supported by ", kApi,
                   " (image/jpeg, image/png, image/gif, image/webp)"));
}

// {"type":"base64","media_type":...,"data":...} from a data: URL.
absl::StatusOr<Json> DataUrlSource(absl::string_view url) {
  absl::string_view rest = url.substr(5);  // after "data:"
  const size_t comma = rest.find(',');
  absl::string_view meta =
      comma == absl::string_view::npos ? rest : rest.substr(0, comma);
  if (comma == absl::string_view::npos ||
      !absl::ConsumeSuffix(&meta, ";base64")) {
    return absl::InvalidArgumentError(
        "image data: URLs must be base64 (data:<type>;base64,<data>)");
  }
  if (!SupportedImageType(meta)) return UnsupportedImageType(meta);
  return Json{{"type", "base64"},
              {"media_type", std::string(meta)},
              {"data", std::string(rest.substr(comma + 1))}};
}

absl::StatusOr<Json> ImageBlock(const ImageContent& image) {
  Json source;
  if (!image.data.empty()) {
    if (!SupportedImageType(image.mime_type)) {
      return UnsupportedImageType(image.mime_type);
    }
    source = {{"type", "base64"},
              {"media_type", image.mime_type},
              {"data", absl::Base64Escape(image.data)}};
  } else if (absl::StartsWith(image.url, "data:")) {
    absl::StatusOr<Json> parsed = DataUrlSource(image.url);
    if (!parsed.ok()) return parsed.status();
    source = *std::move(parsed);
  } else {
    source = {{"type", "url"}, {"url", image.url}};
  }
  return Json{{"type", "image"}, {"source", std::move(source)}};
}

absl::StatusOr<Json> JsonObject(const std::string& text,
                                absl::string_view what) {
  std::optional<Json> parsed = ParseJson(text);
  if (!parsed.has_value() || !parsed->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a JSON object"));
  }
  return *std::move(parsed);
}

Json TextBlock(const std::string& text) {
  return {{"type", "text"}, {"text", text}};
}

// One wire turn being assembled.
struct Turn {
  bool assistant = false;
  int messages = 0;
  bool plain = true;  // only plain-text messages so far
  Json tool_results = Json::array();
  Json blocks = Json::array();

  Json Content() const {
    if (messages == 1 && plain) return blocks.front()["text"];
    Json content = tool_results;
    for (const Json& block : blocks) content.push_back(block);
    return content;
  }
};

absl::Status AddMessage(const Message& message, Turn& turn) {
  ++turn.messages;
  if (message.role == MessageRole::kTool) {
    turn.plain = false;
    Json result = {{"type", "tool_result"},
                   {"tool_use_id", message.tool_call_id}};
    std::string text = message.Text();
    if (!text.empty()) result["content"] = std::move(text);
    turn.tool_results.push_back(std::move(result));
    return absl::OkStatus();
  }
  if (message.parts.empty()) {
    if (!message.content.empty() || message.tool_calls.empty()) {
      turn.blocks.push_back(TextBlock(message.content));
    }
  } else {
    turn.plain = false;
    for (const ContentPart& part : message.parts) {
      if (part.kind == ContentPart::Kind::kText) {
        turn.blocks.push_back(TextBlock(part.text));
        continue;
      }
      absl::StatusOr<Json> image = ImageBlock(part.image);
      if (!image.ok()) return image.status();
      turn.blocks.push_back(*std::move(image));
    }
  }
  for (const ToolCall& call : message.tool_calls) {
    turn.plain = false;
    absl::StatusOr<Json> input =
        JsonObject(call.arguments_json.empty() ? "{}" : call.arguments_json,
                   absl::StrCat("arguments of tool call ", call.id));
    if (!input.ok()) return input.status();
    turn.blocks.push_back({{"type", "tool_use"},
                           {"id", call.id},
                           {"name", call.name},
                           {"input", *std::move(input)}});
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> ToolsJson(const std::vector<ToolDefinition>& tools) {
  Json out = Json::array();
  for (const ToolDefinition& tool : tools) {
    Json schema = {{"type", "object"}, {"properties", Json::object()}};
    if (!tool.parameters_json_schema.empty()) {
      absl::StatusOr<Json> parsed =
          JsonObject(tool.parameters_json_schema,
                     absl::StrCat("parameters of tool ", tool.name));
      if (!parsed.ok()) return parsed.status();
      schema = *std::move(parsed);
    }
    Json entry = {{"name", tool.name}};
    if (!tool.description.empty()) entry["description"] = tool.description;
    entry["input_schema"] = std::move(schema);
    out.push_back(std::move(entry));
  }
  return out;
}

// "tool_choice", or null when the API default (auto, parallel) is asked.
absl::StatusOr<Json> ToolChoiceJson(const ProviderRequest& request) {
  const ToolChoice& choice = request.tool_choice;
  const bool no_parallel =
      request.parallel_tool_calls.has_value() && !*request.parallel_tool_calls;
  Json out;
  switch (choice.mode) {
    case ToolChoice::Mode::kNone:
      return Json{{"type", "none"}};
    case ToolChoice::Mode::kRequired:
      out = {{"type", "any"}};
      break;
    case ToolChoice::Mode::kNamed:
      out = {{"type", "tool"}, {"name", choice.name}};
      break;
    case ToolChoice::Mode::kAuto:
      out = {{"type", "auto"}};
      break;
    case ToolChoice::Mode::kUnspecified:
      if (!no_parallel) return Json();
      out = {{"type", "auto"}};
      break;
  }
  if (no_parallel) out["disable_parallel_tool_use"] = true;
  return out;
}

absl::Status Unsupported(absl::string_view field) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, " is not supported by ", kApi));
}

}  // namespace

absl::StatusOr<AnthropicPrompt> BuildAnthropicPrompt(
    const ProviderRequest& request) {
  AnthropicPrompt prompt;
  std::vector<Turn> turns;
  for (const Message& message : request.messages) {
    if (message.role == MessageRole::kSystem) {
      prompt.system_parts.push_back(message.Text());
      continue;
    }
    const bool assistant = message.role == MessageRole::kAssistant;
    if (turns.empty() || turns.back().assistant != assistant) {
      turns.emplace_back();
      turns.back().assistant = assistant;
    }
    absl::Status added = AddMessage(message, turns.back());
    if (!added.ok()) return added;
  }
  if (turns.empty()) {
    return absl::InvalidArgumentError(
        "Anthropic requests need at least one user or assistant message");
  }
  for (const Turn& turn : turns) {
    prompt.messages.push_back({{"role", turn.assistant ? "assistant" : "user"},
                               {"content", turn.Content()}});
  }
  return prompt;
}

absl::Status AddAnthropicOptions(const ProviderRequest& request, Json& body) {
  if (request.seed.has_value()) return Unsupported("seed");
  if (request.presence_penalty.has_value()) {
    return Unsupported("presence_penalty");
  }
  if (request.frequency_penalty.has_value()) {
    return Unsupported("frequency_penalty");
  }
  switch (request.response_format.type) {
    case ResponseFormat::Type::kText:
      break;
    case ResponseFormat::Type::kJsonObject:
      return absl::InvalidArgumentError(
          absl::StrCat("response_format json_object is not supported by ", kApi,
                       " (it has no schema-less JSON mode; use json_schema)"));
    case ResponseFormat::Type::kJsonSchema: {
      absl::StatusOr<Json> schema = JsonObject(
          request.response_format.json_schema, "response_format json_schema");
      if (!schema.ok()) return schema.status();
      body["output_config"] = {
          {"format",
           {{"type", "json_schema"}, {"schema", *std::move(schema)}}}};
      break;
    }
  }
  if (!request.tools.empty()) {
    absl::StatusOr<Json> tools = ToolsJson(request.tools);
    if (!tools.ok()) return tools.status();
    body["tools"] = *std::move(tools);
    absl::StatusOr<Json> choice = ToolChoiceJson(request);
    if (!choice.ok()) return choice.status();
    if (!choice->is_null()) body["tool_choice"] = *std::move(choice);
  } else if (request.tool_choice.mode == ToolChoice::Mode::kRequired ||
             request.tool_choice.mode == ToolChoice::Mode::kNamed) {
    return absl::InvalidArgumentError(
        "tool_choice required/named needs at least one tool");
  }
  if (!request.end_user_id.empty()) {
    body["metadata"] = {{"user_id", request.end_user_id}};
  }
  return absl::OkStatus();
}

}  // namespace llmgw
