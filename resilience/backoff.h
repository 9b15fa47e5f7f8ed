#ifndef LLMGW_RESILIENCE_BACKOFF_H_
#define LLMGW_RESILIENCE_BACKOFF_H_

#include "absl/time/time.h"
#include "config/resilience_config.h"

namespace llmgw {

// The un-jittered delay before retry number `retry` (1-based):
// base_delay * 2^(retry-1), capped at max_delay.
absl::Duration BackoffCeiling(const RetryConfig& config, int retry);

// The delay before retry number `retry` (1-based) with "equal jitter":
// ceiling/2 + unit * ceiling/2, so it lies in [ceiling/2, ceiling].
// `unit` is a uniform random number in [0, 1) (values outside are clamped);
// passing it in keeps this a pure function for tests.
absl::Duration BackoffDelay(const RetryConfig& config, int retry, double unit);

}  // namespace llmgw

#endif  // LLMGW_RESILIENCE_BACKOFF_H_
