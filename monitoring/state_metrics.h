#ifndef LLMGW_MONITORING_STATE_METRICS_H_
#define LLMGW_MONITORING_STATE_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "budget/spend_ledger.h"
#include "http/http_client.h"
#include "monitoring/gateway_metrics.h"
#include "registry/provider_registry.h"
#include "resilience/provider_health.h"

namespace prometheus {
class Collectable;
class Registry;
}  // namespace prometheus

namespace llmgw {

// Where the state gauges are read from at one scrape.
struct StateSources {
  const ProviderRegistry* registry = nullptr;
  const HealthBoard* health = nullptr;  // may be null
  SpendLedger* ledger = nullptr;        // may be null
  // The `backend` label of llmgw_ledger_up.
  std::string ledger_backend;
  // Budget scopes reported: "global" and every scope with a configured
  // budget (ConfiguredScopes).
  std::vector<std::string> scopes;
  // Keeps the objects above alive while the scrape reads them (e.g. the
  // configuration generation they belong to, when a reload can swap it).
  std::shared_ptr<const void> keepalive;
  // The upstream HTTP client (llmgw_upstream_exchanges_in_flight,
  // llmgw_upstream_curl_multi_handles,
  // llmgw_upstream_connections_opened_total); may be null.
  const http::HttpClient* http_client = nullptr;
  // Upstream JSON documents (OpenAI-dialect replies and stream chunks) read
  // so far by the common-shape reader and by the full path, as {common,
  // full} (llmgw_upstream_json_documents_total{reader}); may be empty.
  std::function<std::pair<int64_t, int64_t>()> json_documents;
};

// Called at every scrape (on the exposer's thread) for the current sources.
using StateSourcesFn = std::function<StateSources()>;

// Declares every configured provider of `registry` to `metrics` with its
// catalog and default models, so their series exist at zero. Idempotent:
// call it at start and after each reload.
void DeclareProviders(const ProviderRegistry& registry,
                      GatewayMetrics& metrics);

// The budget scopes worth a gauge: "global" plus budget.scope_budgets.
std::vector<std::string> ConfiguredScopes(const BudgetConfig& budget);

// Gauges computed at scrape time from the health board and the ledger, so
// no call pays for them:
//   llmgw_provider_available{provider}                  1 can be admitted
//   llmgw_circuit_state{provider, state}                1 for the state
//                                                       (closed, open,
//                                                       half_open)
//   llmgw_circuit_consecutive_failures{provider}
//   llmgw_provider_keys{provider, state}                keys per state (ok,
//                                                       cooling_down,
//                                                       removed)
//   llmgw_key_state{provider, key, state}               1 for the state;
//                                                       key = fingerprint
//   llmgw_key_cooldown_remaining_seconds{provider, key}
//   llmgw_budget_limit_nano_usd{scope}                  0 = unlimited
//   llmgw_budget_spent_nano_usd{scope}                  in the window
//   llmgw_budget_reserved_nano_usd{scope}               held by open calls
//   llmgw_budget_remaining_nano_usd{scope}              limited scopes only
//   llmgw_budget_open_reservations{scope}
//   llmgw_budget_window_remaining_seconds{scope}
//   llmgw_budget_hard_cap_nano_usd, llmgw_budget_lifetime_spent_nano_usd
//   llmgw_ledger_up{backend}                            0 when a snapshot
//                                                       failed
// Series exist for every configured provider (and its keys) and scope.
std::shared_ptr<prometheus::Collectable> NewStateCollector(
    StateSourcesFn sources);

}  // namespace llmgw

#endif  // LLMGW_MONITORING_STATE_METRICS_H_
