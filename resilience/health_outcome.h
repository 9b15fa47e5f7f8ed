#ifndef LLMGW_RESILIENCE_HEALTH_OUTCOME_H_
#define LLMGW_RESILIENCE_HEALTH_OUTCOME_H_

namespace llmgw {

// What a provider call's end does to the provider's health (key pool and
// circuit breaker). Not a classification of its own: the dispatcher's one
// taxonomy (dispatch/outcome.h) maps each attempt outcome to one of these.
enum class HealthOutcome {
  // Resets the key's failure count and closes a half-open circuit.
  kSuccess,
  // Counts toward the circuit breaker (5xx, upstream timeout, reset).
  kTransient,
  // Counts against the key (cooldown, at least Retry-After).
  kRateLimited,
  // The key leaves rotation (401/403, revoked, out of credit).
  kKeyInvalid,
  // Says nothing about the provider (bad request, cancelled, not found);
  // only frees a probe slot.
  kNeutral,
};

}  // namespace llmgw

#endif  // LLMGW_RESILIENCE_HEALTH_OUTCOME_H_
