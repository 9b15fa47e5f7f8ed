#include "monitoring/metric_series.h"

#include "absl/strings/match.h"
#include "monitoring/gateway_metrics.h"

namespace llmgw {

const std::vector<double>& LatencyBuckets() {
  // 1 ms to 2 min: LLM calls span four orders of magnitude.
  static const auto* buckets = new std::vector<double>{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
      1,     2.5,    5,     10,   20,    30,   60,  120};
  return *buckets;
}

const std::vector<double>& OverheadBuckets() {
  // 50 us to 1 s: the gateway's own time per call.
  static const auto* buckets = new std::vector<double>{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1};
  return *buckets;
}

const std::vector<double>& PhaseBuckets() {
  // 10 us to 1 s, finest where a phase of a healthy call lies (tens to
  // hundreds of microseconds), so a quantile between buckets is close.
  static const auto* buckets = new std::vector<double>{
      0.00001, 0.000025, 0.00005, 0.000075, 0.0001, 0.00015,
      0.0002,  0.0003,   0.0005,  0.00075,  0.001,  0.0025,
      0.005,   0.01,     0.025,   0.1,      1};
  return *buckets;
}

namespace metrics_internal {
namespace {

const std::vector<double>& PerTokenBuckets() {
  static const auto* buckets =
      new std::vector<double>{0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05,
                              0.075, 0.1,    0.15,  0.2,  0.3,  0.5,  1};
  return *buckets;
}

using Labels = std::map<std::string, std::string>;

}  // namespace

int ErrorTypeIndex(absl::string_view outcome) {
  for (size_t i = 0; i < kErrorTypes.size(); ++i) {
    if (kErrorTypes[i] == outcome) return static_cast<int>(i);
  }
  return -1;
}

int SkipReasonIndex(absl::string_view admission_reason) {
  // ProviderHealth::Admit says "circuit open ..." / "circuit half_open ...";
  // the attempt plan says "<model> on <provider> does not support <feature>";
  // every other refusal is about keys.
  if (absl::StrContains(admission_reason, " does not support ") ||
      absl::StrContains(admission_reason, " has a context window of ")) {
    return 2;
  }
  return absl::StartsWith(admission_reason, "circuit") ? 0 : 1;
}

absl::string_view ReasonName(size_t i) {
  if (i < kErrorTypes.size()) return kErrorTypes[i];
  i -= kErrorTypes.size();
  if (i < kSkipReasons.size()) return kSkipReasons[i];
  return kOther;
}

size_t ReasonIndexOf(absl::string_view text) {
  constexpr absl::string_view kSkipped = "skipped: ";
  if (absl::StartsWith(text, kSkipped)) {
    return kErrorTypes.size() + SkipReasonIndex(text.substr(kSkipped.size()));
  }
  const size_t end = text.find_first_of(" :");
  const int i = ErrorTypeIndex(text.substr(0, end));
  return i >= 0 ? static_cast<size_t>(i) : kReasonCount - 1;
}

Families::Families(prometheus::Registry& r)
    : requests(prometheus::BuildCounter()
                   .Name("llmgw_requests_total")
                   .Help("gRPC calls handled, by method and status code.")
                   .Register(r)),
      request_duration(
          prometheus::BuildHistogram()
              .Name("llmgw_request_duration_seconds")
              .Help("Time from a call's arrival to its final status.")
              .Register(r)),
      in_flight(prometheus::BuildGauge()
                    .Name("llmgw_requests_in_flight")
                    .Help("gRPC calls currently being served.")
                    .Register(r)),
      overhead(prometheus::BuildHistogram()
                   .Name("llmgw_gateway_overhead_seconds")
                   .Help("A call's duration minus the time spent in upstream "
                         "attempts and retry backoffs: the gateway's own "
                         "time.")
                   .Register(r)),
      phase(prometheus::BuildHistogram()
                .Name("llmgw_call_phase_seconds")
                .Help("Where a call's time goes, by phase: queued (arrival "
                      "to the event loop), dispatch (to the first upstream "
                      "request), upstream (the attempts), settle (last "
                      "attempt to the ledger), commit (until the charge is "
                      "recorded), reply (unary: handing the reply to gRPC).")
                .Register(r)),
      upstream(prometheus::BuildCounter()
                   .Name("llmgw_upstream_requests_total")
                   .Help("Upstream attempts by provider, request model, "
                         "outcome (success, error, skipped) and error type.")
                   .Register(r)),
      upstream_duration(
          prometheus::BuildHistogram()
              .Name("llmgw_upstream_request_duration_seconds")
              .Help("Duration of one upstream attempt (made, not skipped).")
              .Register(r)),
      ttft(prometheus::BuildHistogram()
               .Name("llmgw_time_to_first_token_seconds")
               .Help("Streams: time from a call's arrival to its first "
                     "delta.")
               .Register(r)),
      per_token(prometheus::BuildHistogram()
                    .Name("llmgw_time_per_output_token_seconds")
                    .Help("Successful calls: time per output token after "
                          "the first (streams) or per output token (unary).")
                    .Register(r)),
      cost(prometheus::BuildCounter()
               .Name("llmgw_cost_nano_usd_total")
               .Help("Committed spend in nano-USD (1e-9 USD).")
               .Register(r)),
      tokens(prometheus::BuildCounter()
                 .Name("llmgw_tokens_total")
                 .Help("Tokens charged, by token type (input, output).")
                 .Register(r)),
      retries(prometheus::BuildCounter()
                  .Name("llmgw_retries_total")
                  .Help("Retry rounds started, by the provider and reason of "
                        "the failure that caused them.")
                  .Register(r)),
      fallbacks(prometheus::BuildCounter()
                    .Name("llmgw_fallbacks_total")
                    .Help("Calls that moved on from a provider to the next "
                          "target, by the provider left and the reason.")
                    .Register(r)),
      embed_inputs(prometheus::BuildCounter()
                       .Name("llmgw_embed_inputs_total")
                       .Help("Texts embedded by successful Embed calls, by "
                             "the provider that answered.")
                       .Register(r)) {}

ModelSeries::ModelSeries(Families& f, const std::string& provider_name,
                         const std::string& model_name)
    : provider(provider_name), model(model_name) {
  const Labels pm{{"provider", provider}, {"request_model", model}};
  Labels l = pm;
  l["outcome"] = "success";
  success = &f.upstream.Add(l);
  l["outcome"] = "error";
  for (size_t i = 0; i < kErrorTypes.size(); ++i) {
    l["error_type"] = std::string(kErrorTypes[i]);
    errors[i] = &f.upstream.Add(l);
  }
  l["outcome"] = "skipped";
  for (size_t i = 0; i < kSkipReasons.size(); ++i) {
    l["error_type"] = std::string(kSkipReasons[i]);
    skipped[i] = &f.upstream.Add(l);
  }
  duration = &f.upstream_duration.Add(pm, LatencyBuckets());
  ttft = &f.ttft.Add(pm, LatencyBuckets());
  per_token = &f.per_token.Add(pm, PerTokenBuckets());
  cost = &f.cost.Add(pm);
  AddTokens(f, model);
}

TokenSeries* ModelSeries::AddTokens(Families& f,
                                    const std::string& response_model) {
  auto t = std::make_unique<TokenSeries>();
  t->response_model = response_model;
  Labels l{{"provider", provider},
           {"request_model", model},
           {"response_model", response_model},
           {"token_type", "input"}};
  t->input = &f.tokens.Add(l);
  l["token_type"] = "output";
  t->output = &f.tokens.Add(l);
  tokens.push_back(std::move(t));
  return tokens.back().get();
}

TokenSeries* ModelSeries::FindTokens(absl::string_view response_model) const {
  for (const auto& t : tokens) {
    if (t->response_model == response_model) return t.get();
  }
  return nullptr;
}

ProviderSeries::ProviderSeries(Families& f, const std::string& provider)
    : name(provider),
      other(std::make_unique<ModelSeries>(f, provider, kOther)) {
  for (size_t i = 0; i < kReasonCount; ++i) {
    const Labels l{{"provider", name}, {"reason", std::string(ReasonName(i))}};
    retries[i] = &f.retries.Add(l);
    fallbacks[i] = &f.fallbacks.Add(l);
  }
  embed_inputs = &f.embed_inputs.Add({{"provider", name}});
}

MethodSeries::MethodSeries(Families& f, const std::string& method)
    : name(method) {
  const Labels m{{"method", name}};
  in_flight = &f.in_flight.Add(m);
  duration = &f.request_duration.Add(m, LatencyBuckets());
  if (name == "Generate" || name == "GenerateStream" || name == "Embed") {
    overhead = &f.overhead.Add(m, OverheadBuckets());
    for (size_t i = 0; i < kPhases.size(); ++i) {
      phases[i] =
          &f.phase.Add({{"method", name}, {"phase", std::string(kPhases[i])}},
                       PhaseBuckets());
    }
  }
  for (size_t i = 0; i < kCodes.size(); ++i) {
    codes[i] =
        &f.requests.Add({{"method", name}, {"code", std::string(kCodes[i])}});
  }
}

}  // namespace metrics_internal
}  // namespace llmgw
