#include "resilience/circuit_breaker.h"

#include <algorithm>

namespace llmgw {

absl::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(const CircuitBreakerConfig& config)
    : config_(config), current_cooldown_(config.cooldown) {}

bool CircuitBreaker::Allow(absl::Time now,
                           std::optional<Transition>* transition,
                           bool no_alternative) {
  switch (state_) {
    case CircuitState::kClosed:
      return true;
    case CircuitState::kOpen:
      if (now < reopens_at() && !no_alternative) return false;
      state_ = CircuitState::kHalfOpen;
      probe_in_flight_ = true;
      if (transition != nullptr) {
        *transition = Transition{CircuitState::kOpen, CircuitState::kHalfOpen};
      }
      return true;
    case CircuitState::kHalfOpen:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

std::optional<CircuitBreaker::Transition> CircuitBreaker::RecordSuccess() {
  consecutive_failures_ = 0;
  probe_in_flight_ = false;
  current_cooldown_ = config_.cooldown;
  if (state_ == CircuitState::kClosed) return std::nullopt;
  const CircuitState from = state_;
  state_ = CircuitState::kClosed;
  return Transition{from, CircuitState::kClosed};
}

std::optional<CircuitBreaker::Transition> CircuitBreaker::RecordFailure(
    absl::Time now) {
  ++consecutive_failures_;
  probe_in_flight_ = false;
  const CircuitState from = state_;
  if (state_ == CircuitState::kHalfOpen) {
    // The probe failed: wait twice as long before the next one.
    current_cooldown_ =
        std::min(std::max(config_.cooldown, config_.max_cooldown),
                 current_cooldown_ * 2);
  }
  if (state_ == CircuitState::kHalfOpen ||
      (state_ == CircuitState::kClosed &&
       consecutive_failures_ >= std::max(1, config_.failure_threshold))) {
    state_ = CircuitState::kOpen;
    opened_at_ = now;
    return Transition{from, CircuitState::kOpen};
  }
  return std::nullopt;
}

void CircuitBreaker::RecordNeutral() { probe_in_flight_ = false; }

CircuitState CircuitBreaker::State(absl::Time now) const {
  if (state_ == CircuitState::kOpen && now >= reopens_at()) {
    return CircuitState::kHalfOpen;
  }
  return state_;
}

}  // namespace llmgw
