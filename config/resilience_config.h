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
  // Time OPEN before one HALF_OPEN probe is let through.
  absl::Duration cooldown = absl::Seconds(300);
};

// Retries of transient and rate-limited failures (reference defaults).
struct RetryConfig {
  int max_retries = 3;
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Seconds(30);
};

struct ResilienceConfig {
  KeyPoolConfig keys;
  CircuitBreakerConfig circuit;
  RetryConfig retry;
};

// Parses the `resilience:` section of the YAML file.
absl::Status ParseResilienceSection(const YAML::Node& node,
                                    ResilienceConfig& resilience);

// Environment overrides of the resilience settings.
absl::Status ApplyResilienceEnvironment(const EnvLookup& env,
                                        ResilienceConfig& resilience);

}  // namespace llmgw

#endif  // LLMGW_CONFIG_RESILIENCE_CONFIG_H_
