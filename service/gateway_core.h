#ifndef LLMGW_SERVICE_GATEWAY_CORE_H_
#define LLMGW_SERVICE_GATEWAY_CORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "audit/audit_log.h"
#include "auth/gatekeeper.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"
#include "dispatch/generate_call.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "monitoring/gateway_metrics.h"
#include "registry/provider_registry.h"
#include "resilience/provider_health.h"
#include "service/config_generation.h"

namespace prometheus {
class Collectable;
class Registry;
}  // namespace prometheus

namespace llmgw {

// The gateway's state, owned in one place: the event loop thread and the HTTP
// client it drives, the audit log, the metrics, and the current
// ConfigGeneration (config, provider registry, providers' health, ledger).
// The gRPC service holds a pointer to it. A reload (Reload) swaps the
// generation atomically; calls hold the generation they started with through
// the pointer dispatch_deps() returns, so in-flight calls finish on their own
// config.
class GatewayCore {
 public:
  // Audit events go to <data_dir>/audit.jsonl, or to stderr without a
  // data_dir, unless `audit` is given (tests).
  static absl::StatusOr<std::unique_ptr<GatewayCore>> Create(
      const GatewayConfig& config, const EnvLookup& env,
      std::unique_ptr<AuditLog> audit = nullptr);
  // Stops the event loop after the HTTP client has aborted what is in flight.
  ~GatewayCore();

  // Builds a generation from `config` and, if it is valid, makes it current
  // for new calls. On error nothing changes. Thread-safe (serialized); may
  // block (ledger connections): call it off the event loop.
  absl::Status Reload(const GatewayConfig& config, const EnvLookup& env);

  // The current generation (thread-safe; hold the pointer while reading).
  std::shared_ptr<const ConfigGeneration> current() const;

  // A generation replaced by Reload is kept here until no call holds it, and
  // only ever destroyed by the core (Reload, ReleaseIdleGenerations, the
  // destructor), never by the last call to let go of it: a unary call lets
  // go on its ledger's writer thread (service/unary_call_reactor.h), which
  // could not join itself if it destroyed that ledger. Main thread only;
  // returns how many replaced generations are still held by calls.
  size_t ReleaseIdleGenerations();

  // Shortcuts into the current generation; the references stay valid until
  // the next Reload (use current() where a reload may race).
  const GatewayConfig& config() const { return current()->config; }
  const ProviderRegistry& registry() const { return *current()->registry; }
  SpendLedger& ledger() { return *current()->ledger; }
  // Key pools and circuit breakers of every provider (thread-safe).
  const HealthBoard& health() const { return *current()->health; }
  AuditLog& audit() { return *audit_; }
  GatewayMetrics& metrics() { return *metrics_; }
  const std::shared_ptr<prometheus::Registry>& metrics_registry() const {
    return metrics_registry_;
  }
  // Everything /metrics serves: the registry and the scrape-time collectors.
  std::vector<std::shared_ptr<prometheus::Collectable>> metrics_collectables()
      const;
  http::EventLoop& loop() { return *loop_; }
  http::HttpClient& http_client() { return *http_client_; }
  // Everything a GenerateCall needs, in the current generation, which the
  // pointer keeps alive (it owns the generation, not a copy).
  std::shared_ptr<const DispatchDeps> dispatch_deps() const;
  absl::Time start_time() const { return start_time_; }
  // Client keys, tenant policies, rate limits (auth/gatekeeper.h).
  const Gatekeeper& gatekeeper() const { return *gatekeeper_; }

 private:
  GatewayCore() = default;

  absl::Time start_time_;
  std::unique_ptr<http::EventLoop> loop_;
  std::unique_ptr<http::HttpClient> http_client_;
  std::unique_ptr<AuditLog> audit_;
  std::shared_ptr<prometheus::Registry> metrics_registry_;
  std::unique_ptr<GatewayMetrics> metrics_;
  std::shared_ptr<prometheus::Collectable> state_metrics_;
  std::shared_ptr<prometheus::Collectable> process_metrics_;
  absl::Mutex reload_mu_;  // serializes Reload
  mutable absl::Mutex mu_;
  std::shared_ptr<const ConfigGeneration> current_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const ConfigGeneration>> retired_
      ABSL_GUARDED_BY(mu_);
  // Client keys, tenant policies and rate limits; a reload swaps the keys
  // and policies (the rate-limit backend stays the one chosen at start).
  std::unique_ptr<Gatekeeper> gatekeeper_;
};

// The version string reported by Status.
inline constexpr char kGatewayVersion[] = "0.1.0";

}  // namespace llmgw

#endif  // LLMGW_SERVICE_GATEWAY_CORE_H_
