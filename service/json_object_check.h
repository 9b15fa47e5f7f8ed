#ifndef LLMGW_SERVICE_JSON_OBJECT_CHECK_H_
#define LLMGW_SERVICE_JSON_OBJECT_CHECK_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace llmgw {

// Checks that `text` is one JSON object of at most `max_bytes` whose arrays
// and objects nest at most `max_depth` deep. Runs nlohmann::json's SAX parser
// with a handler that stops at the first object or array past `max_depth`, so
// no DOM is built, memory and time stay linear in the input and a hostile
// value ("[[[[...", "1e999999", invalid UTF-8) is refused without throwing.
// Returns "" when the text is fine, else a sentence fragment saying what is
// wrong ("is not valid JSON: ...", "nests deeper than 64 levels", ...).
std::string JsonObjectProblem(absl::string_view text, size_t max_bytes,
                              int max_depth);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_JSON_OBJECT_CHECK_H_
