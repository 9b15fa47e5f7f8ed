#include "auth/gatekeeper.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/json_log.h"
#include "dispatch/attempt_plan.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "registry/key_fingerprint.h"

namespace llmgw {

struct Gatekeeper::Metrics {
  prometheus::Family<prometheus::Counter>* auth_failures = nullptr;
  prometheus::Family<prometheus::Counter>* denied = nullptr;
  prometheus::Family<prometheus::Counter>* rate_limited = nullptr;
  // auth_failed log lines: at most one a second (attackers must not be able
  // to flood the log); the next line says how many were suppressed.
  mutable absl::Mutex mu;
  absl::Time last_log ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  int64_t suppressed ABSL_GUARDED_BY(mu) = 0;
  // Audit events of refusals: at most kAuditRefusalsPerSecond per second.
  absl::Time audit_second ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  int audited_this_second ABSL_GUARDED_BY(mu) = 0;
  int64_t audit_suppressed ABSL_GUARDED_BY(mu) = 0;
};

namespace {

absl::Status Denied(absl::string_view message) {
  absl::Status status = absl::PermissionDeniedError(message);
  status.SetPayload("llmgw/reason", absl::Cord("PERMISSION_DENIED"));
  return status;
}

bool ModelAllowed(const TenantPolicy& policy, const PlanTarget& t) {
  const std::string& provider = t.entry->spec.name;
  if (!policy.allowed_providers.empty()) {
    bool ok = false;
    for (const std::string& p : policy.allowed_providers) ok |= p == provider;
    if (!ok) return false;
  }
  if (policy.allowed_models.empty()) return true;
  const std::string full = absl::StrCat(provider, "/", t.model);
  for (const std::string& m : policy.allowed_models) {
    if (m == "*" || m == t.model || m == full ||
        (absl::EndsWith(m, "/*") && m.substr(0, m.size() - 2) == provider)) {
      return true;
    }
  }
  return false;
}

// The keyed fingerprint of the bearer token in `authorization` ("" if none):
// names an unknown key in the audit log without revealing it.
std::string PresentedKeyFingerprint(
    std::optional<absl::string_view> authorization) {
  if (!authorization.has_value()) return "";
  std::optional<absl::string_view> key = BearerToken(*authorization);
  return key.has_value() && !key->empty() ? KeyFingerprint(*key) : "";
}

}  // namespace

Gatekeeper::Keys::Keys(const AuthConfig& c)
    : authenticator(c.client_keys), config(c) {
  // The digests are not needed past the authenticator.
  config.client_keys.clear();
}

Gatekeeper::Gatekeeper(const AuthConfig& config,
                       std::unique_ptr<RateLimiter> limiter,
                       const std::shared_ptr<prometheus::Registry>& metrics,
                       AuditLog* audit)
    : limiter_(std::move(limiter)),
      metrics_(std::make_unique<Metrics>()),
      audit_(audit),
      keys_(std::make_shared<const Keys>(config)) {
  if (metrics != nullptr) {
    metrics_->auth_failures =
        &prometheus::BuildCounter()
             .Name("llmgw_auth_failures_total")
             .Help(
                 "Calls refused UNAUTHENTICATED, by reason (missing, "
                 "malformed, invalid_key).")
             .Register(*metrics);
    metrics_->denied = &prometheus::BuildCounter()
                            .Name("llmgw_permission_denied_total")
                            .Help("Calls refused PERMISSION_DENIED, by tenant.")
                            .Register(*metrics);
    metrics_->rate_limited =
        &prometheus::BuildCounter()
             .Name("llmgw_rate_limited_total")
             .Help(
                 "Calls refused by a tenant rate limit, by tenant and "
                 "limit (rpm, tpm).")
             .Register(*metrics);
  }
}

Gatekeeper::~Gatekeeper() = default;

void Gatekeeper::Reload(const AuthConfig& config) {
  auto fresh = std::make_shared<const Keys>(config);
  absl::MutexLock lock(&keys_mu_);
  keys_ = std::move(fresh);
}

std::shared_ptr<const Gatekeeper::Keys> Gatekeeper::keys() const {
  absl::MutexLock lock(&keys_mu_);
  return keys_;
}

void Gatekeeper::AuditRefusal(nlohmann::json fields) const {
  if (audit_ == nullptr) return;
  {
    absl::MutexLock lock(&metrics_->mu);
    const absl::Time now = absl::Now();
    if (now - metrics_->audit_second >= absl::Seconds(1)) {
      metrics_->audit_second = now;
      metrics_->audited_this_second = 0;
    }
    if (metrics_->audited_this_second >= kAuditRefusalsPerSecond) {
      ++metrics_->audit_suppressed;
      return;
    }
    ++metrics_->audited_this_second;
    if (metrics_->audit_suppressed > 0) {
      fields["suppressed_before"] = metrics_->audit_suppressed;
      metrics_->audit_suppressed = 0;
    }
  }
  audit_->Write("auth", std::move(fields));
}

absl::StatusOr<Caller> Gatekeeper::Authenticate(
    std::optional<absl::string_view> authorization) const {
  absl::StatusOr<Caller> caller =
      keys()->authenticator.Authenticate(authorization);
  if (caller.ok()) return caller;
  const std::string reason = AuthFailureReason(caller.status());
  nlohmann::json event = {{"event", "unauthenticated"}, {"reason", reason}};
  if (reason == kAuthInvalidKey) {
    event["key"] = PresentedKeyFingerprint(authorization);
  }
  AuditRefusal(std::move(event));
  if (metrics_->auth_failures != nullptr) {
    metrics_->auth_failures->Add({{"reason", reason}}).Increment();
  }
  int64_t suppressed = -1;
  {
    absl::MutexLock lock(&metrics_->mu);
    const absl::Time now = absl::Now();
    if (now - metrics_->last_log >= absl::Seconds(1)) {
      metrics_->last_log = now;
      suppressed = metrics_->suppressed;
      metrics_->suppressed = 0;
    } else {
      ++metrics_->suppressed;
    }
  }
  if (suppressed >= 0) {
    LogWarning("auth_failed",
               {{"reason", reason},
                {"suppressed_since_last", absl::StrCat(suppressed)}});
  }
  return caller;
}

const TenantPolicy* Gatekeeper::PolicyOf(const Keys& keys,
                                         const Caller& caller) {
  if (caller.open) return nullptr;
  auto it = keys.config.tenants.find(caller.tenant);
  return it == keys.config.tenants.end() ? nullptr : &it->second;
}

void Gatekeeper::CountDenied(const Caller& caller,
                             absl::string_view what) const {
  if (metrics_->denied != nullptr) {
    metrics_->denied->Add({{"tenant", caller.tenant}}).Increment();
  }
  AuditRefusal({{"event", "permission_denied"},
                {"tenant", caller.tenant},
                {"denied", std::string(what)}});
}

absl::Status Gatekeeper::ApplyModelPolicy(
    const Caller& caller, const ProviderRegistry& registry,
    const ProviderRequest& request,
    std::vector<std::string>& fallback_models) const {
  std::shared_ptr<const Keys> keys = this->keys();
  const TenantPolicy* policy = PolicyOf(*keys, caller);
  if (policy == nullptr ||
      (policy->allowed_models.empty() && policy->allowed_providers.empty())) {
    return absl::OkStatus();
  }
  std::vector<AttemptRecord> skipped;
  absl::StatusOr<std::vector<PlanTarget>> plan =
      BuildAttemptPlan(registry, request, fallback_models, &skipped);
  // Routing errors are the dispatcher's to report.
  if (!plan.ok() || plan->empty()) return absl::OkStatus();
  const bool explicit_fallbacks = !fallback_models.empty();
  std::vector<std::string> allowed_rest;
  for (size_t i = 0; i < plan->size(); ++i) {
    const PlanTarget& t = (*plan)[i];
    const bool ok = ModelAllowed(*policy, t);
    if (!ok && (t.routed || explicit_fallbacks)) {
      CountDenied(caller,
                  absl::StrCat("model ", t.entry->spec.name, "/", t.model));
      return Denied(absl::StrCat(
          "tenant '", caller.tenant, "' may not use ", t.entry->spec.name, "/",
          t.model, t.routed ? "" : " (in fallback_models)",
          "; allowed models: [", absl::StrJoin(policy->allowed_models, ", "),
          "], providers: [", absl::StrJoin(policy->allowed_providers, ", "),
          "]"));
    }
    if (ok && !t.routed) {
      allowed_rest.push_back(absl::StrCat(t.entry->spec.name, "/", t.model));
    }
  }
  if (!explicit_fallbacks) {
    // Pin the chain to the allowed targets; a lone target pins itself (an
    // empty list would mean "the whole configured chain"). When the routed
    // model was skipped (it lacks a feature: its record is the first) and
    // no chain target is allowed, pinning it lets the call say why.
    const PlanTarget& first = plan->front();
    const bool routed_skipped =
        !first.routed && !skipped.empty() && !skipped[0].provider.empty();
    const std::string lone =
        routed_skipped
            ? absl::StrCat(skipped[0].provider, "/", skipped[0].model)
            : absl::StrCat(first.entry->spec.name, "/", first.model);
    fallback_models = allowed_rest.empty() ? std::vector<std::string>{lone}
                                           : std::move(allowed_rest);
  }
  return absl::OkStatus();
}

void Gatekeeper::Admit(const Caller& caller, RateLimiter::Done done) const {
  std::shared_ptr<const Keys> keys = this->keys();
  const TenantPolicy* policy = PolicyOf(*keys, caller);
  if (policy == nullptr || limiter_ == nullptr ||
      (policy->requests_per_minute == 0 && policy->tokens_per_minute == 0)) {
    done(absl::OkStatus());
    return;
  }
  RateLimits limits{policy->requests_per_minute, policy->tokens_per_minute};
  prometheus::Family<prometheus::Counter>* counter = metrics_->rate_limited;
  limiter_->Admit(
      caller.tenant, limits,
      [this, tenant = caller.tenant, counter,
       done = std::move(done)](absl::Status status) mutable {
        if (!status.ok()) {
          auto payload = status.GetPayload("llmgw/meta/limit");
          const std::string limit = payload ? std::string(*payload) : "";
          if (counter != nullptr) {
            counter->Add({{"tenant", tenant}, {"limit", limit}}).Increment();
          }
          AuditRefusal(
              {{"event", status.code() == absl::StatusCode::kResourceExhausted
                             ? "rate_limited"
                             : "rate_limit_error"},
               {"tenant", tenant},
               {"limit", limit},
               {"reason", std::string(status.message())}});
        }
        done(std::move(status));
      });
}

void Gatekeeper::RecordTokens(const Caller& caller, int64_t tokens) const {
  std::shared_ptr<const Keys> keys = this->keys();
  const TenantPolicy* policy = PolicyOf(*keys, caller);
  if (policy == nullptr || limiter_ == nullptr ||
      policy->tokens_per_minute == 0) {
    return;
  }
  limiter_->RecordTokens(caller.tenant, tokens);
}

absl::StatusOr<std::string> Gatekeeper::BudgetScope(
    const Caller& caller, absl::string_view requested) const {
  if (caller.admin) return std::string(requested);
  const std::string own = absl::StrCat("client:", caller.tenant);
  if (requested.empty() || requested == own) return own;
  CountDenied(caller, absl::StrCat("budget scope ", requested));
  return Denied(absl::StrCat("tenant '", caller.tenant,
                             "' may read only its own budget (scope '", own,
                             "'); other scopes need an admin key"));
}

std::unique_ptr<Gatekeeper> NewGatekeeper(
    const AuthConfig& auth, bool redis_ledger, const std::string& redis_address,
    http::EventLoop* loop, const std::shared_ptr<prometheus::Registry>& metrics,
    AuditLog* audit) {
  const bool redis =
      auth.rate_limit_backend == RateLimitBackend::kRedis ||
      (auth.rate_limit_backend == RateLimitBackend::kAuto && redis_ledger);
  std::unique_ptr<RateLimiter> limiter =
      redis ? NewRedisRateLimiter(redis_address, auth.rate_limit_redis_prefix,
                                  loop)
            : std::make_unique<InProcessRateLimiter>();
  return std::make_unique<Gatekeeper>(auth, std::move(limiter), metrics, audit);
}

}  // namespace llmgw
