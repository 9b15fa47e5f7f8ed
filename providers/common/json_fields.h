#ifndef LLMGW_PROVIDERS_COMMON_JSON_FIELDS_H_
#define LLMGW_PROVIDERS_COMMON_JSON_FIELDS_H_

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace llmgw {

// Small, exception-free JSON helpers shared by the wire-format codecs, which
// read provider payloads whose fields may be missing or of the wrong type.

// Parses `text`; nullopt when it is not JSON.
std::optional<nlohmann::json> ParseJson(absl::string_view text);

// Serializes `value`; invalid UTF-8 in caller text becomes U+FFFD instead of
// throwing.
std::string DumpJson(const nlohmann::json& value);

// `object[key]` when `object` is an object holding `key`, else nullptr.
const nlohmann::json* Field(const nlohmann::json& object, const char* key);

// Follows `path` through nested objects; nullptr when any step is missing.
const nlohmann::json* Path(const nlohmann::json& object,
                           std::initializer_list<const char*> path);

// The string at `key`, or "" when absent or not a string.
std::string StringField(const nlohmann::json& object, const char* key);

// A token count at `key`: integers as they are, floats rounded (some APIs
// send counts as floats); nullopt when absent or not a number.
std::optional<int64_t> CountField(const nlohmann::json& object,
                                  const char* key);

// The float as the shortest decimal that reads back as the same float, so
// 0.7f goes on the wire as 0.7 rather than 0.699999988079071.
double WireNumber(float value);

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COMMON_JSON_FIELDS_H_
