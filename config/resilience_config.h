#ifndef LLMGW_CONFIG_RESILIENCE_CONFIG_H_
#define LLMGW_CONFIG_RESILIENCE_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "config/env_lookup.h"

namespace llmgw {

// Key pools (reference names and defaults).
struct KeyPoolConfig {
  // Consecutive failures of a key before it cools down.
  int max_failures_before_cooldown = 3;
  // First cooldown; doubles on repeated cooldowns up to max_cooldown.
  absl::Duration default_cooldown = absl::Seconds(60);
  absl::Duration max_cooldown = absl::Seconds(3600);
  // Keys tried per provider for one request.
  int max_key_attempts = 3;
};

// Circuit breaker per provider (reference defaults).
struct CircuitBreakerConfig {
  // Consecutive transient failures that open the circuit.
  int failure_threshold = 5;
  // Time OPEN before the first HALF_OPEN probe is let through. Each probe
  // that fails doubles the next wait, up to max_cooldown; a success resets
  // it. So a provider that recovers is back within seconds, and one that
  // stays down is probed at most once per max_cooldown.
  absl::Duration cooldown = absl::Seconds(5);
  absl::Duration max_cooldown = absl::Seconds(300);
};

// Retries of transient and rate-limited failures (reference defaults).
struct RetryConfig {
  int max_retries = 3;
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Seconds(30);
};

struct ResilienceConfig {
  // False turns key health, circuit breaking and retries off: every request
  // is one pass over its plan, trying each key in order (LLMGW_RESILIENCE=off;
  // for debugging a provider, and the default of the test harness).
  bool enabled = true;
  KeyPoolConfig keys;
  CircuitBreakerConfig circuit;
  RetryConfig retry;
  // Streams: longest silence between two deltas once output has started, and
  // longest wait from the start of an attempt to its first delta. Defaults
  // for every provider; LLMGW_<PROVIDER>_STREAM_IDLE_TIMEOUT /
  // _FIRST_TOKEN_TIMEOUT override per provider (registry).
  absl::Duration stream_idle_timeout = absl::Seconds(60);
  absl::Duration first_token_timeout = absl::Seconds(60);
  // Attempt time budget: with a caller deadline and N targets left in the
  // plan, an attempt gets (time left) / N, at least min_attempt_budget (or
  // all the time left, if less); the last target gets everything left.
  absl::Duration min_attempt_budget = absl::Seconds(1);
  // Minimum transfer rate of a non-streamed reply once its body flows
  // (bytes/s over each window; 0 = off): cuts dripping upstreams.
  int64_t min_transfer_rate = 32;
  // At least kMinRateWindow: each window closes on a loop timer, so a
  // window of microseconds would wake the loop constantly.
  absl::Duration min_rate_window = absl::Seconds(10);
};

// The shortest minimum-rate window the configuration accepts.
inline constexpr absl::Duration kMinRateWindow = absl::Seconds(1);

// Parses the `resilience:` section of the YAML file.
absl::Status ParseResilienceSection(const YAML::Node& node,
                                    ResilienceConfig& resilience);

// Environment overrides of the resilience settings (seconds may be
// fractional):
//   LLMGW_RESILIENCE=on|off
//   LLMGW_MAX_FAILURES_BEFORE_COOLDOWN, LLMGW_DEFAULT_COOLDOWN,
//   LLMGW_MAX_COOLDOWN_SECONDS, LLMGW_MAX_KEY_ATTEMPTS,
//   LLMGW_FAILURE_THRESHOLD, LLMGW_CIRCUIT_COOLDOWN,
//   LLMGW_CIRCUIT_MAX_COOLDOWN,
//   LLMGW_MAX_RETRIES, LLMGW_BASE_DELAY, LLMGW_MAX_DELAY,
//   LLMGW_STREAM_IDLE_TIMEOUT, LLMGW_FIRST_TOKEN_TIMEOUT,
//   LLMGW_MIN_ATTEMPT_BUDGET, LLMGW_MIN_TRANSFER_RATE (bytes/s),
//   LLMGW_MIN_RATE_WINDOW.
absl::Status ApplyResilienceEnvironment(const EnvLookup& env,
                                        ResilienceConfig& resilience);

}  // namespace llmgw

#endif  // LLMGW_CONFIG_RESILIENCE_CONFIG_H_
