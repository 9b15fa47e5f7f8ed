#include "cli/request_options.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

namespace {

absl::Status Bad(absl::string_view flag, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
}

// `text` parses as a JSON object of at most kMaxSchemaBytes; returned
// compact.
absl::StatusOr<std::string> JsonObject(absl::string_view flag,
                                       absl::string_view text) {
  if (static_cast<int64_t>(text.size()) > kMaxSchemaBytes) {
    return Bad(flag, absl::StrCat("the schema is larger than ", kMaxSchemaBytes,
                                  " bytes"));
  }
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Bad(flag, absl::StrCat("not a JSON object: ", text.substr(0, 80)));
  }
  return parsed.dump();
}

absl::StatusOr<v1::Tool> ToolFromJson(const nlohmann::json& item) {
  const nlohmann::json* fn = &item;
  if (item.is_object() && item.contains("function")) fn = &item["function"];
  if (!fn->is_object() || !fn->contains("name") || !(*fn)["name"].is_string()) {
    return Bad("tools_file", "each tool needs a \"name\" string");
  }
  v1::Tool tool;
  tool.set_name((*fn)["name"].get<std::string>());
  if (fn->contains("description") && (*fn)["description"].is_string()) {
    tool.set_description((*fn)["description"].get<std::string>());
  }
  if (fn->contains("parameters")) {
    if (!(*fn)["parameters"].is_object()) {
      return Bad("tools_file", absl::StrCat("parameters of ", tool.name(),
                                            " must be a JSON object"));
    }
    tool.set_parameters_json_schema((*fn)["parameters"].dump());
  }
  return tool;
}

absl::Status AddTools(const CommandLine& line, v1::GenerateRequest* request) {
  if (auto it = line.flags.find("tool"); it != line.flags.end()) {
    for (const std::string& value : it->second) {
      absl::StatusOr<v1::Tool> tool = ParseToolFlag(value);
      if (!tool.ok()) return tool.status();
      *request->add_tools() = *std::move(tool);
    }
  }
  if (auto path = line.Last("tools_file")) {
    absl::StatusOr<std::string> text =
        ReadBoundedFile("tools_file", *path, kMaxJsonFileBytes);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::vector<v1::Tool>> tools = ParseToolsJson(*text);
    if (!tools.ok()) return tools.status();
    for (v1::Tool& tool : *tools) *request->add_tools() = std::move(tool);
  }
  if (request->tools_size() > kMaxTools) {
    return Bad("tool", absl::StrCat("at most ", kMaxTools, " tools"));
  }
  if (auto choice = line.Last("tool_choice")) {
    *request->mutable_tool_choice() = ParseToolChoice(*choice);
  }
  return absl::OkStatus();
}

absl::Status AddResponseFormat(const CommandLine& line,
                               v1::GenerateRequest* request) {
  v1::ResponseFormat* format = request->mutable_response_format();
  if (auto schema = line.Last("json_schema")) {
    std::string text = *schema;
    if (!absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "{")) {
      absl::StatusOr<std::string> file =
          ReadBoundedFile("json_schema", text, kMaxSchemaBytes);
      if (!file.ok()) return file.status();
      text = *std::move(file);
    }
    absl::StatusOr<std::string> json = JsonObject("json_schema", text);
    if (!json.ok()) return json.status();
    format->set_type(v1::ResponseFormat::TYPE_JSON_SCHEMA);
    format->set_json_schema(*std::move(json));
    format->set_schema_name(line.Last("schema_name").value_or(""));
    format->set_strict(line.IsSet("strict"));
  } else if (line.Has("schema_name") || line.Has("strict")) {
    return Bad("schema_name", "--schema_name and --strict need --json_schema");
  }
  if (line.IsSet("json_object")) {
    if (format->type() == v1::ResponseFormat::TYPE_JSON_SCHEMA) {
      return Bad("json_object",
                 "give --json_object or --json_schema, not both");
    }
    format->set_type(v1::ResponseFormat::TYPE_JSON_OBJECT);
  }
  if (format->type() == v1::ResponseFormat::TYPE_UNSPECIFIED) {
    request->clear_response_format();
  }
  return absl::OkStatus();
}

absl::Status AddImages(const CommandLine& line, v1::GenerateRequest* request) {
  auto it = line.flags.find("image");
  if (it == line.flags.end() || request->messages_size() == 0) {
    return absl::OkStatus();
  }
  v1::ChatMessage* user =
      request->mutable_messages(request->messages_size() - 1);
  if (user->role() != v1::ROLE_USER) {
    return Bad("image", "images need a prompt to go with");
  }
  if (!user->content().empty()) {
    user->add_parts()->set_text(user->content());
    user->clear_content();
  }
  for (const std::string& value : it->second) {
    absl::StatusOr<v1::ImagePart> image = LoadImage(value);
    if (!image.ok()) return image.status();
    *user->add_parts()->mutable_image() = *std::move(image);
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<FlagSpec>& ContractFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"tool"},        {"tools_file"},   {"tool_choice"},       {"json_schema"},
      {"schema_name"}, {"strict", true}, {"json_object", true}, {"image"},
      {"seed"},        {"messages"}};
  return kFlags;
}

