#include "resilience/backoff.h"

#include <algorithm>

namespace llmgw {

absl::Duration BackoffCeiling(const RetryConfig& config, int retry) {
  if (retry < 1) retry = 1;
  absl::Duration d = config.base_delay;
  for (int i = 1; i < retry && d < config.max_delay; ++i) d *= 2;
  return std::min(d, config.max_delay);
}

absl::Duration BackoffDelay(const RetryConfig& config, int retry, double unit) {
  unit = std::clamp(unit, 0.0, 1.0);
  const absl::Duration ceiling = BackoffCeiling(config, retry);
  return ceiling / 2 + (ceiling / 2) * unit;
}

}  // namespace llmgw
