#ifndef LLMGW_SERVICE_CONFIG_GENERATION_H_
#define LLMGW_SERVICE_CONFIG_GENERATION_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "audit/audit_log.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"
#include "dispatch/call_observer.h"
#include "dispatch/generate_call.h"
#include "http/http_client.h"
#include "registry/provider_registry.h"
#include "resilience/provider_health.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace llmgw {

// Everything a configuration decides, built together and swapped together
// on reload: the config, the provider registry built from it, the providers'
// health board and the spend ledger. Immutable once built; shared by the
// core (current generation) and by every call started on it.
struct ConfigGeneration {
  // 1 at start-up, +1 per successful reload.
  int64_t number = 1;
  GatewayConfig config;
  std::unique_ptr<ProviderRegistry> registry;
  std::unique_ptr<HealthBoard> health;
  std::shared_ptr<SpendLedger> ledger;
  // Metrics and audit events of the calls (dispatch/call_observers.h).
  std::unique_ptr<CallObserver> observer;
  // Dispatch dependencies pointing into this generation.
  DispatchDeps deps;
};

// What a new generation may reuse from the one it replaces.
struct GenerationBase {
  const ConfigGeneration* previous = nullptr;  // null at start-up
  http::HttpClient* http_client = nullptr;
  http::EventLoop* loop = nullptr;
  AuditLog* audit = nullptr;
  GatewayMetrics* metrics = nullptr;
  // Ledger operations are timed into it (InstrumentLedger) when set.
  prometheus::Registry* metrics_registry = nullptr;
};

// Validates `config` and builds a generation from it: the registry (from the
// config and `env`), pricing checks, health (a provider present in
// `previous` with the same key fingerprints keeps its ProviderHealth, so
// cooldowns and circuit state survive), and the ledger: reused from
// `previous` when the budget section is unchanged, or changes only limits
// or prices (SameLedgerStore; the memory and SQLite ledgers then enforce
// the new limits in place, SpendLedger::UpdateBudget, keeping the window's
// spend and open reservations); otherwise a new one: Redis keeps the
// window's spend in Redis, the memory backend starts a new window, and a
// SQLite ledger on the same file is refused (FAILED_PRECONDITION: restart).
absl::StatusOr<std::shared_ptr<ConfigGeneration>> BuildGeneration(
    const GatewayConfig& config, const EnvLookup& env,
    const GenerationBase& base);

// Validates a configuration the way the server would load it (registry,
// pricing), without starting anything or touching the ledger. For
// `llm_gateway --check_config`.
absl::Status CheckGatewayConfig(const GatewayConfig& config,
                                const EnvLookup& env);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_CONFIG_GENERATION_H_
