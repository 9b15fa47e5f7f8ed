// The rich contract of the fake Gemini API (issue #13): what the real API
// checks in tools, toolConfig, media and function parts and structured
// output, with its error bodies, and the pieces of function-call replies.
// Error texts quoted from the API where known ("Unknown name ... Cannot find
// field.", "should be non-empty for OBJECT type", "only allowed for OBJECT
// type", "Please ensure that the number of function response parts is equal
// to the number of function call parts of the function call turn.",
// "Unsupported MIME type: ..."); the others follow the API's
// "* GenerateContentRequest.<field>: ..." form.
#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/gemini/gemini_fake.h"

namespace llmgw::fake_upstream::gemini_fake {
namespace {

using nlohmann::json;
using Reply = std::optional<HttpReply>;

// Member `camel` (or its proto name `snake`) of `object`; nullptr when
// absent or null.
const json* Get(const json& object, const char* camel, const char* snake) {
  if (!object.is_object()) return nullptr;
  for (const char* name : {camel, snake}) {
    auto it = object.find(name);
    if (it != object.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::string ToSnake(absl::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (absl::ascii_isupper(c)) {
      out += '_';
      out += absl::ascii_tolower(c);
    } else {
      out += c;
    }
  }
  return out;
}

// An "Unknown name" error for a field of `object` that is not in `known`
// (lowerCamel names; their snake_case proto names are accepted too).
Reply UnknownField(const json& object, std::initializer_list<const char*> known,
                   const std::string& path) {
  if (!object.is_object()) {
    return InvalidJson(absl::StrCat("Invalid value at '", path, "'"), path);
  }
  for (const auto& [name, value] : object.items()) {
    bool ok = false;
    for (const char* k : known) ok |= name == k || name == ToSnake(k);
    if (!ok) {
      return InvalidJson(
          absl::StrCat("Invalid JSON payload received. Unknown name \"", name,
                       "\" at '", path, "': Cannot find field."),
          path);
    }
  }
  return std::nullopt;
}

HttpReply Violation(const std::string& field, absl::string_view what) {
  return GoogleError(
      400, absl::StrCat("* GenerateContentRequest.", field, ": ", what, "\n"));
}

// ----------------------------------------------------------------- Schema

Reply CheckSchema(const json& schema, const std::string& path, int depth) {
  if (depth > 64) return Violation(path, "schema nested too deeply");
  if (Reply r = UnknownField(
          schema, {"type",        "format",        "title",
                   "description", "nullable",      "enum",
                   "maxItems",    "minItems",      "properties",
                   "required",    "minProperties", "maxProperties",
                   "minLength",   "maxLength",     "pattern",
                   "example",     "anyOf",         "propertyOrdering",
                   "default",     "items",         "minimum",
                   "maximum"},
          path)) {
    return r;
  }
  std::string type;
  if (const json* t = Get(schema, "type", "type")) {
    type = t->is_string() ? absl::AsciiStrToUpper(t->get<std::string>()) : "?";
    bool known = false;
    for (const char* k : {"TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER",
                          "BOOLEAN", "ARRAY", "OBJECT", "NULL"}) {
      known |= type == k;
    }
    if (!known) {
      return InvalidJson(
          absl::StrCat("Invalid value at '", path,
                       ".type' (type.googleapis.com/"
                       "google.ai.generativelanguage.v1beta.Type), ",
                       t->dump()),
          path + ".type");
    }
  }
  const json* properties = Get(schema, "properties", "properties");
  if (properties != nullptr && type != "OBJECT") {
    return Violation(path + ".properties", "only allowed for OBJECT type");
  }
  if (type == "OBJECT" && (properties == nullptr || properties->empty())) {
    return Violation(path + ".properties",
                     "should be non-empty for OBJECT type");
  }
  if (properties != nullptr) {
    int i = 0;
    for (const auto& [name, sub] : properties->items()) {
      std::string at = absl::StrCat(path, ".properties[", i++, "].value");
      if (Reply r = CheckSchema(sub, at, depth + 1)) return r;
    }
  }
  if (const json* items = Get(schema, "items", "items")) {
    if (Reply r = CheckSchema(*items, path + ".items", depth + 1)) return r;
  }
  if (const json* any_of = Get(schema, "anyOf", "any_of")) {
    for (size_t i = 0; i < any_of->size(); ++i) {
      std::string at = absl::StrCat(path, ".any_of[", i, "]");
      if (Reply r = CheckSchema((*any_of)[i], at, depth + 1)) return r;
    }
  }
  return std::nullopt;
}

// ------------------------------------------------------------ Tools, config

bool ValidFunctionName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  if (!absl::ascii_isalpha(name[0]) && name[0] != '_') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

Reply CheckDeclaration(const json& d, const std::string& at,
                       std::vector<std::string>* names) {
  if (Reply r = UnknownField(
          d,
          {"name", "description", "parameters", "parametersJsonSchema",
           "response", "responseJsonSchema", "behavior"},
          at)) {
    return r;
  }
  const json* name = Get(d, "name", "name");
  if (name == nullptr || !name->is_string() ||
      !ValidFunctionName(name->get<std::string>())) {
    return Violation(
        at + ".name",
        "Invalid function name. Must start with a letter or an underscore. "
        "Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), "
        "colons (:), or dashes (-), with a maximum length of 64.");
  }
  names->push_back(name->get<std::string>());
  if (const json* parameters = Get(d, "parameters", "parameters")) {
    return CheckSchema(*parameters, at + ".parameters", 0);
  }
  return std::nullopt;
}

Reply CheckTools(const json& body, std::vector<std::string>* names) {
  const json* tools = Get(body, "tools", "tools");
  if (tools == nullptr) return std::nullopt;
  if (!tools->is_array())
    return InvalidJson("Invalid value at 'tools'", "tools");
  for (size_t i = 0; i < tools->size(); ++i) {
    const std::string at = absl::StrCat("tools[", i, "]");
    const json& tool = (*tools)[i];
    if (Reply r = UnknownField(tool,
                               {"functionDeclarations", "googleSearchRetrieval",
                                "codeExecution", "googleSearch", "urlContext",
                                "computerUse", "fileSearch", "googleMaps"},
                               at)) {
      return r;
    }
    const json* decls =
        Get(tool, "functionDeclarations", "function_declarations");
    if (decls == nullptr) continue;
    for (size_t j = 0; decls->is_array() && j < decls->size(); ++j) {
      const std::string d_at =
          absl::StrCat(at, ".function_declarations[", j, "]");
      if (Reply r = CheckDeclaration((*decls)[j], d_at, names)) return r;
    }
  }
  return std::nullopt;
}

Reply CheckToolConfig(const json& body, const std::vector<std::string>& names) {
  const json* config = Get(body, "toolConfig", "tool_config");
  if (config == nullptr) return std::nullopt;
  if (Reply r =
          UnknownField(*config, {"functionCallingConfig", "retrievalConfig"},
                       "tool_config")) {
    return r;
  }
  const json* fcc =
      Get(*config, "functionCallingConfig", "function_calling_config");
  if (fcc == nullptr) return std::nullopt;
  const std::string at = "tool_config.function_calling_config";
  if (Reply r = UnknownField(*fcc, {"mode", "allowedFunctionNames"}, at)) {
    return r;
  }
  std::string mode = "MODE_UNSPECIFIED";
  if (const json* m = Get(*fcc, "mode", "mode")) {
    mode = m->is_string() ? m->get<std::string>() : m->dump();
    if (mode != "MODE_UNSPECIFIED" && mode != "AUTO" && mode != "ANY" &&
        mode != "NONE" && mode != "VALIDATED") {
      return InvalidJson(
          absl::StrCat(
              "Invalid value at '", at,
              ".mode' (type.googleapis.com/google.ai."
              "generativelanguage.v1beta.FunctionCallingConfig.Mode), ",
              m->dump()),
          at + ".mode");
    }
  }
  const json* allowed =
      Get(*fcc, "allowedFunctionNames", "allowed_function_names");
  if (allowed == nullptr) return std::nullopt;
  if (mode != "ANY" && mode != "VALIDATED") {
    return Violation(at + ".allowed_function_names",
                     "allowed_function_names may only be set when mode is ANY "
                     "or VALIDATED.");
  }
  for (size_t i = 0; allowed->is_array() && i < allowed->size(); ++i) {
    const json& name = (*allowed)[i];
    bool declared = false;
    for (const std::string& n : names) declared |= name == n;
    if (!declared) {
      return Violation(
          absl::StrCat(at, ".allowed_function_names[", i, "]"),
          absl::StrCat("function ", name.dump(),
                       " is not declared in GenerateContentRequest.tools."));
    }
  }
  return std::nullopt;
}

// ------------------------------------------------------------------- Parts

bool IsImageMimeSupported(const std::string& mime) {
  for (const char* m :
       {"image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"}) {
    if (mime == m) return true;
  }
  return false;
}

// Images of a type the API does not read.
Reply CheckMime(const std::string& mime, const std::string& at) {
  if (mime.empty())
    return Violation(at + ".mime_type", "mime_type must be set.");
  if (absl::StartsWith(mime, "image/") && !IsImageMimeSupported(mime)) {
    return GoogleError(400, absl::StrCat("Unsupported MIME type: ", mime));
  }
  return std::nullopt;
}

Reply CheckInlineData(const json& data, const std::string& at) {
  if (Reply r = UnknownField(data, {"mimeType", "data"}, at)) return r;
  const json* bytes = Get(data, "data", "data");
  std::string decoded;
  if (bytes == nullptr || !bytes->is_string() ||
      !(absl::Base64Unescape(bytes->get<std::string>(), &decoded) ||
        absl::WebSafeBase64Unescape(bytes->get<std::string>(), &decoded))) {
    const std::string shown =
        bytes != nullptr && bytes->is_string() ? bytes->get<std::string>() : "";
    return InvalidJson(
        absl::StrCat("Invalid value at '", at,
                     ".data' (TYPE_BYTES), Base64 decoding failed for \"",
                     shown.substr(0, 40), "\""),
        at + ".data");
  }
  const json* mime = Get(data, "mimeType", "mime_type");
  return CheckMime(mime != nullptr ? mime->get<std::string>() : "", at);
}

Reply CheckFileData(const json& data, const std::string& at) {
  if (Reply r =
          UnknownField(data, {"mimeType", "fileUri", "displayName"}, at)) {
    return r;
  }
  const json* uri = Get(data, "fileUri", "file_uri");
  if (uri == nullptr || !uri->is_string() || uri->get<std::string>().empty()) {
    return Violation(at + ".file_uri", "file_uri must be set.");
  }
  const std::string u = uri->get<std::string>();
  if (!absl::StartsWith(u, "https://") && !absl::StartsWith(u, "gs://")) {
    return GoogleError(400,
                       absl::StrCat("Invalid or unsupported file uri: ", u));
  }
  const json* mime = Get(data, "mimeType", "mime_type");
  return CheckMime(mime != nullptr ? mime->get<std::string>() : "", at);
}

// One part's media and function fields; counts function calls/responses.
Reply CheckPart(const json& part, const std::string& at, bool model, int* calls,
                int* responses) {
  if (const json* d = Get(part, "inlineData", "inline_data")) {
    if (Reply r = CheckInlineData(*d, at + ".inline_data")) return r;
  }
  if (const json* d = Get(part, "fileData", "file_data")) {
    if (Reply r = CheckFileData(*d, at + ".file_data")) return r;
  }
  if (const json* call = Get(part, "functionCall", "function_call")) {
    const json* name = Get(*call, "name", "name");
    const json* args = Get(*call, "args", "args");
    if (!model || name == nullptr || (args != nullptr && !args->is_object())) {
      return Violation(at + ".function_call",
                       "a function call needs a name and object args, in a "
                       "model turn.");
    }
    ++*calls;
  }
  if (const json* fr = Get(part, "functionResponse", "function_response")) {
    const json* name = Get(*fr, "name", "name");
    const json* response = Get(*fr, "response", "response");
    if (response == nullptr || !response->is_object()) {
      return InvalidJson(
          absl::StrCat("Invalid value at '", at,
                       ".function_response.response' "
                       "(type.googleapis.com/google.protobuf.Struct)"),
          at + ".function_response.response");
    }
    if (model || name == nullptr) {
      return Violation(at + ".function_response",
                       "a function response needs a name, in a user turn.");
    }
    ++*responses;
  }
  return std::nullopt;
}

Reply CheckParts(const json& body) {
  const json* contents = Get(body, "contents", "contents");
  int previous_calls = 0;
  for (size_t i = 0; contents != nullptr && i < contents->size(); ++i) {
    const json& content = (*contents)[i];
    const json* role = Get(content, "role", "role");
    const bool model = role != nullptr && *role == "model";
    const json* parts = Get(content, "parts", "parts");
    int calls = 0;
    int responses = 0;
    for (size_t j = 0; parts != nullptr && j < parts->size(); ++j) {
      const std::string at = absl::StrCat("contents[", i, "].parts[", j, "]");
      if (Reply r = CheckPart((*parts)[j], at, model, &calls, &responses)) {
        return r;
      }
    }
    if (responses > 0 && responses != previous_calls) {
      return GoogleError(
          400,
          "Please ensure that the number of function response parts is equal "
          "to the number of function call parts of the function call turn.");
    }
    previous_calls = calls;
  }
  return std::nullopt;
}

// ------------------------------------------------------ Generation config

Reply CheckGenerationConfig(const json& body) {
  const json* config = Get(body, "generationConfig", "generation_config");
  if (config == nullptr) return std::nullopt;
  const std::string at = "generation_config";
  std::string mime = "text/plain";
  if (const json* m = Get(*config, "responseMimeType", "response_mime_type")) {
    mime = m->get<std::string>();
    if (mime != "text/plain" && mime != "application/json" &&
        mime != "application/xml" && mime != "application/yaml" &&
        mime != "text/x.enum") {
      return Violation(at + ".response_mime_type",
                       "allowed mimetypes are `text/plain`, "
                       "`application/json`, `application/xml`, "
                       "`application/yaml` and `text/x.enum`.");
    }
  }
  if (const json* schema = Get(*config, "responseSchema", "response_schema")) {
    if (mime != "application/json" && mime != "text/x.enum") {
      return Violation(at + ".response_schema",
                       "response_schema requires response_mime_type to be "
                       "`application/json` or `text/x.enum`.");
    }
    if (Reply r = CheckSchema(*schema, at + ".response_schema", 0)) return r;
  }
  if (const json* r = Get(*config, "mediaResolution", "media_resolution")) {
    const std::string v = r->get<std::string>();
    if (v != "MEDIA_RESOLUTION_UNSPECIFIED" && v != "MEDIA_RESOLUTION_LOW" &&
        v != "MEDIA_RESOLUTION_MEDIUM" && v != "MEDIA_RESOLUTION_HIGH") {
      return InvalidJson(
          absl::StrCat("Invalid value at 'generation_config.media_resolution' "
                       "(type.googleapis.com/google.ai.generativelanguage."
                       "v1beta.GenerationConfig.MediaResolution), \"",
                       v, "\""),
          "generation_config.media_resolution");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<HttpReply> CheckContract(const json& body) {
  std::vector<std::string> names;
  if (Reply r = CheckTools(body, &names)) return r;
  if (Reply r = CheckToolConfig(body, names)) return r;
  if (Reply r = CheckParts(body)) return r;
  return CheckGenerationConfig(body);
}

std::string ContentText(const json& content) {
  std::vector<std::string> texts;
  const json* parts = Get(content, "parts", "parts");
  for (size_t i = 0; parts != nullptr && i < parts->size(); ++i) {
    const json& part = (*parts)[i];
    if (const json* text = Get(part, "text", "text")) {
      texts.push_back(text->get<std::string>());
    }
    if (const json* fr = Get(part, "functionResponse", "function_response")) {
      if (const json* response = Get(*fr, "response", "response")) {
        texts.push_back(response->dump());
      }
    }
  }
  return absl::StrJoin(texts, " ");
}

ojson FunctionCallPart(const FakeToolCall& call) {
  ojson args = ojson::parse(call.arguments_json, nullptr, false);
  if (args.is_discarded() || !args.is_object()) args = ojson::object();
  return {{"functionCall", {{"name", call.name}, {"args", std::move(args)}}}};
}

ojson UsageMetadata(const Usage& usage, std::optional<int64_t> completion) {
  const int64_t prompt = usage.prompt_tokens;
  ojson u = {{"promptTokenCount", prompt}};
  int64_t total = prompt;
  if (completion.has_value()) {
    const int64_t thoughts =
        std::min<int64_t>(usage.reasoning_tokens, *completion);
    u["candidatesTokenCount"] = *completion - thoughts;
    if (thoughts > 0) u["thoughtsTokenCount"] = thoughts;
    total = *completion == usage.completion_tokens ? usage.total()
                                                   : prompt + *completion;
  }
  if (usage.cached_tokens > 0) {
    u["cachedContentTokenCount"] = usage.cached_tokens;
  }
  u["totalTokenCount"] = total;
  u["promptTokensDetails"] =
      ojson::array({{{"modality", "TEXT"}, {"tokenCount", prompt}}});
  if (usage.cached_tokens > 0) {
    u["cacheTokensDetails"] = ojson::array(
        {{{"modality", "TEXT"}, {"tokenCount", usage.cached_tokens}}});
  }
  return u;
}

}  // namespace llmgw::fake_upstream::gemini_fake
