#include "monitoring/gateway_metrics.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "monitoring/metric_series.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace llmgw {
namespace {

using metrics_internal::Families;
using metrics_internal::kCodes;
using metrics_internal::kMaxResponseModels;
using metrics_internal::kMethods;
using metrics_internal::kOther;
using metrics_internal::MethodSeries;
using metrics_internal::ModelSeries;
using metrics_internal::ProviderSeries;
using metrics_internal::TokenSeries;

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

class PrometheusMetrics : public GatewayMetrics {
 public:
  PrometheusMetrics(
      std::shared_ptr<prometheus::Registry> registry,
      std::function<bool(absl::string_view, absl::string_view)> known_model)
      : registry_(std::move(registry)),
        known_model_(std::move(known_model)),
        families_(*registry_) {
    for (size_t i = 0; i < kMethods.size(); ++i) {
      fixed_methods_[i] =
          std::make_unique<MethodSeries>(families_, std::string(kMethods[i]));
    }
  }

  void DeclareProvider(absl::string_view provider,
                       const std::vector<std::string>& models) override {
    absl::MutexLock lock(&mu_);
    ProviderSeries& p = ProviderLocked(provider);
    declared_.insert(std::string(provider));
    for (const std::string& m : models) {
      if (m.empty() || m == kOther || p.models.contains(m)) continue;
      p.models.emplace(m, std::make_unique<ModelSeries>(families_, p.name, m));
    }
  }

  void RequestStarted(absl::string_view method) override {
    Method(method).in_flight->Increment();
  }

  void RequestFinished(absl::string_view method, absl::string_view code,
                       absl::Duration latency) override {
    MethodSeries& m = Method(method);
    m.in_flight->Decrement();
    size_t i = 0;
    while (i < kCodes.size() && kCodes[i] != code) ++i;
    m.codes[i < kCodes.size() ? i : 2]->Increment();  // 2: UNKNOWN
    m.duration->Observe(Seconds(latency));
  }

  void UpstreamAttempt(absl::string_view provider, absl::string_view model,
                       absl::string_view outcome,
                       absl::Duration latency) override {
    ModelSeries& s = Model(provider, model);
    if (outcome == "success") {
      s.success->Increment();
    } else if (outcome == "skipped") {
      s.skipped[1]->Increment();
      return;
    } else {
      const int i = metrics_internal::ErrorTypeIndex(outcome);
      s.errors[i >= 0 ? i : 0]->Increment();
    }
    s.duration->Observe(Seconds(latency));
  }

  void UpstreamSkipped(absl::string_view provider, absl::string_view model,
                       absl::string_view reason) override {
    Model(provider, model)
        .skipped[metrics_internal::SkipReasonIndex(reason)]
        ->Increment();
  }

  void Retry(absl::string_view from, absl::string_view reason) override {
    Provider(from.substr(0, from.find('/')))
        .retries[metrics_internal::ReasonIndexOf(reason)]
        ->Increment();
  }

  void Fallback(absl::string_view from, absl::string_view reason) override {
    Provider(from.substr(0, from.find('/')))
        .fallbacks[metrics_internal::ReasonIndexOf(reason)]
        ->Increment();
  }

  void CallSettled(const CallObservation& call) override {
    MethodSeries& m = Method(call.embed    ? kMethods[4]
                             : call.stream ? kMethods[1]
                                           : kMethods[0]);
    const absl::Duration own = call.latency - call.upstream - call.backoff;
    m.overhead->Observe(std::max(0.0, Seconds(own)));
    const CallObservation::Phases& p = call.phases;
    const std::optional<absl::Duration> upstream =
        p.dispatch.has_value() ? std::optional<absl::Duration>(call.upstream)
                               : std::nullopt;
    size_t i = 0;
    for (const std::optional<absl::Duration>* phase :
         {&p.queued, &p.dispatch, &upstream, &p.settle, &p.commit, &p.reply}) {
      if (phase->has_value() && m.phases[i] != nullptr) {
        m.phases[i]->Observe(std::max(0.0, Seconds(**phase)));
      }
      ++i;
    }
    if (call.provider.empty()) return;
    if (call.embed && call.ok && call.embed_inputs > 0) {
      Provider(call.provider)
          .embed_inputs->Increment(static_cast<double>(call.embed_inputs));
    }
    ModelSeries& s = Model(call.provider, call.request_model);
    const bool first_token = call.time_to_first_token > absl::ZeroDuration();
    if (call.stream && first_token)
      s.ttft->Observe(Seconds(call.time_to_first_token));
    if (call.ok && call.output_tokens > 0) {
      if (!call.stream) {
        s.per_token->Observe(Seconds(call.answer_latency) /
                             static_cast<double>(call.output_tokens));
      } else if (first_token && call.output_tokens > 1) {
        s.per_token->Observe(Seconds(call.latency - call.time_to_first_token) /
                             static_cast<double>(call.output_tokens - 1));
      }
    }
    if (call.cost_nano_usd > 0) {
      s.cost->Increment(static_cast<double>(call.cost_nano_usd));
    }
    if (call.input_tokens > 0 || call.output_tokens > 0) {
      TokenSeries& t = Tokens(s, call.response_model);
      t.input->Increment(static_cast<double>(call.input_tokens));
      t.output->Increment(static_cast<double>(call.output_tokens));
    }
  }

