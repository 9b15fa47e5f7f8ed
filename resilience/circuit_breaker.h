#ifndef LLMGW_RESILIENCE_CIRCUIT_BREAKER_H_
#define LLMGW_RESILIENCE_CIRCUIT_BREAKER_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/resilience_config.h"

namespace llmgw {

enum class CircuitState { kClosed, kOpen, kHalfOpen };

// "closed", "open", "half_open".
absl::string_view CircuitStateName(CircuitState state);

// The reference's per-provider circuit breaker:
//   CLOSED    calls flow; `failure_threshold` consecutive transient failures
//             open the circuit;
//   OPEN      calls are refused until the current cooldown has passed, then
//   HALF_OPEN exactly one probe call is let through: its success closes the
//             circuit, its failure opens it again for twice the previous
//             cooldown (`cooldown`, 2x, 4x, ... capped at `max_cooldown`).
//             Closing resets the doubling.
// A caller with no alternative target may ask for an early probe
// (Allow(now, t, /*no_alternative=*/true)): an OPEN circuit then admits one
// call at a time as its probe without waiting for the cooldown, so a
// single-provider gateway never locks itself out after a burst of failures.
// Only transient failures count (RecordFailure); outcomes that say nothing
// about the provider's health (a bad request, a cancelled call) are
// RecordNeutral, which only frees the probe slot.
// Not thread-safe (ProviderHealth guards it). Time is passed in.
class CircuitBreaker {
 public:
  explicit CircuitBreaker(const CircuitBreakerConfig& config);

  // A state change caused by a call below (for audit events).
  struct Transition {
    CircuitState from;
    CircuitState to;
  };

  // Whether a call may go out now. In OPEN past the cooldown it moves to
  // HALF_OPEN and admits this call as the probe (reported in `transition`).
  // With `no_alternative`, an OPEN circuit admits a probe at once (one at a
  // time) instead of refusing until the cooldown has passed.
  bool Allow(absl::Time now, std::optional<Transition>* transition = nullptr,
             bool no_alternative = false);

  std::optional<Transition> RecordSuccess();
  std::optional<Transition> RecordFailure(absl::Time now);
  void RecordNeutral();

  // The state as of `now` (OPEN past its cooldown reads as HALF_OPEN).
  CircuitState State(absl::Time now) const;
  int consecutive_failures() const { return consecutive_failures_; }
  // When an OPEN circuit admits its probe.
  absl::Time reopens_at() const { return opened_at_ + current_cooldown_; }
  // The cooldown of the current (or next) OPEN period.
  absl::Duration current_cooldown() const { return current_cooldown_; }

 private:
  CircuitBreakerConfig config_;
  CircuitState state_ = CircuitState::kClosed;
  int consecutive_failures_ = 0;
  absl::Time opened_at_ = absl::InfinitePast();
  bool probe_in_flight_ = false;
  // Doubles on every re-open from HALF_OPEN; reset on close.
  absl::Duration current_cooldown_;
};

}  // namespace llmgw

#endif  // LLMGW_RESILIENCE_CIRCUIT_BREAKER_H_
