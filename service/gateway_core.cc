#include "service/gateway_core.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "auth/fingerprint_secret.h"
#include "common/json_log.h"
#include "monitoring/ledger_metrics.h"
#include "monitoring/process_metrics.h"
#include "monitoring/state_metrics.h"
#include "prometheus/registry.h"
#include "providers/openai_compatible/openai_common_shape.h"
#include "service/data_dir.h"

namespace llmgw {

absl::StatusOr<std::unique_ptr<GatewayCore>> GatewayCore::Create(
    const GatewayConfig& config, const EnvLookup& env,
    std::unique_ptr<AuditLog> audit) {
  std::unique_ptr<GatewayCore> core(new GatewayCore());
  core->start_time_ = absl::Now();
  if (!config.data_dir.empty()) {
    absl::StatusOr<bool> made = EnsureDataDir(config.data_dir);
    if (!made.ok()) return made.status();
    if (*made) {
      LogInfo("data_dir_created",
              {{"path", config.data_dir}, {"mode", "0700"}});
    }
  }
  if (audit != nullptr) {
    core->audit_ = std::move(audit);
  } else if (!config.data_dir.empty()) {
    absl::StatusOr<std::unique_ptr<AuditLog>> file = OpenAuditFile(
        config.data_dir + "/audit.jsonl",
        // "full": power-loss durable per commit, as the ledger.
        config.budget.sqlite_synchronous_full ? absl::ZeroDuration()
                                              : absl::Seconds(1));
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
  // Metrics (docs/operations.md): per-call series, ledger timings, and
  // state gauges and process figures computed at scrape time.
  core->metrics_registry_ = std::make_shared<prometheus::Registry>();
  core->metrics_ = NewPrometheusMetrics(core->metrics_registry_, nullptr);
  GenerationBase base;
  base.http_client = core->http_client_.get();
  base.loop = core->loop_.get();
  base.audit = core->audit_.get();
  base.metrics = core->metrics_.get();
  base.metrics_registry = core->metrics_registry_.get();
  // Before the registry: it fingerprints the provider keys.
  absl::Status secret = InstallFingerprintSecret(config.auth, config.data_dir);
  if (!secret.ok()) return secret;
  absl::StatusOr<std::shared_ptr<ConfigGeneration>> gen =
      BuildGeneration(config, env, base);
  if (!gen.ok()) return gen.status();
  DeclareProviders(*(*gen)->registry, *core->metrics_);
  // Reads the current generation at every scrape (reload-safe).
  // The exposer is stopped before the core (and its HTTP client) goes.
  const GatewayCore* state = core.get();
  const http::HttpClient* http_client = core->http_client_.get();
  core->state_metrics_ = NewStateCollector([state, http_client] {
    std::shared_ptr<const ConfigGeneration> g = state->current();
    StateSources sources{g->registry.get(), g->health.get(), g->ledger.get(),
                         LedgerBackendLabel(g->config),
                         ConfiguredScopes(g->config.budget)};
    sources.keepalive = std::move(g);
    sources.http_client = http_client;
    sources.json_documents = [] {
      const openai_compat::CommonShapeReadCounts reads =
          openai_compat::CommonShapeReads();
      return std::pair<int64_t, int64_t>{reads.common, reads.full};
    };
    return sources;
  });
  core->process_metrics_ = NewProcessCollector(kGatewayVersion);
  core->gatekeeper_ =
      NewGatekeeper(config.auth, config.budget.backend == LedgerBackend::kRedis,
                    config.budget.redis_address, core->loop_.get(),
                    core->metrics_registry_, core->audit_.get());
  absl::MutexLock lock(&core->mu_);
  core->current_ = *std::move(gen);
  return core;
}

absl::Status GatewayCore::Reload(const GatewayConfig& config,
                                 const EnvLookup& env) {
  absl::MutexLock serialize(&reload_mu_);
  std::shared_ptr<const ConfigGeneration> previous = current();
  GenerationBase base;
  base.previous = previous.get();
  base.http_client = http_client_.get();
  base.loop = loop_.get();
  base.audit = audit_.get();
  base.metrics = metrics_.get();
  base.metrics_registry = metrics_registry_.get();
  absl::StatusOr<std::shared_ptr<ConfigGeneration>> gen =
      BuildGeneration(config, env, base);
  if (!gen.ok()) return gen.status();
  DeclareProviders(*(*gen)->registry, *metrics_);
  // Client keys and tenants (docs/security.md "Reload").
  gatekeeper_->Reload(config.auth);
  {
    absl::MutexLock lock(&mu_);
    retired_.push_back(std::move(current_));
    current_ = *std::move(gen);
  }
  // Without this reference, a generation no call holds goes at once.
  previous.reset();
  ReleaseIdleGenerations();
  return absl::OkStatus();
}

size_t GatewayCore::ReleaseIdleGenerations() {
  std::vector<std::shared_ptr<const ConfigGeneration>> idle;
  size_t held = 0;
  {
    absl::MutexLock lock(&mu_);
    // use_count() == 1: no call holds it, and none can take it any more
    // (calls only take the current generation).
    auto first_idle =
        std::partition(retired_.begin(), retired_.end(),
                       [](const std::shared_ptr<const ConfigGeneration>& g) {
                         return g.use_count() > 1;
                       });
    std::move(first_idle, retired_.end(), std::back_inserter(idle));
    retired_.erase(first_idle, retired_.end());
    held = retired_.size();
  }
  // Destroyed here, outside the lock (a ledger may close its file).
  idle.clear();
  return held;
}

std::shared_ptr<const ConfigGeneration> GatewayCore::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

std::shared_ptr<const DispatchDeps> GatewayCore::dispatch_deps() const {
  std::shared_ptr<const ConfigGeneration> gen = current();
  const DispatchDeps* deps = &gen->deps;
  // Shares ownership of the generation: nothing is copied per call.
  return std::shared_ptr<const DispatchDeps>(std::move(gen), deps);
}

std::vector<std::shared_ptr<prometheus::Collectable>>
GatewayCore::metrics_collectables() const {
  return {metrics_registry_, state_metrics_, process_metrics_};
}

GatewayCore::~GatewayCore() {
  // The rate limiter posts completions to the loop: stop it first.
  gatekeeper_.reset();
  // In-flight upstream requests complete (cancelled) before the loop stops.
  http_client_.reset();
  {
    absl::MutexLock lock(&mu_);
    current_.reset();
    retired_.clear();  // calls have all ended by now
  }
  loop_.reset();
  audit_.reset();
}

}  // namespace llmgw
