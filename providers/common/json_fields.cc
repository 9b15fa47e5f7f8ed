#include "providers/common/json_fields.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace llmgw {

using Json = nlohmann::json;

absl::Status CheckJsonLimits(absl::string_view text, size_t max_bytes,
                             int max_depth) {
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JSON document of ", text.size(), " bytes exceeds ", max_bytes));
  }
  int depth = 0;
  bool in_string = false;
  const char* p = text.data();
  const char* const end = p + text.size();
  for (; p < end; ++p) {
    const char c = *p;
    if (in_string) {
      if (c == '\\') {
        ++p;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) {
          return absl::InvalidArgumentError(
              absl::StrCat("JSON nests deeper than ", max_depth, " levels"));
        }
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

Json ParseJsonOrDiscarded(absl::string_view text) {
  if (!CheckJsonLimits(text).ok()) return Json(Json::value_t::discarded);
  return Json::parse(text.begin(), text.end(), nullptr,
                     /*allow_exceptions=*/false);
}

std::optional<Json> ParseJson(absl::string_view text) {
  Json parsed = ParseJsonOrDiscarded(text);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* Field(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const Json* Path(const Json& object, std::initializer_list<const char*> path) {
  const Json* current = &object;
  for (const char* key : path) {
    current = Field(*current, key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

std::string StringField(const Json& object, const char* key) {
  const Json* value = Field(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>()
                                                : std::string();
}

std::optional<int64_t> CountField(const Json& object, const char* key) {
  const Json* value = Field(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_float()) {
    return static_cast<int64_t>(std::llround(value->get<double>()));
  }
  return std::nullopt;
}

double WireNumber(float value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer) - 1, value);
  if (ec != std::errc()) return value;
  *end = '\0';
  return std::strtod(buffer, nullptr);
}

}  // namespace llmgw
