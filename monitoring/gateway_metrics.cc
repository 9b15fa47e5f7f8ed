#include "monitoring/gateway_metrics.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace llmgw {
namespace {

// Latency buckets from 1 ms to ~2 min: LLM calls span four orders of
// magnitude.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
      1,     2.5,    5,     10,   20,    30,   60,  120};
  return *buckets;
}

class PrometheusMetrics : public GatewayMetrics {
 public:
  PrometheusMetrics(
      std::shared_ptr<prometheus::Registry> registry,
      std::function<bool(absl::string_view, absl::string_view)> known_model)
      : registry_(std::move(registry)),
        known_model_(std::move(known_model)),
        requests_(prometheus::BuildCounter()
                      .Name("llmgw_requests_total")
                      .Help("gRPC calls handled, by method and status code.")
                      .Register(*registry_)),
        request_duration_(
            prometheus::BuildHistogram()
                .Name("llmgw_request_duration_seconds")
                .Help("Time from a call's arrival to its final status.")
                .Register(*registry_)),
        in_flight_(prometheus::BuildGauge()
                       .Name("llmgw_requests_in_flight")
                       .Help("gRPC calls currently being served.")
                       .Register(*registry_)),
        upstream_(prometheus::BuildCounter()
                      .Name("llmgw_upstream_requests_total")
                      .Help("Attempts made to providers, by outcome.")
                      .Register(*registry_)),
        upstream_duration_(prometheus::BuildHistogram()
                               .Name("llmgw_upstream_request_duration_seconds")
                               .Help("Duration of one upstream attempt.")
                               .Register(*registry_)),
        cost_(prometheus::BuildCounter()
                  .Name("llmgw_cost_nano_usd_total")
                  .Help("Committed spend in nano-USD (1e-9 USD).")
                  .Register(*registry_)),
        tokens_(prometheus::BuildCounter()
                    .Name("llmgw_tokens_total")
                    .Help("Tokens charged, by direction (input/output).")
                    .Register(*registry_)) {}

  void RequestStarted(absl::string_view method) override {
    in_flight_.Add({{"method", std::string(method)}}).Increment();
  }

  void RequestFinished(absl::string_view method, absl::string_view code,
                       absl::Duration latency) override {
    const std::string m(method);
    in_flight_.Add({{"method", m}}).Decrement();
    requests_.Add({{"method", m}, {"code", std::string(code)}}).Increment();
    request_duration_.Add({{"method", m}}, LatencyBuckets())
        .Observe(absl::ToDoubleSeconds(latency));
  }

  void UpstreamAttempt(absl::string_view provider, absl::string_view model,
                       absl::string_view outcome,
                       absl::Duration latency) override {
    upstream_
        .Add({{"provider", std::string(provider)},
              {"model", ModelLabel(provider, model)},
              {"outcome", std::string(outcome)}})
        .Increment();
    upstream_duration_
        .Add({{"provider", std::string(provider)}}, LatencyBuckets())
        .Observe(absl::ToDoubleSeconds(latency));
  }

  void Charged(absl::string_view provider, absl::string_view model,
               int64_t cost_nano_usd, int64_t input_tokens,
               int64_t output_tokens) override {
    const std::string p(provider);
    const std::string m = ModelLabel(provider, model);
    cost_.Add({{"provider", p}, {"model", m}})
        .Increment(static_cast<double>(cost_nano_usd));
    tokens_.Add({{"provider", p}, {"model", m}, {"direction", "input"}})
        .Increment(static_cast<double>(input_tokens));
    tokens_.Add({{"provider", p}, {"model", m}, {"direction", "output"}})
        .Increment(static_cast<double>(output_tokens));
  }

 private:
  // Caller-chosen model names would make label cardinality unbounded.
  std::string ModelLabel(absl::string_view provider, absl::string_view model) {
    return known_model_(provider, model) ? std::string(model) : "other";
  }

  std::shared_ptr<prometheus::Registry> registry_;
  std::function<bool(absl::string_view, absl::string_view)> known_model_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Counter>& upstream_;
  prometheus::Family<prometheus::Histogram>& upstream_duration_;
  prometheus::Family<prometheus::Counter>& cost_;
  prometheus::Family<prometheus::Counter>& tokens_;
};

}  // namespace

std::unique_ptr<GatewayMetrics> NewPrometheusMetrics(
    std::shared_ptr<prometheus::Registry> registry,
    std::function<bool(absl::string_view, absl::string_view)> known_model) {
  return std::make_unique<PrometheusMetrics>(std::move(registry),
                                             std::move(known_model));
}

absl::StatusOr<std::unique_ptr<prometheus::Exposer>> StartMetricsExposer(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry,
    int* bound_port) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  exposer->RegisterCollectable(registry);
  std::vector<int> ports = exposer->GetListeningPorts();
  if (bound_port != nullptr) *bound_port = ports.empty() ? 0 : ports.front();
  return exposer;
}

}  // namespace llmgw
