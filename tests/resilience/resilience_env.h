#ifndef LLMGW_TESTS_RESILIENCE_RESILIENCE_ENV_H_
#define LLMGW_TESTS_RESILIENCE_RESILIENCE_ENV_H_

#include <functional>
#include <map>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace llmgw::testing {

// Gateway environment with resilience on and fast retries (backoff 20-40 ms
// for the first retry), plus `extra`.
inline std::map<std::string, std::string> ResilientEnv(
    std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env = {
      {"LLMGW_RESILIENCE", "on"},
      {"LLMGW_BASE_DELAY", "0.04"},
      {"LLMGW_MAX_DELAY", "0.2"},
  };
  for (auto& [k, v] : extra) env[k] = v;
  if (env.find("OPENAI_API_KEY") == env.end() &&
      env.find("OPENAI_API_KEYS") == env.end()) {
    env["OPENAI_API_KEY"] = "sk-test-key-0123456789";
  }
  return env;
}

// Polls `condition` (cheap, side-effect free) until it holds or `timeout`
// passes. For state that has no notification (audit log, Status).
inline bool Eventually(const std::function<bool()>& condition,
                       absl::Duration timeout = absl::Seconds(5)) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

}  // namespace llmgw::testing

#endif  // LLMGW_TESTS_RESILIENCE_RESILIENCE_ENV_H_
