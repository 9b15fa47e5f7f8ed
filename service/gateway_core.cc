#include "service/gateway_core.h"

#include <utility>

#include "budget/ledger_factory.h"
#include "budget/pricing_check.h"
#include "monitoring/ledger_metrics.h"
#include "monitoring/process_metrics.h"
#include "monitoring/state_metrics.h"
#include "prometheus/registry.h"

namespace llmgw {

absl::StatusOr<std::unique_ptr<GatewayCore>> GatewayCore::Create(
    const GatewayConfig& config, const EnvLookup& env,
    std::unique_ptr<AuditLog> audit) {
  std::unique_ptr<GatewayCore> core(new GatewayCore());
  core->config_ = config;
  core->start_time_ = absl::Now();
  if (audit != nullptr) {
    core->audit_ = std::move(audit);
  } else if (!config.data_dir.empty()) {
    absl::StatusOr<std::unique_ptr<AuditLog>> file =
        OpenAuditFile(config.data_dir + "/audit.jsonl");
    if (!file.ok()) return file.status();
    core->audit_ = *std::move(file);
  } else {
    core->audit_ = NewStderrAuditLog();
  }
  absl::StatusOr<std::unique_ptr<http::EventLoop>> loop =
      http::EventLoop::Create("llmgw-upstream");
  if (!loop.ok()) return loop.status();
  core->loop_ = *std::move(loop);
  core->http_client_ = http::HttpClient::Create(core->loop_.get());
  absl::StatusOr<std::unique_ptr<ProviderRegistry>> registry =
      ProviderRegistry::Create(config, env, core->http_client_.get());
  if (!registry.ok()) return registry.status();
  core->registry_ = *std::move(registry);
  core->health_ = std::make_unique<HealthBoard>();
  for (const auto& entry : core->registry_->entries()) {
    core->health_->Add(std::make_unique<ProviderHealth>(
        entry->spec.name, entry->key_fingerprints, config.resilience,
        core->audit_.get()));
  }
  absl::Status priced = CheckPricing(*core->registry_, config.budget);
  if (!priced.ok()) return priced;
  absl::StatusOr<std::unique_ptr<SpendLedger>> ledger =
      CreateSpendLedger(config, core->audit_.get());
  if (!ledger.ok()) return ledger.status();
  // Metrics (docs/operations.md): per-call series, ledger timings, and
  // state gauges and process figures computed at scrape time.
  core->metrics_registry_ = std::make_shared<prometheus::Registry>();
  const std::string backend = LedgerBackendLabel(config);
  core->ledger_ =
      InstrumentLedger(*std::move(ledger), backend, *core->metrics_registry_);
  core->metrics_ = NewPrometheusMetrics(core->metrics_registry_, nullptr);
  DeclareProviders(*core->registry_, *core->metrics_);
  const GatewayCore* state = core.get();
  core->state_metrics_ = NewStateCollector([state] {
    return StateSources{state->registry_.get(), state->health_.get(),
                        state->ledger_.get(),
                        LedgerBackendLabel(state->config_),
                        ConfiguredScopes(state->config_.budget)};
  });
  core->process_metrics_ = NewProcessCollector(kGatewayVersion);
  core->deps_.registry = core->registry_.get();
  core->deps_.ledger = core->ledger_.get();
  core->deps_.metrics = core->metrics_.get();
  core->deps_.audit = core->audit_.get();
  core->deps_.loop = core->loop_.get();
  core->deps_.budget = config.budget;
  core->deps_.health = core->health_.get();
  core->deps_.resilience = config.resilience;
  return core;
}

std::vector<std::shared_ptr<prometheus::Collectable>>
GatewayCore::metrics_collectables() const {
  return {metrics_registry_, state_metrics_, process_metrics_};
}

GatewayCore::~GatewayCore() {
  // In-flight upstream requests complete (cancelled) before the loop stops.
  http_client_.reset();
  registry_.reset();
  loop_.reset();
  health_.reset();
  audit_.reset();
}

}  // namespace llmgw
