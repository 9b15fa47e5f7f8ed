#include "resilience/provider_health.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace llmgw {
namespace {

std::string Secs(absl::Duration d) {
  return absl::StrCat(
      absl::ToDoubleSeconds(absl::Ceil(d, absl::Milliseconds(1))), "s");
}

}  // namespace

ProviderHealth::ProviderHealth(std::string provider,
                               std::vector<std::string> fingerprints,
                               const ResilienceConfig& config, AuditLog* audit)
    : provider_(std::move(provider)),
      fingerprints_(std::move(fingerprints)),
      enabled_(config.enabled),
      audit_(audit),
      keys_(config.keys, fingerprints_.size()),
      circuit_(config.circuit) {}

std::string ProviderHealth::KeysUnavailableReason(absl::Time now) const {
  std::vector<std::string> parts;
  for (size_t i = 0; i < fingerprints_.size(); ++i) {
    const KeySnapshot s = keys_.Snapshot(i, now);
    if (s.health == KeyHealth::kCoolingDown) {
      parts.push_back(absl::StrCat(fingerprints_[i], " cooling down ",
                                   Secs(s.cooldown_remaining), " (", s.reason,
                                   ")"));
    } else if (s.health == KeyHealth::kFailedPermanently) {
      parts.push_back(absl::StrCat(fingerprints_[i], " failed permanently (",
                                   s.reason, ")"));
    }
  }
  return absl::StrCat("no healthy key: ", absl::StrJoin(parts, ", "));
}

Admission ProviderHealth::Admit(absl::Time now,
                                const std::vector<size_t>& tried,
                                absl::string_view model, bool no_alternative) {
  Admission a;
  if (!enabled_) {
    for (size_t i = 0; i < fingerprints_.size(); ++i) {
      if (std::find(tried.begin(), tried.end(), i) == tried.end()) {
        a.admitted = true;
        a.key = i;
        return a;
      }
    }
    a.admitted = fingerprints_.empty() && tried.empty();
    if (!a.admitted) a.reason = "every key was tried";
    return a;
  }
  absl::MutexLock lock(&mu_);
  if (!fingerprints_.empty()) {
    a.key = keys_.Pick(now, tried);
    if (!a.key) {
      bool any_untried = false;
      for (size_t i = 0; i < fingerprints_.size(); ++i) {
        any_untried = any_untried ||
                      std::find(tried.begin(), tried.end(), i) == tried.end();
      }
      a.reason =
          any_untried ? KeysUnavailableReason(now) : "every key was tried";
      return a;
    }
  } else if (!tried.empty()) {
    a.reason = "already tried";
    return a;
  }
  std::optional<CircuitBreaker::Transition> transition;
  const bool early =
      no_alternative && circuit_.State(now) == CircuitState::kOpen;
  if (!circuit_.Allow(now, &transition, no_alternative)) {
    a.key.reset();
    if (circuit_.State(now) == CircuitState::kHalfOpen) {
      a.reason = "circuit half_open: a probe call is already in flight";
    } else {
      a.reason =
          absl::StrCat("circuit open after ", circuit_.consecutive_failures(),
                       " consecutive failures; next probe in ",
                       Secs(circuit_.reopens_at() - now));
    }
    return a;
  }
  if (transition) {
    AuditCircuit(*transition, model,
                 early ? "no alternative target; letting one probe through "
                         "before the cooldown"
                       : "cooldown elapsed; letting one probe through");
  }
  a.admitted = true;
  return a;
}

