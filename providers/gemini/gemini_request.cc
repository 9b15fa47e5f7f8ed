#include "providers/gemini/gemini_request.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "providers/common/codec_util.h"
#include "providers/common/json_fields.h"
#include "providers/gemini/gemini_schema.h"

namespace llmgw::gemini {
namespace {

using nlohmann::json;

constexpr char kApi[] = "the Gemini API";

// "<what> is not supported by the Gemini API[ (<why>)]".
absl::Status Unsupported(absl::string_view what, absl::string_view why = "") {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " is not supported by ", kApi,
                   why.empty() ? "" : absl::StrCat(" (", why, ")")));
}

bool IsImageMimeSupported(absl::string_view mime) {
  for (const char* m :
       {"image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"}) {
    if (mime == m) return true;
  }
  return false;
}

absl::Status CheckImageMime(absl::string_view mime) {
  if (IsImageMimeSupported(mime)) return absl::OkStatus();
  return Unsupported(absl::StrCat("image MIME type \"", mime, "\""),
                     "it reads image/png, image/jpeg, image/webp, "
                     "image/heic and image/heif");
}

// The MIME type of an image URL from its path's extension, or "".
std::string GuessImageMime(absl::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const std::string lower = absl::AsciiStrToLower(url);
  struct Ext {
    const char* ext;
    const char* mime;
  };
  for (const Ext& e : {Ext{".png", "image/png"}, Ext{".jpg", "image/jpeg"},
                       Ext{".jpeg", "image/jpeg"}, Ext{".webp", "image/webp"},
                       Ext{".heic", "image/heic"}, Ext{".heif", "image/heif"},
                       Ext{".gif", "image/gif"}}) {
    if (absl::EndsWith(lower, e.ext)) return e.mime;
  }
  return "";
}

json InlineData(absl::string_view mime, std::string base64) {
  return json{{"inlineData",
               {{"mimeType", std::string(mime)}, {"data", std::move(base64)}}}};
}

// "data:<mime>;base64,<payload>" as inlineData.
absl::StatusOr<json> DataUrlPart(absl::string_view url) {
  absl::string_view rest = url.substr(5);
  const size_t comma = rest.find(',');
  absl::string_view meta = rest.substr(0, comma);
  if (comma == absl::string_view::npos ||
      !absl::ConsumeSuffix(&meta, ";base64")) {
    return Unsupported("a data: image URL that is not base64");
  }
  const std::string mime = absl::AsciiStrToLower(meta);
  if (absl::Status s = CheckImageMime(mime); !s.ok()) return s;
  return InlineData(mime, std::string(rest.substr(comma + 1)));
}

// One image part; records a "low"/"high" detail in `*resolution`.
absl::StatusOr<json> ImagePart(const ImageContent& image,
                               std::string* resolution) {
  if (image.detail == "low" || image.detail == "high") {
    const std::string wanted = image.detail == "low" ? "MEDIA_RESOLUTION_LOW"
                                                     : "MEDIA_RESOLUTION_HIGH";
    if (!resolution->empty() && *resolution != wanted) {
      return Unsupported("images of one request with different detail levels",
                         "it has one mediaResolution per request");
    }
    *resolution = wanted;
  }
  if (!image.data.empty()) {
    if (absl::Status s = CheckImageMime(image.mime_type); !s.ok()) return s;
    return InlineData(image.mime_type, absl::Base64Escape(image.data));
  }
  if (absl::StartsWithIgnoreCase(image.url, "data:")) {
    return DataUrlPart(image.url);
  }
  std::string mime =
      image.mime_type.empty() ? GuessImageMime(image.url) : image.mime_type;
  if (mime.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an image URL needs a MIME type for ", kApi,
        " (fileData.mimeType is required) and none could be told from the "
        "URL's extension: set the image's mime_type"));
  }
  if (absl::Status s = CheckImageMime(mime); !s.ok()) return s;
  return json{{"fileData", {{"mimeType", mime}, {"fileUri", image.url}}}};
}

