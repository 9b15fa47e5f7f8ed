#ifndef LLMGW_PROVIDERS_COMMON_FAST_JSON_H_
#define LLMGW_PROVIDERS_COMMON_FAST_JSON_H_

// simdjson for the few provider documents read on every call (a plain reply,
// a stream chunk or delta event), where an nlohmann::json DOM costs ~100
// instructions per byte (docs/benchmarks.md, "Issue 14, fifth pass"). A
// reader built on this takes only the exact shape it knows and returns
// nullopt for anything else, so its caller reads the document the full way
// (json_fields.h) and the result is the same either way.

#include <simdjson.h>

#include <array>
#include <cstdint>
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

// The members of one object of an exact shape: each key must be one of
// `names` and appear once. Index() is the key's position in `names`, or -1
// for an unknown or repeated key (a reader then declines the document);
// Seen(i) says whether names[i] has appeared.
//
//   static constexpr std::array<std::string_view, 2> kNames = {"type", "text"};
//   JsonMembers members(kNames);
//   for (auto [key, value] : object) switch (members.Index(key)) { ... }
template <size_t N>
class JsonMembers {
 public:
  static_assert(N <= 32, "at most 32 names");
  // `names` must outlive this (a static array).
  explicit JsonMembers(const std::array<std::string_view, N>& names)
      : names_(names) {}
  int Index(std::string_view key) {
    for (size_t i = 0; i < N; ++i) {
      if (names_[i] != key) continue;
      const uint32_t bit = 1u << i;
      if ((seen_ & bit) != 0) return -1;
      seen_ |= bit;
      return static_cast<int>(i);
    }
    return -1;
  }
  bool Seen(size_t i) const { return (seen_ & (1u << i)) != 0; }

 private:
  const std::array<std::string_view, N>& names_;
  uint32_t seen_ = 0;
};

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COMMON_FAST_JSON_H_
