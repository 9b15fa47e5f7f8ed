#include "monitoring/state_metrics.h"

#include <array>
#include <utility>

#include "absl/time/clock.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace llmgw {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

// One metric family (gauge, or counter when asked) being filled at a scrape.
class ScrapedFamily {
 public:
  ScrapedFamily(const char* name, const char* help,
                prometheus::MetricType type = prometheus::MetricType::Gauge) {
    family_.name = name;
    family_.help = help;
    family_.type = type;
  }
  void Add(std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (family_.type == prometheus::MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    family_.metric.push_back(std::move(m));
  }
  void MoveTo(std::vector<MetricFamily>& out) {
    if (!family_.metric.empty()) out.push_back(std::move(family_));
  }

 private:
  MetricFamily family_;
};

constexpr std::array<const char*, 3> kCircuitStates = {"closed", "open",
                                                       "half_open"};
constexpr std::array<const char*, 3> kKeyStates = {"ok", "cooling_down",
                                                   "removed"};

int KeyStateIndex(KeyHealth h) {
  switch (h) {
    case KeyHealth::kHealthy:
      return 0;
    case KeyHealth::kCoolingDown:
      return 1;
    case KeyHealth::kFailedPermanently:
      return 2;
  }
  return 0;
}

class StateCollector : public prometheus::Collectable {
 public:
  explicit StateCollector(StateSourcesFn sources)
      : sources_(std::move(sources)) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    const StateSources s = sources_();
    if (s.registry != nullptr) CollectProviders(s, out);
    if (s.ledger != nullptr) CollectBudgets(s, out);
    if (s.http_client != nullptr) CollectHttpClient(*s.http_client, out);
    if (s.json_documents) CollectJsonDocuments(s.json_documents(), out);
    return out;
  }

 private:
  static void CollectProviders(const StateSources& s_,
                               std::vector<MetricFamily>& out) {
    ScrapedFamily available("llmgw_provider_available",
                            "1 when the provider can be admitted now (circuit "
                            "not open and a key healthy).");
    ScrapedFamily circuit("llmgw_circuit_state",
                          "Circuit breaker state per provider: 1 for the "
                          "current state (closed, open, half_open).");
    ScrapedFamily failures("llmgw_circuit_consecutive_failures",
                           "Consecutive transient failures counted by the "
                           "circuit breaker.");
    ScrapedFamily keys("llmgw_provider_keys",
                       "API keys per provider and state (ok, cooling_down, "
                       "removed).");
    ScrapedFamily key_state("llmgw_key_state",
                            "State of one API key (by fingerprint): 1 for the "
                            "current state (ok, cooling_down, removed).");
    ScrapedFamily cooldown("llmgw_key_cooldown_remaining_seconds",
                           "Time left in a key's cooldown.");
    const absl::Time now = absl::Now();
    for (const auto& entry : s_.registry->entries()) {
      if (!entry->configured) continue;
      const std::string& p = entry->spec.name;
      const ProviderHealth* health =
          s_.health != nullptr ? s_.health->Find(p) : nullptr;
      ProviderHealthSnapshot snap;
      if (health != nullptr) {
        snap = health->Snapshot(now);
      } else {
        snap.key_fingerprints = entry->key_fingerprints;
        snap.keys.resize(entry->key_fingerprints.size());
      }
      available.Add({{"provider", p}}, snap.available ? 1 : 0);
      for (size_t i = 0; i < kCircuitStates.size(); ++i) {
        circuit.Add({{"provider", p}, {"state", kCircuitStates[i]}},
                    static_cast<size_t>(snap.circuit) == i ? 1 : 0);
      }
      failures.Add({{"provider", p}}, snap.consecutive_failures);
      std::array<int, 3> per_state{};
      for (size_t k = 0; k < snap.keys.size(); ++k) {
        const int state = KeyStateIndex(snap.keys[k].health);
        ++per_state[state];
        const std::string& fp = snap.key_fingerprints[k];
        for (size_t i = 0; i < kKeyStates.size(); ++i) {
          key_state.Add(
              {{"key", fp}, {"provider", p}, {"state", kKeyStates[i]}},
              static_cast<size_t>(state) == i ? 1 : 0);
        }
        cooldown.Add({{"key", fp}, {"provider", p}},
                     absl::ToDoubleSeconds(snap.keys[k].cooldown_remaining));
      }
      for (size_t i = 0; i < kKeyStates.size(); ++i) {
        keys.Add({{"provider", p}, {"state", kKeyStates[i]}}, per_state[i]);
      }
    }
    available.MoveTo(out);
    circuit.MoveTo(out);
    failures.MoveTo(out);
    keys.MoveTo(out);
    key_state.MoveTo(out);
    cooldown.MoveTo(out);
  }