absl::StatusOr<json> UserParts(const Message& message,
                               std::string* resolution) {
  json parts = json::array();
  if (message.parts.empty()) {
    parts.push_back(json{{"text", message.content}});
    return parts;
  }
  for (const ContentPart& part : message.parts) {
    if (part.kind == ContentPart::Kind::kText) {
      parts.push_back(json{{"text", part.text}});
      continue;
    }
    absl::StatusOr<json> image = ImagePart(part.image, resolution);
    if (!image.ok()) return image.status();
    parts.push_back(*std::move(image));
  }
  return parts;
}

absl::StatusOr<json> ModelParts(const Message& message) {
  json parts = json::array();
  const std::string text = message.Text();
  if (!text.empty() || message.tool_calls.empty()) {
    parts.push_back(json{{"text", text}});
  }
  for (const ToolCall& call : message.tool_calls) {
    std::optional<json> args = ParseJson(call.arguments_json);
    if (call.arguments_json.empty()) args = json::object();
    if (!args.has_value() || !args->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the arguments of tool call \"", call.id,
                       "\" are not a JSON object"));
    }
    parts.push_back(json{
        {"functionCall", {{"name", call.name}, {"args", *std::move(args)}}}});
  }
  return parts;
}

json ToolResultParts(const Message& message) {
  const std::string text = message.Text();
  std::optional<json> result = ParseJson(text);
  json response = result.has_value() && result->is_object()
                      ? *std::move(result)
                      : json{{"output", text}};
  return json::array(
      {{{"functionResponse",
         {{"name", message.tool_name}, {"response", std::move(response)}}}}});
}

// Appends `parts` to contents[], merging into the last Content of `role`.
void Append(const char* role, json parts, json* contents) {
  if (!contents->empty() && contents->back()["role"] == role) {
    for (json& part : parts)
      contents->back()["parts"].push_back(std::move(part));
    return;
  }
  contents->push_back(json{{"role", role}, {"parts", std::move(parts)}});
}

absl::Status MapMessages(const std::vector<Message>& messages, json* contents,
                         std::vector<std::string>* system,
                         std::string* resolution) {
  *contents = json::array();
  for (const Message& message : messages) {
    absl::StatusOr<json> parts;
    const char* role = "user";
    switch (message.role) {
      case MessageRole::kSystem:
        system->push_back(message.Text());
        continue;
      case MessageRole::kUser:
        parts = UserParts(message, resolution);
        break;
      case MessageRole::kAssistant:
        role = "model";
        parts = ModelParts(message);
        break;
      case MessageRole::kTool:
        parts = ToolResultParts(message);
        break;
    }
    if (!parts.ok()) return parts.status();
    Append(role, *std::move(parts), contents);
  }
  return absl::OkStatus();
}

absl::StatusOr<json> Tools(const std::vector<ToolDefinition>& tools) {
  json declarations = json::array();
  for (size_t i = 0; i < tools.size(); ++i) {
    const ToolDefinition& tool = tools[i];
    json declaration = {{"name", tool.name}};
    if (!tool.description.empty())
      declaration["description"] = tool.description;
    std::optional<json> schema = tool.parameters_json_schema.empty()
                                     ? json::object()
                                     : ParseJson(tool.parameters_json_schema);
    if (!schema.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the parameters of tool \"", tool.name, "\" are not JSON"));
    }
    if (!IsEmptyObjectSchema(*schema)) {
      absl::StatusOr<json> parameters = ToGeminiSchema(
          *schema, absl::StrCat("the parameters of tool \"", tool.name, "\""));
      if (!parameters.ok()) return parameters.status();
      declaration["parameters"] = *std::move(parameters);
    }
    declarations.push_back(std::move(declaration));
  }
  return json::array({{{"functionDeclarations", std::move(declarations)}}});
}

