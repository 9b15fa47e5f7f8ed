#ifndef LLMGW_RESILIENCE_PROVIDER_HEALTH_H_
#define LLMGW_RESILIENCE_PROVIDER_HEALTH_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "audit/audit_log.h"
#include "config/resilience_config.h"
#include "resilience/circuit_breaker.h"
#include "resilience/health_outcome.h"
#include "resilience/key_pool.h"

namespace llmgw {

// Whether a provider may be called now, and with which key.
struct Admission {
  bool admitted = false;
  // Index into the provider's keys; nullopt for keyless providers.
  std::optional<size_t> key;
  // Why not admitted, for the attempts trail: "circuit open (5 consecutive
  // failures), next probe in 42s" or "no healthy key: key:1c2e cooling down
  // 12s (rate_limited HTTP 429), key:9f00 failed permanently (...)".
  std::string reason;
};

struct ProviderHealthSnapshot {
  CircuitState circuit = CircuitState::kClosed;
  int consecutive_failures = 0;
  absl::Duration circuit_reopens_in;
  std::vector<std::string> key_fingerprints;
  std::vector<KeySnapshot> keys;
  // False when the circuit is OPEN or no key is healthy.
  bool available = true;
  std::string unavailable_reason;
};

// The health of one provider: its key pool and circuit breaker, shared by
// every call (thread-safe: calls run on the event loop, Status reads from gRPC
// threads). Writes the audit events key_cooldown, key_failed, circuit_open,
// circuit_half_open and circuit_closed, naming keys by fingerprint only.
//
// With `config.enabled` false nothing is tracked: every key is always
// admitted in order and the circuit never opens (LLMGW_RESILIENCE=off).
class ProviderHealth {
 public:
  ProviderHealth(std::string provider, std::vector<std::string> fingerprints,
                 const ResilienceConfig& config, AuditLog* audit);

  const std::string& provider() const { return provider_; }
  size_t key_count() const { return fingerprints_.size(); }
  const std::string& fingerprint(size_t key) const {
    return fingerprints_.at(key);
  }

  // Admits a call, choosing the healthy key with the fewest failures outside
  // `tried`. A HALF_OPEN circuit admits a single probe; an admitted call must
  // be followed by exactly one Record(). `no_alternative` says the call has
  // nowhere else to go (it is the last target of its plan and nothing was
  // tried yet): an OPEN circuit then lets it through as the probe at once
  // (one at a time), so a provider without fallback is never locked out for
  // a whole cooldown after it recovers.
  Admission Admit(absl::Time now, const std::vector<size_t>& tried,
                  absl::string_view model, bool no_alternative = false);

  // Puts every key that left rotation (revoked, or cooling down) back in,
  // with clean records, and writes a `key_restored` audit event for each.
  // For a config reload that brought new or fixed keys. Returns how many
  // keys came back.
  int RestoreKeys(absl::Time now);

  // Records how an admitted call ended.
  void Record(HealthOutcome outcome, std::optional<size_t> key, absl::Time now,
              std::optional<absl::Duration> retry_after,
              absl::string_view model, const std::string& reason);

  ProviderHealthSnapshot Snapshot(absl::Time now) const;

 private:
  void AuditCircuit(const CircuitBreaker::Transition& t,
                    absl::string_view model, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string KeysUnavailableReason(absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string provider_;
  const std::vector<std::string> fingerprints_;
  const bool enabled_;
  AuditLog* const audit_;
  mutable absl::Mutex mu_;
  KeyPool keys_ ABSL_GUARDED_BY(mu_);
  CircuitBreaker circuit_ ABSL_GUARDED_BY(mu_);
};

// Every provider's health, by registry name. Built at start-up and again at
// each config reload, when a provider that remains (same keys) shares its
// ProviderHealth with the new board so cooldowns and circuit state survive.
class HealthBoard {
 public:
  void Add(std::shared_ptr<ProviderHealth> health);
  // Null for unknown names.
  ProviderHealth* Find(absl::string_view provider) const;
  // The shared object behind Find (null for unknown names).
  std::shared_ptr<ProviderHealth> Share(absl::string_view provider) const;
  // ProviderHealth::RestoreKeys on every provider (config reload); returns
  // the number of keys put back into rotation.
  int RestoreKeys(absl::Time now);

 private:
  std::map<std::string, std::shared_ptr<ProviderHealth>, std::less<>> by_name_;
};

}  // namespace llmgw

#endif  // LLMGW_RESILIENCE_PROVIDER_HEALTH_H_
