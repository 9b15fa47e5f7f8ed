#ifndef LLMGW_PROVIDERS_COMMON_JSON_FIELDS_H_
#define LLMGW_PROVIDERS_COMMON_JSON_FIELDS_H_

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace llmgw {

// Small, exception-free JSON helpers shared by the wire-format codecs, which
// read provider payloads whose fields may be missing or of the wrong type.

// Limits on every JSON document read from a provider (replies, error
// bodies, stream events). Checked by a linear pre-scan before the DOM parse,
// so a hostile reply (30 MB of "[[[[...") is refused in a few milliseconds
// instead of stalling the event loop for seconds and taking gigabytes.
inline constexpr size_t kMaxJsonBytes = 8 << 20;
inline constexpr int kMaxJsonDepth = 64;

// OK when `text` is at most `max_bytes` long and no array/object nests deeper
// than `max_depth` (strings and escapes are skipped; the text need not be
// valid JSON). Otherwise INVALID_ARGUMENT saying which limit.
absl::Status CheckJsonLimits(absl::string_view text,
                             size_t max_bytes = kMaxJsonBytes,
                             int max_depth = kMaxJsonDepth);

// Parses `text` within the limits above; nullopt when it is not JSON or
// passes a limit. Every codec parses provider JSON through this (or
// ParseJsonOrDiscarded).
std::optional<nlohmann::json> ParseJson(absl::string_view text);

// Like ParseJson, but a discarded value (is_discarded()) instead of nullopt.
nlohmann::json ParseJsonOrDiscarded(absl::string_view text);

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