std::optional<json> ToolConfig(const ToolChoice& choice) {
  json config;
  switch (choice.mode) {
    case ToolChoice::Mode::kUnspecified:
      return std::nullopt;
    case ToolChoice::Mode::kAuto:
      config = {{"mode", "AUTO"}};
      break;
    case ToolChoice::Mode::kNone:
      config = {{"mode", "NONE"}};
      break;
    case ToolChoice::Mode::kRequired:
      config = {{"mode", "ANY"}};
      break;
    case ToolChoice::Mode::kNamed:
      config = {{"mode", "ANY"},
                {"allowedFunctionNames", json::array({choice.name})}};
      break;
  }
  return json{{"functionCallingConfig", std::move(config)}};
}

absl::Status AddResponseFormat(const ResponseFormat& format, json* config) {
  if (format.type == ResponseFormat::Type::kText) return absl::OkStatus();
  (*config)["responseMimeType"] = "application/json";
  if (format.type != ResponseFormat::Type::kJsonSchema) return absl::OkStatus();
  std::optional<json> schema = ParseJson(format.json_schema);
  if (!schema.has_value()) {
    return absl::InvalidArgumentError("the response JSON schema is not JSON");
  }
  absl::StatusOr<json> mapped = ToGeminiSchema(
      *schema, absl::StrCat("response schema \"", format.schema_name, "\""));
  if (!mapped.ok()) return mapped.status();
  (*config)["responseSchema"] = *std::move(mapped);
  return absl::OkStatus();
}

absl::StatusOr<json> GenerationConfig(const ProviderRequest& request,
                                      const std::string& resolution) {
  json config = json::object();
  if (request.max_tokens > 0) config["maxOutputTokens"] = request.max_tokens;
  if (request.temperature)
    config["temperature"] = WireNumber(*request.temperature);
  if (request.top_p) config["topP"] = WireNumber(*request.top_p);
  if (!request.stop.empty()) config["stopSequences"] = request.stop;
  if (request.seed) {
    if (*request.seed < std::numeric_limits<int32_t>::min() ||
        *request.seed > std::numeric_limits<int32_t>::max()) {
      return Unsupported("a seed outside the 32-bit integer range");
    }
    config["seed"] = *request.seed;
  }
  if (request.presence_penalty) {
    config["presencePenalty"] = WireNumber(*request.presence_penalty);
  }
  if (request.frequency_penalty) {
    config["frequencyPenalty"] = WireNumber(*request.frequency_penalty);
  }
  if (absl::Status s = AddResponseFormat(request.response_format, &config);
      !s.ok()) {
    return s;
  }
  if (!resolution.empty()) config["mediaResolution"] = resolution;
  return config;
}

}  // namespace

absl::StatusOr<json> BuildGenerateContentBody(const ProviderRequest& request) {
  if (request.parallel_tool_calls == false) {
    return Unsupported("parallel_tool_calls=false",
                       "it cannot limit a turn to one function call");
  }
  json contents;
  std::vector<std::string> system;
  std::string resolution;
  if (absl::Status s =
          MapMessages(request.messages, &contents, &system, &resolution);
      !s.ok()) {
    return s;
  }
  if (contents.empty()) {
    return absl::InvalidArgumentError(
        "gemini: at least one user or assistant message is required");
  }
  json body = {{"contents", std::move(contents)}};
  if (!system.empty()) {
    body["systemInstruction"] = {
        {"parts", json::array({{{"text", absl::StrJoin(system, "\n\n")}}})}};
  }
  if (!request.tools.empty()) {
    absl::StatusOr<json> tools = Tools(request.tools);
    if (!tools.ok()) return tools.status();
    body["tools"] = *std::move(tools);
  }
  if (std::optional<json> config = ToolConfig(request.tool_choice)) {
    body["toolConfig"] = *std::move(config);
  }
  absl::StatusOr<json> config = GenerationConfig(request, resolution);
  if (!config.ok()) return config.status();
  if (!config->empty()) body["generationConfig"] = *std::move(config);
  return body;
}

}  // namespace llmgw::gemini
