#include "common/json_log.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace llmgw {
namespace {

void Log(absl::string_view level, absl::string_view event,
         const LogFields& fields) {
  nlohmann::json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                absl::UTCTimeZone());
  line["level"] = std::string(level);
  line["event"] = std::string(event);
  for (const auto& [key, value] : fields) line[key] = value;
  // One fputs per line: stdio's lock keeps lines whole across threads.
  std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
      "\n";
  std::fputs(text.c_str(), stderr);
}

}  // namespace

void LogInfo(absl::string_view event, const LogFields& fields) {
  Log("info", event, fields);
}
void LogWarning(absl::string_view event, const LogFields& fields) {
  Log("warning", event, fields);
}
void LogError(absl::string_view event, const LogFields& fields) {
  Log("error", event, fields);
}

}  // namespace llmgw
