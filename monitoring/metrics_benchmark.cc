// CPU cost of recording one call's metrics, before and after the child
// metrics were cached:
//   BM_LabelMapsPerCall  the previous code path: every record builds label
//                        maps and looks the child up in its family
//                        (prometheus-cpp Family::Add: hash + mutex) -
//                        reproduced here as it was, for comparison;
//   BM_CachedPerCall     GatewayMetrics as the gateway uses it now, for a
//                        unary call (request start/finish, one upstream
//                        attempt, settlement) and a stream;
//   BM_Ledger*           the ledger timing wrapper around the in-memory
//                        ledger (reserve + commit), with and without.
// Run: bazel run //monitoring:metrics_benchmark (the repository's -O2 build;
// the figures in docs/operations.md were measured that way)
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>

#include "budget/in_memory_ledger.h"
#include "monitoring/gateway_metrics.h"
#include "monitoring/ledger_metrics.h"
#include "monitoring/metric_series.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace llmgw {
namespace {

// The per-call recording of the gateway before this change (monitoring/
// gateway_metrics.cc at 74e4313): label maps and Family::Add per record.
class LabelMapMetrics {
 public:
  explicit LabelMapMetrics(prometheus::Registry& r)
      : requests_(prometheus::BuildCounter().Name("a_total").Register(r)),
        duration_(prometheus::BuildHistogram().Name("b").Register(r)),
        in_flight_(prometheus::BuildGauge().Name("c").Register(r)),
        upstream_(prometheus::BuildCounter().Name("d_total").Register(r)),
        upstream_duration_(prometheus::BuildHistogram().Name("e").Register(r)),
        cost_(prometheus::BuildCounter().Name("f_total").Register(r)),
        tokens_(prometheus::BuildCounter().Name("g_total").Register(r)) {}

  void Call(const std::string& model_label) {
    const std::string m("Generate");
    in_flight_.Add({{"method", m}}).Increment();
    upstream_
        .Add({{"provider", "openai"},
              {"model", model_label},
              {"outcome", "success"}})
        .Increment();
    upstream_duration_.Add({{"provider", "openai"}}, LatencyBuckets())
        .Observe(0.2);
    cost_.Add({{"provider", "openai"}, {"model", model_label}}).Increment(123);
    tokens_
        .Add({{"provider", "openai"},
              {"model", model_label},
              {"direction", "input"}})
        .Increment(10);
    tokens_
        .Add({{"provider", "openai"},
              {"model", model_label},
              {"direction", "output"}})
        .Increment(20);
    in_flight_.Add({{"method", m}}).Decrement();
    requests_.Add({{"method", m}, {"code", "OK"}}).Increment();
    duration_.Add({{"method", m}}, LatencyBuckets()).Observe(0.21);
  }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Counter>& upstream_;
  prometheus::Family<prometheus::Histogram>& upstream_duration_;
  prometheus::Family<prometheus::Counter>& cost_;
  prometheus::Family<prometheus::Counter>& tokens_;
};

void BM_LabelMapsPerCall(benchmark::State& state) {
  prometheus::Registry registry;
  LabelMapMetrics metrics(registry);
  // The old code also asked the registry whether the model was known (a
  // linear catalog scan) for each record; that part is left out here.
  for (auto _ : state) metrics.Call("gpt-4o-mini");
}
BENCHMARK(BM_LabelMapsPerCall);

std::unique_ptr<GatewayMetrics> Declared(
    std::shared_ptr<prometheus::Registry> registry) {
  auto metrics = NewPrometheusMetrics(std::move(registry), nullptr);
  metrics->DeclareProvider(
      "openai", {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3"});
  return metrics;
}

void BM_CachedPerCall(benchmark::State& state) {
  auto metrics = Declared(std::make_shared<prometheus::Registry>());
  CallObservation call;
  call.ok = true;
  call.provider = "openai";
  call.request_model = "gpt-4o-mini";
  call.response_model = "gpt-4o-mini";
  call.latency = absl::Milliseconds(210);
  call.upstream = absl::Milliseconds(200);
  call.answer_latency = absl::Milliseconds(200);
  call.cost_nano_usd = 123;
  call.input_tokens = 10;
  call.output_tokens = 20;
  for (auto _ : state) {
    metrics->RequestStarted("Generate");
    metrics->UpstreamAttempt("openai", "gpt-4o-mini", "success",
                             absl::Milliseconds(200));
    metrics->CallSettled(call);
    metrics->RequestFinished("Generate", "OK", absl::Milliseconds(210));
  }
}
BENCHMARK(BM_CachedPerCall);

void BM_CachedPerStream(benchmark::State& state) {
  auto metrics = Declared(std::make_shared<prometheus::Registry>());
  CallObservation call;
  call.ok = true;
  call.stream = true;
  call.provider = "openai";
  call.request_model = "gpt-4o-mini";
  call.response_model = "gpt-4o-mini";
  call.latency = absl::Milliseconds(900);
  call.upstream = absl::Milliseconds(880);
  call.time_to_first_token = absl::Milliseconds(150);
  call.answer_latency = absl::Milliseconds(880);
  call.cost_nano_usd = 456;
  call.input_tokens = 10;
  call.output_tokens = 8;
  for (auto _ : state) {
    metrics->RequestStarted("GenerateStream");
    metrics->UpstreamAttempt("openai", "gpt-4o-mini", "success",
                             absl::Milliseconds(880));
    metrics->CallSettled(call);
    metrics->RequestFinished("GenerateStream", "OK", absl::Milliseconds(900));
  }
}
BENCHMARK(BM_CachedPerStream);

void LedgerRoundTrip(SpendLedger& ledger) {
  ReserveRequest reserve;
  reserve.holds = {{kGlobalScope, 1000}, {"provider:openai", 1000}};
  absl::StatusOr<ReservationId> id = ledger.Reserve(reserve);
  CommitRequest commit;
  commit.id = *id;
  commit.actual_nano_usd = 10;
  commit.provider = "openai";
  commit.model = "gpt-4o-mini";
  benchmark::DoNotOptimize(ledger.Commit(commit));
}

void BM_LedgerPlain(benchmark::State& state) {
  InMemoryLedger ledger{BudgetConfig{}};
  for (auto _ : state) LedgerRoundTrip(ledger);
}
BENCHMARK(BM_LedgerPlain);

void BM_LedgerInstrumented(benchmark::State& state) {
  prometheus::Registry registry;
  std::unique_ptr<SpendLedger> ledger = InstrumentLedger(
      std::make_unique<InMemoryLedger>(BudgetConfig{}), "memory", registry);
  for (auto _ : state) LedgerRoundTrip(*ledger);
}
BENCHMARK(BM_LedgerInstrumented);

}  // namespace
}  // namespace llmgw

BENCHMARK_MAIN();
