#include "resilience/key_pool.h"

#include <algorithm>

namespace llmgw {

KeyPool::KeyPool(const KeyPoolConfig& config, size_t key_count)
    : config_(config), keys_(key_count) {}

std::optional<size_t> KeyPool::Pick(absl::Time now,
                                    const std::vector<size_t>& exclude) const {
  std::optional<size_t> best;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (std::find(exclude.begin(), exclude.end(), i) != exclude.end()) continue;
    if (!Healthy(keys_[i], now)) continue;
    if (!best || keys_[i].failures < keys_[*best].failures) best = i;
  }
  return best;
}

void KeyPool::RecordSuccess(size_t key) {
  Key& k = keys_.at(key);
  if (k.failed_permanently) return;
  k.failures = 0;
  k.cooldowns = 0;
  k.cooldown_until = absl::InfinitePast();
  k.reason.clear();
}

KeyFailureEffect KeyPool::RecordFailure(
    size_t key, absl::Time now, std::optional<absl::Duration> retry_after,
    const std::string& reason) {
  Key& k = keys_.at(key);
  KeyFailureEffect effect;
  if (k.failed_permanently) return effect;
  ++k.failures;
  absl::Duration cooldown = absl::ZeroDuration();
  const int threshold = std::max(1, config_.max_failures_before_cooldown);
  if (k.failures >= threshold) {
    cooldown = config_.default_cooldown;
    for (int i = 0; i < k.cooldowns && cooldown < config_.max_cooldown; ++i) {
      cooldown *= 2;
    }
    cooldown = std::min(cooldown, config_.max_cooldown);
    ++k.cooldowns;
  }
  if (retry_after && *retry_after > cooldown) cooldown = *retry_after;
  if (cooldown > absl::ZeroDuration()) {
    k.cooldown_until = std::max(k.cooldown_until, now + cooldown);
    k.reason = reason;
    effect.cooldown = k.cooldown_until - now;
  }
  return effect;
}

KeyFailureEffect KeyPool::RecordPermanentFailure(size_t key,
                                                 const std::string& reason) {
  Key& k = keys_.at(key);
  KeyFailureEffect effect;
  if (k.failed_permanently) return effect;
  ++k.failures;
  k.failed_permanently = true;
  k.reason = reason;
  effect.failed_permanently = true;
  return effect;
}

bool KeyPool::Restore(size_t key, absl::Time now) {
  Key& k = keys_.at(key);
  const bool was_out = !Healthy(k, now);
  k = Key();
  return was_out;
}

KeySnapshot KeyPool::Snapshot(size_t key, absl::Time now) const {
  const Key& k = keys_.at(key);
  KeySnapshot s;
  s.failure_count = k.failures;
  if (k.failed_permanently) {
    s.health = KeyHealth::kFailedPermanently;
    s.reason = k.reason;
  } else if (now < k.cooldown_until) {
    s.health = KeyHealth::kCoolingDown;
    s.cooldown_remaining = k.cooldown_until - now;
    s.reason = k.reason;
  }
  return s;
}

}  // namespace llmgw
