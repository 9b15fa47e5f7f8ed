#include "providers/gemini/gemini_schema.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace llmgw::gemini {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;

absl::Status Refuse(absl::string_view what, absl::string_view where) {
  return absl::InvalidArgumentError(absl::StrCat(
      what, " at ", where,
      " is not supported by the Gemini API (its Schema is a subset of the "
      "OpenAPI 3.0 schema object; see providers/gemini/README.md)"));
}

absl::Status RefuseKeyword(absl::string_view key, absl::string_view where) {
  return Refuse(absl::StrCat("JSON-Schema keyword \"", key, "\""), where);
}

// Keywords copied as they are.
bool IsCopied(absl::string_view key) {
  for (const char* k :
       {"title", "description", "required", "nullable", "minItems", "maxItems",
        "minProperties", "maxProperties", "minLength", "maxLength", "pattern",
        "minimum", "maximum", "default", "example", "propertyOrdering"}) {
    if (key == k) return true;
  }
  return false;
}

// Keywords that only annotate (no effect on what is valid).
bool IsDropped(absl::string_view key) {
  for (const char* k :
       {"$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly"}) {
    if (key == k) return true;
  }
  return false;
}

// Keywords mapped by Convert / ConvertKeyword.
bool IsKnown(absl::string_view key) {
  for (const char* k : {"type", "properties", "anyOf", "additionalProperties",
                        "format", "enum", "const", "examples", "items"}) {
    if (key == k) return true;
  }
  return IsCopied(key) || IsDropped(key);
}

// The Gemini Type of `schema` ("STRING"...), setting nullable for
// ["T", "null"]; "" with an error for what cannot be expressed.
absl::StatusOr<std::string> MapType(const json& schema, const std::string& at,
                                    bool* nullable) {
  auto it = schema.find("type");
  if (it == schema.end()) {
    if (schema.contains("properties")) return std::string("OBJECT");
    if (schema.contains("items")) return std::string("ARRAY");
    if (schema.contains("anyOf")) return std::string();
    auto c = schema.find("const");
    if (c != schema.end() && c->is_string()) return std::string("STRING");
    auto e = schema.find("enum");
    if (e != schema.end() && e->is_array() && !e->empty() &&
        (*e)[0].is_string()) {
      return std::string("STRING");
    }
    return Refuse("a schema without \"type\"", at);
  }
  std::string type;
  if (it->is_string()) {
    type = it->get<std::string>();
  } else if (it->is_array()) {
    for (const json& t : *it) {
      if (!t.is_string()) return Refuse("a non-string \"type\"", at);
      if (t == "null") {
        *nullable = true;
      } else if (!type.empty()) {
        return Refuse("a \"type\" union of several non-null types", at);
      } else {
        type = t.get<std::string>();
      }
    }
  } else {
    return Refuse("a non-string \"type\"", at);
  }
  for (const char* known :
       {"string", "number", "integer", "boolean", "array", "object"}) {
    if (type == known) return absl::AsciiStrToUpper(type);
  }
  return Refuse(absl::StrCat("\"type\": \"", type, "\""), at);
}

// The formats the API accepts for `type`; others are dropped.
bool KeepFormat(const std::string& type, const std::string& format) {
  if (type == "STRING") return format == "enum" || format == "date-time";
  if (type == "NUMBER") return format == "float" || format == "double";
  if (type == "INTEGER") return format == "int32" || format == "int64";
  return false;
}

absl::StatusOr<json> Convert(const json& schema, const std::string& at,
                             int depth);

absl::Status ConvertProperties(const json& properties, const std::string& at,
                               int depth, json* out) {
  if (!properties.is_object()) return Refuse("non-object \"properties\"", at);
  json mapped = json::object();
  for (const auto& [name, sub] : properties.items()) {
    absl::StatusOr<json> converted =
        Convert(sub, absl::StrCat(at, ".properties.", name), depth + 1);
    if (!converted.ok()) return converted.status();
    mapped[name] = *std::move(converted);
  }
  (*out)["properties"] = std::move(mapped);
  return absl::OkStatus();
}

bool IsNullSchema(const json& schema) {
  return schema.is_object() && schema.size() == 1 && schema.contains("type") &&
         schema["type"] == "null";
}