absl::StatusOr<v1::Tool> ParseToolFlag(absl::string_view value) {
  v1::Tool tool;
  const size_t colon = value.find(':');
  tool.set_name(std::string(value.substr(0, colon)));
  if (tool.name().empty()) {
    return Bad("tool", "wants NAME[:DESCRIPTION[:{JSON SCHEMA}]]");
  }
  if (colon == absl::string_view::npos) return tool;
  absl::string_view rest = value.substr(colon + 1);
  absl::string_view schema;
  if (absl::StartsWith(rest, "{")) {
    schema = rest;
    rest = "";
  } else if (size_t at = rest.find(":{"); at != absl::string_view::npos) {
    schema = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  tool.set_description(std::string(rest));
  if (!schema.empty()) {
    absl::StatusOr<std::string> json = JsonObject("tool", schema);
    if (!json.ok()) return json.status();
    tool.set_parameters_json_schema(*std::move(json));
  }
  return tool;
}

absl::StatusOr<std::vector<v1::Tool>> ParseToolsJson(absl::string_view json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) {
    return Bad("tools_file", "wants a JSON array of tools");
  }
  std::vector<v1::Tool> tools;
  for (const nlohmann::json& item : parsed) {
    absl::StatusOr<v1::Tool> tool = ToolFromJson(item);
    if (!tool.ok()) return tool.status();
    tools.push_back(*std::move(tool));
  }
  return tools;
}

v1::ToolChoice ParseToolChoice(absl::string_view value) {
  v1::ToolChoice choice;
  if (value == "auto") {
    choice.set_mode(v1::ToolChoice::MODE_AUTO);
  } else if (value == "none") {
    choice.set_mode(v1::ToolChoice::MODE_NONE);
  } else if (value == "required") {
    choice.set_mode(v1::ToolChoice::MODE_REQUIRED);
  } else {
    choice.set_mode(v1::ToolChoice::MODE_NAMED);
    choice.set_name(std::string(value));
  }
  return choice;
}

std::string ImageMimeType(absl::string_view path) {
  const size_t dot = path.rfind('.');
  if (dot == absl::string_view::npos) return "";
  const std::string ext = absl::AsciiStrToLower(path.substr(dot + 1));
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "gif") return "image/gif";
  return "";
}

absl::StatusOr<v1::ImagePart> LoadImage(absl::string_view value) {
  v1::ImagePart image;
  if (absl::StartsWith(value, "https://") ||
      absl::StartsWith(value, "http://") || absl::StartsWith(value, "data:")) {
    image.set_url(std::string(value));
    return image;
  }
  const std::string mime = ImageMimeType(value);
  if (mime.empty()) {
    return Bad("image", absl::StrCat(value,
                                     ": unknown image type (use a .png, .jpg, "
                                     ".jpeg, .webp or .gif file, or a URL)"));
  }
  absl::StatusOr<std::string> bytes =
      ReadBoundedFile("image", std::string(value), kMaxImageBytes);
  if (!bytes.ok()) return bytes.status();
  image.set_data(*std::move(bytes));
  image.set_mime_type(mime);
  return image;
}

absl::StatusOr<std::string> ReadBoundedFile(absl::string_view flag,
                                            const std::string& path,
                                            int64_t max_bytes) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Bad(flag, absl::StrCat("cannot read ", path));
  std::string bytes;
  char buffer[65536];
  while (file.read(buffer, sizeof(buffer)) || file.gcount() > 0) {
    bytes.append(buffer, static_cast<size_t>(file.gcount()));
    if (static_cast<int64_t>(bytes.size()) > max_bytes) {
      return Bad(flag,
                 absl::StrCat(path, " is larger than ", max_bytes, " bytes"));
    }
  }
  return bytes;
}

absl::StatusOr<std::vector<v1::ChatMessage>> ParseMessagesJson(
    absl::string_view json) {
  // The proto parser would take a lone object for a repeated field.
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) {
    return Bad("messages", "wants a JSON array of ChatMessage");
  }
  v1::GenerateRequest holder;
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(
      absl::StrCat("{\"messages\":", json, "}"), &holder, options);
  if (!status.ok()) {
    return Bad("messages", absl::StrCat("wants a JSON array of ChatMessage: ",
                                        status.ToString()));
  }
  return std::vector<v1::ChatMessage>(holder.messages().begin(),
                                      holder.messages().end());
}

absl::Status ApplyContractOptions(const CommandLine& line,
                                  v1::GenerateRequest* request) {
  if (absl::Status s = AddTools(line, request); !s.ok()) return s;
  if (absl::Status s = AddResponseFormat(line, request); !s.ok()) return s;
  if (absl::Status s = AddImages(line, request); !s.ok()) return s;
  if (auto value = line.Last("seed")) {
    absl::StatusOr<int64_t> seed = ParseInt64Flag("seed", *value);
    if (!seed.ok()) return seed.status();
    request->set_seed(*seed);
  }
  return absl::OkStatus();
}

}  // namespace llmgw::cli
