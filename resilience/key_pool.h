#ifndef LLMGW_RESILIENCE_KEY_POOL_H_
#define LLMGW_RESILIENCE_KEY_POOL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/resilience_config.h"

namespace llmgw {

// Health of one API key, as reported by Status.
enum class KeyHealth { kHealthy, kCoolingDown, kFailedPermanently };

struct KeySnapshot {
  KeyHealth health = KeyHealth::kHealthy;
  // Consecutive failures counted against the key (reset by a success).
  int failure_count = 0;
  // Time left in the cooldown (zero unless kCoolingDown).
  absl::Duration cooldown_remaining;
  // Why the key is out of rotation ("" when healthy).
  std::string reason;
};

// What a recorded failure did to the key.
struct KeyFailureEffect {
  // Set when the key entered (or extended) a cooldown of this length.
  std::optional<absl::Duration> cooldown;
  // True when the key left rotation for good.
  bool failed_permanently = false;
};

// The reference's key rotation for one provider's keys, indexed 0..n-1:
//   - Pick() returns the healthy key with the fewest failures (ties: lowest
//     index);
//   - every RecordFailure counts against the key; when the count reaches
//     max_failures_before_cooldown the key cools down for default_cooldown,
//     doubled on each further cooldown without a success in between, capped
//     at max_cooldown;
//   - a rate-limited failure carrying Retry-After cools the key down at once
//     for at least that long;
//   - RecordPermanentFailure takes the key out until restart or reload;
//   - RecordSuccess resets the count and the doubling.
// Not thread-safe (ProviderHealth guards it). Time is passed in.
class KeyPool {
 public:
  KeyPool(const KeyPoolConfig& config, size_t key_count);

  size_t size() const { return keys_.size(); }

  // The healthy key with the fewest failures among those not in `exclude`
  // (indices), or nullopt when none is.
  std::optional<size_t> Pick(absl::Time now,
                             const std::vector<size_t>& exclude = {}) const;

  void RecordSuccess(size_t key);
  KeyFailureEffect RecordFailure(size_t key, absl::Time now,
                                 std::optional<absl::Duration> retry_after,
                                 const std::string& reason);
  KeyFailureEffect RecordPermanentFailure(size_t key,
                                          const std::string& reason);

  KeySnapshot Snapshot(size_t key, absl::Time now) const;

  // Puts a key that failed permanently (or is cooling down) back into
  // rotation with a clean record, e.g. after a config reload replaced a
  // revoked key. Returns true if the key was out of rotation.
  bool Restore(size_t key, absl::Time now);

 private:
  struct Key {
    int failures = 0;
    // Cooldowns entered since the last success (drives the doubling).
    int cooldowns = 0;
    absl::Time cooldown_until = absl::InfinitePast();
    bool failed_permanently = false;
    std::string reason;
  };
  bool Healthy(const Key& k, absl::Time now) const {
    return !k.failed_permanently && now >= k.cooldown_until;
  }

  KeyPoolConfig config_;
  std::vector<Key> keys_;
};

}  // namespace llmgw

#endif  // LLMGW_RESILIENCE_KEY_POOL_H_