// anyOf: {"type": "null"} branches become nullable; a single remaining
// branch is merged into the schema (Pydantic's Optional[T]).
absl::Status ConvertAnyOf(const json& any_of, const std::string& at, int depth,
                          json* out) {
  if (!any_of.is_array() || any_of.empty()) {
    return Refuse("an empty or non-array \"anyOf\"", at);
  }
  json mapped = json::array();
  for (size_t i = 0; i < any_of.size(); ++i) {
    if (IsNullSchema(any_of[i])) {
      (*out)["nullable"] = true;
      continue;
    }
    absl::StatusOr<json> converted =
        Convert(any_of[i], absl::StrCat(at, ".anyOf[", i, "]"), depth + 1);
    if (!converted.ok()) return converted.status();
    mapped.push_back(*std::move(converted));
  }
  if (mapped.empty()) return Refuse("an \"anyOf\" of only null", at);
  if (mapped.size() == 1 && !out->contains("type")) {
    for (auto& [key, value] : mapped[0].items()) {
      if (!out->contains(key)) (*out)[key] = value;
    }
    return absl::OkStatus();
  }
  (*out)["anyOf"] = std::move(mapped);
  return absl::OkStatus();
}

// Maps one keyword other than type/properties/anyOf into `out`.
absl::Status ConvertKeyword(const std::string& key, const json& value,
                            const std::string& type, const std::string& at,
                            int depth, json* out) {
  if (IsCopied(key)) {
    (*out)[key] = value;
  } else if (IsDropped(key)) {
  } else if (key == "additionalProperties") {
    if (!value.is_boolean()) return RefuseKeyword("additionalProperties", at);
  } else if (key == "format") {
    if (value.is_string() && KeepFormat(type, value.get<std::string>())) {
      (*out)["format"] = value;
    }
  } else if (key == "enum" || key == "const") {
    json values = key == "enum" ? value : json::array({value});
    if (!values.is_array()) return Refuse("a non-array \"enum\"", at);
    for (const json& v : values) {
      if (!v.is_string()) return Refuse(absl::StrCat("a non-string ", key), at);
    }
    (*out)["enum"] = std::move(values);
  } else if (key == "examples") {
    if (value.is_array() && !value.empty()) (*out)["example"] = value[0];
  } else if (key == "items") {
    if (!value.is_object()) return RefuseKeyword("items (tuple form)", at);
    absl::StatusOr<json> items =
        Convert(value, absl::StrCat(at, ".items"), depth + 1);
    if (!items.ok()) return items.status();
    (*out)["items"] = *std::move(items);
  } else {
    return RefuseKeyword(key, at);
  }
  return absl::OkStatus();
}

absl::StatusOr<json> Convert(const json& schema, const std::string& at,
                             int depth) {
  if (depth > kMaxDepth) return Refuse("a schema nested this deep", at);
  if (!schema.is_object()) return Refuse("a schema that is not an object", at);
  for (const auto& [key, value] : schema.items()) {
    if (!IsKnown(key)) return RefuseKeyword(key, at);
  }
  bool nullable = false;
  absl::StatusOr<std::string> type = MapType(schema, at, &nullable);
  if (!type.ok()) return type.status();
  json out = json::object();
  if (!type->empty()) out["type"] = *type;
  if (nullable) out["nullable"] = true;
  for (const auto& [key, value] : schema.items()) {
    absl::Status status;
    if (key == "type") continue;
    if (key == "properties") {
      if (*type != "OBJECT")
        return Refuse("\"properties\" on a non-object", at);
      status = ConvertProperties(value, at, depth, &out);
    } else if (key == "anyOf") {
      status = ConvertAnyOf(value, at, depth, &out);
    } else {
      status = ConvertKeyword(key, value, *type, at, depth, &out);
    }
    if (!status.ok()) return status;
  }
  if (*type == "OBJECT" &&
      (!out.contains("properties") || out["properties"].empty())) {
    return Refuse("an object schema without properties", at);
  }
  return out;
}

}  // namespace

absl::StatusOr<json> ToGeminiSchema(const json& schema,
                                    absl::string_view where) {
  return Convert(schema, std::string(where), 0);
}

bool IsEmptyObjectSchema(const json& schema) {
  if (!schema.is_object() || schema.empty()) return true;
  auto type = schema.find("type");
  if (type != schema.end() && *type != "object") return false;
  auto properties = schema.find("properties");
  return properties == schema.end() ||
         (properties->is_object() && properties->empty());
}

}  // namespace llmgw::gemini
