#ifndef LLMGW_COMMON_JSON_LOG_H_
#define LLMGW_COMMON_JSON_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace llmgw {

// Structured logging: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-22T10:00:00.123Z","level":"info","event":"started",...}
// Never pass secrets as field values: API keys are logged only as
// KeyFingerprint().
using LogFields = std::vector<std::pair<std::string, std::string>>;

void LogInfo(absl::string_view event, const LogFields& fields = {});
void LogWarning(absl::string_view event, const LogFields& fields = {});
void LogError(absl::string_view event, const LogFields& fields = {});

}  // namespace llmgw

#endif  // LLMGW_COMMON_JSON_LOG_H_
