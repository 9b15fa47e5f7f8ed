#ifndef LLMGW_COMMON_JSON_TEXT_H_
#define LLMGW_COMMON_JSON_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace llmgw {

// Writing JSON text directly, without building a DOM: for the few lines the
// gateway writes on every call (the budget commit's audit line), where
// nlohmann::json's tree of heap nodes and its sorted map cost more than the
// rest of the commit (docs/benchmarks.md, "Issue 14, fifth pass").

// Appends `text` as a JSON string literal, quotes included. `"` and `\` are
// escaped, control characters become \n, \t, ... or \u00XX, and bytes that
// are not valid UTF-8 become U+FFFD, as nlohmann::json's dump does with
// error_handler_t::replace, so the output always parses. Returns false when
// such a byte was replaced (`text` was not valid UTF-8).
bool AppendJsonString(std::string& out, absl::string_view text);

// Appends "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, milliseconds), the audit and log
// timestamp format. Caches the formatted second per thread, so consecutive
// calls within one second only format the milliseconds.
void AppendUtcTimestamp(std::string& out, int64_t unix_millis);

}  // namespace llmgw

#endif  // LLMGW_COMMON_JSON_TEXT_H_
