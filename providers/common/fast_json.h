#ifndef LLMGW_PROVIDERS_COMMON_FAST_JSON_H_
#define LLMGW_PROVIDERS_COMMON_FAST_JSON_H_

// simdjson for the few provider documents read on every call (a plain reply,
// a stream chunk or delta event), where an nlohmann::json DOM costs ~100
// instructions per byte (docs/benchmarks.md, "Issue 14, fifth pass"). A
// reader built on this takes only the exact shape it knows and returns
// nullopt for anything else, so its caller reads the document the full way
// (json_fields.h) and the result is the same either way.

#include <simdjson.h>

#include <string_view>

#include "absl/strings/string_view.h"

namespace llmgw {

// Documents longer than this are not parsed here (the caller takes the full
// path); it also bounds the per-thread parser's memory.
inline constexpr size_t kMaxFastJsonBytes = 64 << 10;

// Parses `text` with this thread's reusable simdjson parser (no allocation
// per document once warm). False when `text` is empty, longer than
// kMaxFastJsonBytes or not valid JSON (UTF-8 included). `root` stays valid
// until the next call on this thread.
bool ParseFastJson(absl::string_view text, simdjson::dom::element& root);

// Small helpers over simdjson's error codes.
inline bool IsJsonNull(simdjson::dom::element value) {
  return value.type() == simdjson::dom::element_type::NULL_VALUE;
}
inline bool JsonString(simdjson::dom::element value, std::string_view& out) {
  return value.get_string().get(out) == simdjson::SUCCESS;
}
// A count: an integer >= 0 (not a float, a negative or a huge one).
inline bool JsonCount(simdjson::dom::element value, int64_t& out) {
  return value.type() == simdjson::dom::element_type::INT64 &&
         value.get_int64().get(out) == simdjson::SUCCESS && out >= 0;
}

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COMMON_FAST_JSON_H_