 private:
  MethodSeries& Method(absl::string_view method) {
    for (auto& m : fixed_methods_) {
      if (m->name == method) return *m;
    }
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = other_methods_.find(method);
      if (it != other_methods_.end()) return *it->second;
    }
    absl::MutexLock lock(&mu_);
    auto it = other_methods_.find(method);
    if (it == other_methods_.end()) {
      it =
          other_methods_
              .emplace(std::string(method), std::make_unique<MethodSeries>(
                                                families_, std::string(method)))
              .first;
    }
    return *it->second;
  }

  ProviderSeries& ProviderLocked(absl::string_view provider)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = providers_.find(provider);
    if (it == providers_.end()) {
      it = providers_
               .emplace(std::string(provider),
                        std::make_unique<ProviderSeries>(families_,
                                                         std::string(provider)))
               .first;
    }
    return *it->second;
  }

  ProviderSeries& Provider(absl::string_view provider) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = providers_.find(provider);
      if (it != providers_.end()) return *it->second;
    }
    absl::MutexLock lock(&mu_);
    return ProviderLocked(provider);
  }

  // The series of provider/model; "other" for a model that is neither
  // declared nor (for undeclared providers) known.
  ModelSeries& Model(absl::string_view provider, absl::string_view model) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = providers_.find(provider);
      if (it != providers_.end()) {
        auto m = it->second->models.find(model);
        if (m != it->second->models.end()) return *m->second;
        if (declared_.contains(provider)) return *it->second->other;
      }
    }
    const bool known = known_model_ && known_model_(provider, model);
    absl::MutexLock lock(&mu_);
    ProviderSeries& p = ProviderLocked(provider);
    if (!known || declared_.contains(provider)) {
      auto m = p.models.find(model);
      return m != p.models.end() ? *m->second : *p.other;
    }
    auto m = p.models.find(model);
    if (m == p.models.end()) {
      m = p.models
              .emplace(std::string(model),
                       std::make_unique<ModelSeries>(families_, p.name,
                                                     std::string(model)))
              .first;
    }
    return *m->second;
  }

  // The token series of a response model: the first kMaxResponseModels
  // distinct values, then "other".
  TokenSeries& Tokens(ModelSeries& s, absl::string_view response_model) {
    if (response_model.empty()) response_model = s.model;
    {
      absl::ReaderMutexLock lock(&mu_);
      if (TokenSeries* t = s.FindTokens(response_model)) return *t;
    }
    absl::MutexLock lock(&mu_);
    if (TokenSeries* t = s.FindTokens(response_model)) return *t;
    if (s.tokens.size() >= kMaxResponseModels) {
      if (TokenSeries* t = s.FindTokens(kOther)) return *t;
      return *s.AddTokens(families_, kOther);
    }
    return *s.AddTokens(families_, std::string(response_model));
  }

  const std::shared_ptr<prometheus::Registry> registry_;
  const std::function<bool(absl::string_view, absl::string_view)> known_model_;
  Families families_;
  std::array<std::unique_ptr<MethodSeries>, kMethods.size()> fixed_methods_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> other_methods_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::unique_ptr<ProviderSeries>> providers_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> declared_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<GatewayMetrics> NewPrometheusMetrics(
    std::shared_ptr<prometheus::Registry> registry,
    std::function<bool(absl::string_view, absl::string_view)> known_model) {
  return std::make_unique<PrometheusMetrics>(std::move(registry),
                                             std::move(known_model));
}

absl::StatusOr<std::unique_ptr<prometheus::Exposer>> StartMetricsExposer(
    const std::string& address,
    const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables,
    int* bound_port) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  for (const auto& c : collectables) {
    if (c != nullptr) exposer->RegisterCollectable(c);
  }
  std::vector<int> ports = exposer->GetListeningPorts();
  if (bound_port != nullptr) *bound_port = ports.empty() ? 0 : ports.front();
  return exposer;
}

}  // namespace llmgw