  static void CollectBudgets(const StateSources& s_,
                             std::vector<MetricFamily>& out) {
    ScrapedFamily limit("llmgw_budget_limit_nano_usd",
                        "Budget limit per window of a scope (0 = unlimited).");
    ScrapedFamily spent("llmgw_budget_spent_nano_usd",
                        "Spend committed in the current window of a scope.");
    ScrapedFamily reserved("llmgw_budget_reserved_nano_usd",
                           "Worst-case cost held by calls in flight.");
    ScrapedFamily remaining("llmgw_budget_remaining_nano_usd",
                            "What a limited scope can still reserve in the "
                            "window.");
    ScrapedFamily open("llmgw_budget_open_reservations",
                       "Reservations not yet committed or released.");
    ScrapedFamily window("llmgw_budget_window_remaining_seconds",
                         "Time until the scope's budget window resets.");
    ScrapedFamily cap("llmgw_budget_hard_cap_nano_usd",
                      "Hard safety cap across all windows (0 = none).");
    ScrapedFamily lifetime("llmgw_budget_lifetime_spent_nano_usd",
                           "Spend across all windows, against the hard cap.");
    ScrapedFamily up("llmgw_ledger_up",
                     "1 when the last scrape could read the spend ledger.");
    bool ledger_ok = true;
    const absl::Time now = absl::Now();
    for (const std::string& scope : s_.scopes) {
      absl::StatusOr<BudgetSnapshot> snap = s_.ledger->Snapshot(scope);
      if (!snap.ok()) {
        ledger_ok = false;
        continue;
      }
      const std::vector<ClientMetric::Label> l = {{"scope", scope}};
      limit.Add(l, static_cast<double>(snap->limit_nano_usd));
      spent.Add(l, static_cast<double>(snap->spent_nano_usd));
      reserved.Add(l, static_cast<double>(snap->reserved_nano_usd));
      if (snap->limit_nano_usd > 0) {
        remaining.Add(l, static_cast<double>(snap->remaining_nano_usd));
      }
      open.Add(l, static_cast<double>(snap->open_reservations));
      window.Add(
          l, std::max(0.0, absl::ToDoubleSeconds(snap->window_start +
                                                 snap->window_length - now)));
      if (scope == kGlobalScope) {
        cap.Add({}, static_cast<double>(snap->hard_cap_nano_usd));
        lifetime.Add({}, static_cast<double>(snap->lifetime_spent_nano_usd));
      }
    }
    up.Add({{"backend", s_.ledger_backend}}, ledger_ok ? 1 : 0);
    limit.MoveTo(out);
    spent.MoveTo(out);
    reserved.MoveTo(out);
    remaining.MoveTo(out);
    open.MoveTo(out);
    window.MoveTo(out);
    cap.MoveTo(out);
    lifetime.MoveTo(out);
    up.MoveTo(out);
  }

  static void CollectHttpClient(const http::HttpClient& client,
                                std::vector<MetricFamily>& out) {
    const http::HttpClientStats stats = client.Stats();
    ScrapedFamily in_flight("llmgw_upstream_exchanges_in_flight",
                            "Upstream HTTP exchanges between send and reply.");
    ScrapedFamily multis("llmgw_upstream_curl_multi_handles",
                         "curl multi handles opened: one per 256 exchanges "
                         "in flight at the peak (docs/benchmarks.md).");
    ScrapedFamily opened("llmgw_upstream_connections_opened_total",
                         "New upstream connections (TCP, and TLS for https). "
                         "Near the request rate: connections are not reused.",
                         prometheus::MetricType::Counter);
    in_flight.Add({}, static_cast<double>(stats.exchanges_in_flight));
    multis.Add({}, static_cast<double>(stats.multi_handles));
    opened.Add({}, static_cast<double>(stats.connections_opened));
    in_flight.MoveTo(out);
    multis.MoveTo(out);
    opened.MoveTo(out);
  }

  static void CollectJsonDocuments(std::pair<int64_t, int64_t> counts,
                                   std::vector<MetricFamily>& out) {
    ScrapedFamily documents(
        "llmgw_upstream_json_documents_total",
        "Upstream JSON replies and stream chunks (OpenAI dialect) by reader: "
        "\"common\" for the plain shapes read without a DOM, \"full\" for "
        "the rest, which cost more CPU (docs/operations.md).",
        prometheus::MetricType::Counter);
    documents.Add({{"reader", "common"}}, static_cast<double>(counts.first));
    documents.Add({{"reader", "full"}}, static_cast<double>(counts.second));
    documents.MoveTo(out);
  }

  const StateSourcesFn sources_;
};

}  // namespace

void DeclareProviders(const ProviderRegistry& registry,
                      GatewayMetrics& metrics) {
  for (const auto& entry : registry.entries()) {
    if (!entry->configured) continue;
    std::vector<std::string> models = {entry->spec.default_model};
    for (const ModelSpec& m : entry->spec.models) models.push_back(m.name);
    metrics.DeclareProvider(entry->spec.name, models);
  }
}

std::vector<std::string> ConfiguredScopes(const BudgetConfig& budget) {
  std::vector<std::string> scopes = {kGlobalScope};
  for (const auto& [scope, limit] : budget.scope_budgets) {
    if (scope != kGlobalScope) scopes.push_back(scope);
  }
  return scopes;
}

std::shared_ptr<prometheus::Collectable> NewStateCollector(
    StateSourcesFn sources) {
  return std::make_shared<StateCollector>(std::move(sources));
}

}  // namespace llmgw
