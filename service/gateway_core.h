#ifndef LLMGW_SERVICE_GATEWAY_CORE_H_
#define LLMGW_SERVICE_GATEWAY_CORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/audit_log.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"
#include "dispatch/generate_call.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "monitoring/gateway_metrics.h"
#include "registry/provider_registry.h"
#include "resilience/provider_health.h"

namespace prometheus {
class Collectable;
class Registry;
}  // namespace prometheus

namespace llmgw {

// The gateway's state, owned in one place: the event loop thread and the HTTP
// client it drives, the provider registry, the providers' health (key pools,
// circuit breakers), the spend ledger and the metrics.
// The gRPC service holds a pointer to it; RPC handlers only read it (all
// members are thread-safe or immutable after Create).
class GatewayCore {
 public:
  // Audit events go to <data_dir>/audit.jsonl, or to stderr without a
  // data_dir, unless `audit` is given (tests).
  static absl::StatusOr<std::unique_ptr<GatewayCore>> Create(
      const GatewayConfig& config, const EnvLookup& env,
      std::unique_ptr<AuditLog> audit = nullptr);
  // Stops the event loop after the HTTP client has aborted what is in flight.
  ~GatewayCore();

  const GatewayConfig& config() const { return config_; }
  const ProviderRegistry& registry() const { return *registry_; }
  SpendLedger& ledger() { return *ledger_; }
  // Key pools and circuit breakers of every provider (thread-safe).
  const HealthBoard& health() const { return *health_; }
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
  // Everything a GenerateCall needs.
  const DispatchDeps& dispatch_deps() const { return deps_; }
  absl::Time start_time() const { return start_time_; }

 private:
  GatewayCore() = default;

  GatewayConfig config_;
  absl::Time start_time_;
  std::unique_ptr<http::EventLoop> loop_;
  std::unique_ptr<http::HttpClient> http_client_;
  std::unique_ptr<ProviderRegistry> registry_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<HealthBoard> health_;
  std::unique_ptr<SpendLedger> ledger_;
  std::shared_ptr<prometheus::Registry> metrics_registry_;
  std::unique_ptr<GatewayMetrics> metrics_;
  std::shared_ptr<prometheus::Collectable> state_metrics_;
  std::shared_ptr<prometheus::Collectable> process_metrics_;
  DispatchDeps deps_;
};

// The version string reported by Status.
inline constexpr char kGatewayVersion[] = "0.1.0";

}  // namespace llmgw

#endif  // LLMGW_SERVICE_GATEWAY_CORE_H_
