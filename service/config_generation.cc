#include "service/config_generation.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "budget/ledger_factory.h"
#include "budget/pricing_check.h"
#include "common/json_log.h"
#include "dispatch/call_observers.h"
#include "http/event_loop.h"
#include "monitoring/ledger_metrics.h"

namespace llmgw {
namespace {

std::unique_ptr<HealthBoard> BuildHealth(const ProviderRegistry& registry,
                                         const GatewayConfig& config,
                                         const GenerationBase& base) {
  auto board = std::make_unique<HealthBoard>();
  for (const auto& entry : registry.entries()) {
    std::shared_ptr<ProviderHealth> kept;
    if (base.previous != nullptr) {
      const ProviderEntry* old =
          base.previous->registry->Find(entry->spec.name);
      if (old != nullptr && old->key_fingerprints == entry->key_fingerprints &&
          old->configured == entry->configured) {
        kept = base.previous->health->Share(entry->spec.name);
        // A reload is how an operator says "this key works again": keys
        // removed as invalid or cooling down go back into rotation (audited
        // as key_restored); the circuit state is kept.
        if (kept != nullptr && base.loop != nullptr) {
          kept->RestoreKeys(base.loop->Now());
        }
      }
    }
    if (kept == nullptr) {
      kept = std::make_shared<ProviderHealth>(entry->spec.name,
                                              entry->key_fingerprints,
                                              config.resilience, base.audit);
    }
    board->Add(std::move(kept));
  }
  return board;
}

}  // namespace

absl::StatusOr<std::shared_ptr<ConfigGeneration>> BuildGeneration(
    const GatewayConfig& config, const EnvLookup& env,
    const GenerationBase& base) {
  auto gen = std::make_shared<ConfigGeneration>();
  gen->number = base.previous == nullptr ? 1 : base.previous->number + 1;
  gen->config = config;
  absl::StatusOr<std::unique_ptr<ProviderRegistry>> registry =
      ProviderRegistry::Create(config, env, base.http_client);
  if (!registry.ok()) return registry.status();
  gen->registry = *std::move(registry);
  absl::Status priced = CheckPricing(*gen->registry, config.budget);
  if (!priced.ok()) return priced;
  gen->health = BuildHealth(*gen->registry, config, base);
  const bool same_data_dir = base.previous != nullptr &&
                             base.previous->config.data_dir == config.data_dir;
  if (same_data_dir &&
      SameBudgetSettings(base.previous->config.budget, config.budget)) {
    gen->ledger = base.previous->ledger;
  } else if (same_data_dir &&
             SameLedgerStore(base.previous->config.budget, config.budget) &&
             base.previous->ledger->UpdateBudget(config.budget).ok()) {
    // Only limits or prices changed: the ledger, with the window's spend and
    // the reservations of calls in flight, enforces the new limits from now
    // on (the last step that can fail is behind: this generation is
    // installed). Redis ledgers are replaced instead (UNIMPLEMENTED).
    gen->ledger = base.previous->ledger;
  } else {
    // The previous ledger keeps its file open (calls in flight commit to
    // it), so a second ledger on the same file cannot open it.
    const std::string path = SqliteLedgerPath(config);
    if (base.previous != nullptr && !path.empty() &&
        path == SqliteLedgerPath(base.previous->config)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the budget's store settings changed (backend, window or "
          "sqlite_synchronous), but the SQLite ledger ",
          path,
          " stays open in this process for the calls of the running "
          "configuration: those take effect on restart (or reload with a "
          "new data_dir or budget.sqlite_path); limits and prices reload "
          "without one"));
    }
    absl::StatusOr<std::unique_ptr<SpendLedger>> ledger =
        CreateSpendLedger(config, base.audit, base.loop);
    if (!ledger.ok()) return ledger.status();
    gen->ledger =
        base.metrics_registry == nullptr
            ? *std::move(ledger)
            : InstrumentLedger(*std::move(ledger), LedgerBackendLabel(config),
                               *base.metrics_registry);
  }
  gen->deps.registry = gen->registry.get();
  gen->deps.ledger = gen->ledger.get();
  gen->observer = NewGatewayCallObserver(base.metrics, base.audit);
  gen->deps.observer = gen->observer.get();
  gen->deps.loop = base.loop;
  gen->deps.budget = config.budget;
  gen->deps.health = gen->health.get();
  gen->deps.resilience = config.resilience;
  return gen;
}

absl::Status CheckGatewayConfig(const GatewayConfig& config,
                                const EnvLookup& env) {
  absl::StatusOr<std::unique_ptr<http::EventLoop>> loop =
      http::EventLoop::Create("llmgw-check");
  if (!loop.ok()) return loop.status();
  std::unique_ptr<http::HttpClient> client =
      http::HttpClient::Create(loop->get());
  absl::StatusOr<std::unique_ptr<ProviderRegistry>> registry =
      ProviderRegistry::Create(config, env, client.get());
  if (!registry.ok()) return registry.status();
  absl::Status priced = CheckPricing(**registry, config.budget);
  registry->reset();
  client.reset();
  return priced;
}

}  // namespace llmgw
