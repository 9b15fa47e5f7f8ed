#ifndef LLMGW_AUTH_GATEKEEPER_H_
#define LLMGW_AUTH_GATEKEEPER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "audit/audit_log.h"
#include "auth/auth_config.h"
#include "auth/authenticator.h"
#include "auth/rate_limiter.h"
#include "registry/provider_registry.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace llmgw {

// Everything the gateway checks about a caller before any work is
// dispatched, in the order the RPC handlers call it:
//   1. Authenticate: the client key -> the tenant (UNAUTHENTICATED);
//   2. ApplyModelPolicy: the tenant's allowed models/providers
//      (PERMISSION_DENIED naming what is not allowed);
//   3. Admit: the tenant's requests/tokens per minute (RESOURCE_EXHAUSTED,
//      RATE_LIMITED, retry-after), asynchronously;
// and after the call RecordTokens. Budget and Status ask BudgetScope and
// MayReadDetails. Thread-safe; transport-agnostic (the HTTP front uses it
// too). Exports llmgw_auth_failures_total{reason},
// llmgw_permission_denied_total{tenant} and llmgw_rate_limited_total{tenant,
// limit}, and writes every refusal to the audit log (type "auth", event
// unauthenticated | permission_denied | rate_limited, with the tenant or,
// for an unknown key, its keyed fingerprint; never the key), at most
// kAuditRefusalsPerSecond a second (the next event counts the suppressed).
class Gatekeeper {
 public:
  static constexpr int kAuditRefusalsPerSecond = 100;

  // `limiter` may be null (no rate limits). `metrics` and `audit` may be
  // null.
  Gatekeeper(const AuthConfig& config, std::unique_ptr<RateLimiter> limiter,
             const std::shared_ptr<prometheus::Registry>& metrics,
             AuditLog* audit = nullptr);
  ~Gatekeeper();

  // Swaps in the client keys and tenant policies of `config` for calls that
  // start after it (config reload); calls in progress keep what they were
  // admitted with. The rate-limit backend stays the one chosen at start.
  void Reload(const AuthConfig& config);

  bool open() const { return keys()->authenticator.open(); }
  const RateLimiter* limiter() const { return limiter_.get(); }

  // See Authenticator::Authenticate; counts and logs failures (the log line
  // `auth_failed` names the reason, never the key).
  absl::StatusOr<Caller> Authenticate(
      std::optional<absl::string_view> authorization) const;

  // Checks every target the call may reach (the routed model, then
  // `fallback_models` or the configured chain) against the tenant's
  // allowed_models / allowed_providers. The routed model and explicit
  // fallback models must all be allowed (PERMISSION_DENIED naming the first
  // that is not); targets of the configured chain that are not allowed are
  // dropped by rewriting `fallback_models` to the allowed ones.
  // `registry` is the one the call will be dispatched with; `request` (its
  // model, operation and features) is planned as the call will plan it
  // (dispatch/attempt_plan.h).
  absl::Status ApplyModelPolicy(
      const Caller& caller, const ProviderRegistry& registry,
      const ProviderRequest& request,
      std::vector<std::string>& fallback_models) const;

  // Counts one request against the tenant's rate limits; `done` runs once,
  // inline or on the event loop. Open mode and tenants without limits are
  // admitted inline.
  void Admit(const Caller& caller, RateLimiter::Done done) const;

  // Adds the tokens a finished call used to the tenant's window.
  void RecordTokens(const Caller& caller, int64_t tokens) const;

  // The Budget scope the caller may read: "" means its own ("client:<t>")
  // for a tenant, "global" for an admin; a tenant asking for any other scope
  // gets PERMISSION_DENIED. Admins read any scope.
  absl::StatusOr<std::string> BudgetScope(const Caller& caller,
                                          absl::string_view requested) const;

  // Status details (providers, base URLs, key fingerprints) need an admin.
  bool MayReadDetails(const Caller& caller) const { return caller.admin; }

 private:
  struct Metrics;
  // Client keys and tenant policies: one immutable snapshot per reload.
  struct Keys {
    explicit Keys(const AuthConfig& config);
    Authenticator authenticator;
    AuthConfig config;  // without client_keys (the authenticator has them)
  };
  std::shared_ptr<const Keys> keys() const;
  // The tenant's policy in `keys`, or null (open mode, unknown tenant).
  static const TenantPolicy* PolicyOf(const Keys& keys, const Caller& caller);
  void CountDenied(const Caller& caller, absl::string_view what) const;
  // Writes one "auth" audit event unless over kAuditRefusalsPerSecond.
  void AuditRefusal(nlohmann::json fields) const;

  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<Metrics> metrics_;
  AuditLog* const audit_;
  mutable absl::Mutex keys_mu_;
  std::shared_ptr<const Keys> keys_ ABSL_GUARDED_BY(keys_mu_);
};

// Builds the gatekeeper for a gateway: in-process rate limits, or Redis ones
// when auth.rate_limit_backend is redis, or auto with the Redis ledger.
std::unique_ptr<Gatekeeper> NewGatekeeper(
    const AuthConfig& auth, bool redis_ledger, const std::string& redis_address,
    http::EventLoop* loop, const std::shared_ptr<prometheus::Registry>& metrics,
    AuditLog* audit = nullptr);

}  // namespace llmgw

#endif  // LLMGW_AUTH_GATEKEEPER_H_
