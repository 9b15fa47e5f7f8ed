#include "providers/common/json_fields.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace llmgw {

using Json = nlohmann::json;

std::optional<Json> ParseJson(absl::string_view text) {
  Json parsed = Json::parse(text.begin(), text.end(), nullptr,
                            /*allow_exceptions=*/false);
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