void ProviderHealth::Record(HealthOutcome outcome, std::optional<size_t> key,
                            absl::Time now,
                            std::optional<absl::Duration> retry_after,
                            absl::string_view model,
                            const std::string& reason) {
  if (!enabled_) return;
  absl::MutexLock lock(&mu_);
  const std::string fp = key ? fingerprints_.at(*key) : "";
  auto key_event = [&](absl::string_view type, nlohmann::json extra) {
    if (audit_ == nullptr) return;
    nlohmann::json f = {{"provider", provider_},
                        {"model", std::string(model)},
                        {"key", fp},
                        {"reason", reason}};
    if (extra.is_object()) f.update(extra);
    audit_->Write(type, std::move(f));
  };
  std::optional<CircuitBreaker::Transition> transition;
  switch (outcome) {
    case HealthOutcome::kSuccess:
      if (key) keys_.RecordSuccess(*key);
      transition = circuit_.RecordSuccess();
      break;
    case HealthOutcome::kTransient:
      transition = circuit_.RecordFailure(now);
      break;
    case HealthOutcome::kRateLimited:
      circuit_.RecordNeutral();
      if (key) {
        KeyFailureEffect e =
            keys_.RecordFailure(*key, now, retry_after, reason);
        if (e.cooldown) {
          key_event(
              "key_cooldown",
              {{"cooldown_ms", absl::ToInt64Milliseconds(*e.cooldown)},
               {"failure_count", keys_.Snapshot(*key, now).failure_count}});
        }
      }
      break;
    case HealthOutcome::kKeyInvalid:
      circuit_.RecordNeutral();
      if (key) {
        KeyFailureEffect e = keys_.RecordPermanentFailure(*key, reason);
        if (e.failed_permanently)
          key_event("key_failed", nlohmann::json::object());
      }
      break;
    case HealthOutcome::kNeutral:
      circuit_.RecordNeutral();
      break;
  }
  if (transition) AuditCircuit(*transition, model, reason);
}

void ProviderHealth::AuditCircuit(const CircuitBreaker::Transition& t,
                                  absl::string_view model,
                                  const std::string& reason) {
  if (audit_ == nullptr) return;
  audit_->Write(absl::StrCat("circuit_", CircuitStateName(t.to)),
                {{"provider", provider_},
                 {"model", std::string(model)},
                 {"from", std::string(CircuitStateName(t.from))},
                 {"consecutive_failures", circuit_.consecutive_failures()},
                 {"reason", reason}});
}

ProviderHealthSnapshot ProviderHealth::Snapshot(absl::Time now) const {
  ProviderHealthSnapshot s;
  s.key_fingerprints = fingerprints_;
  absl::MutexLock lock(&mu_);
  s.circuit = circuit_.State(now);
  s.consecutive_failures = circuit_.consecutive_failures();
  if (s.circuit == CircuitState::kOpen) {
    s.circuit_reopens_in = circuit_.reopens_at() - now;
    s.available = false;
    s.unavailable_reason = absl::StrCat(
        "circuit open after ", s.consecutive_failures,
        " consecutive failures; next probe in ", Secs(s.circuit_reopens_in));
  }
  bool any_healthy = fingerprints_.empty();
  for (size_t i = 0; i < fingerprints_.size(); ++i) {
    s.keys.push_back(keys_.Snapshot(i, now));
    any_healthy = any_healthy || s.keys.back().health == KeyHealth::kHealthy;
  }
  if (!any_healthy && s.available) {
    s.available = false;
    s.unavailable_reason = KeysUnavailableReason(now);
  }
  return s;
}

int ProviderHealth::RestoreKeys(absl::Time now) {
  absl::MutexLock lock(&mu_);
  int restored = 0;
  for (size_t i = 0; i < fingerprints_.size(); ++i) {
    const KeySnapshot before = keys_.Snapshot(i, now);
    if (!keys_.Restore(i, now)) continue;
    ++restored;
    if (audit_ != nullptr) {
      audit_->Write("key_restored", {{"provider", provider_},
                                     {"key", fingerprints_[i]},
                                     {"was", before.reason}});
    }
  }
  return restored;
}

int HealthBoard::RestoreKeys(absl::Time now) {
  int restored = 0;
  for (auto& [name, health] : by_name_) restored += health->RestoreKeys(now);
  return restored;
}

void HealthBoard::Add(std::shared_ptr<ProviderHealth> health) {
  std::string name = health->provider();
  by_name_[name] = std::move(health);
}

ProviderHealth* HealthBoard::Find(absl::string_view provider) const {
  auto it = by_name_.find(provider);
  return it == by_name_.end() ? nullptr : it->second.get();
}

std::shared_ptr<ProviderHealth> HealthBoard::Share(
    absl::string_view provider) const {
  auto it = by_name_.find(provider);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace llmgw
