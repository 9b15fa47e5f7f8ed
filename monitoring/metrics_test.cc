// The metric set: series at zero from the start, bounded labels, what each
// call records, the scrape-time state gauges (circuits, keys, budgets), the
// ledger timings, the process collector, and promtool's verdict on it all.
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "budget/in_memory_ledger.h"
#include "gtest/gtest.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "monitoring/gateway_metrics.h"
#include "monitoring/ledger_metrics.h"
#include "monitoring/metric_series.h"
#include "monitoring/process_metrics.h"
#include "monitoring/state_metrics.h"
#include "prometheus/collectable.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "registry/provider_registry.h"
#include "resilience/provider_health.h"

namespace llmgw {
namespace {

using metrics_internal::ReasonIndexOf;
using metrics_internal::ReasonName;

std::string Scrape(
    const std::vector<std::shared_ptr<prometheus::Collectable>>& all) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : all) {
    for (auto& f : c->Collect()) families.push_back(std::move(f));
  }
  return prometheus::TextSerializer().Serialize(families);
}

bool Has(const std::string& text, const std::string& line) {
  return absl::StrContains(text, line + "\n");
}

TEST(ReasonTest, FailureTextsMapToFixedReasons) {
  EXPECT_EQ(ReasonName(ReasonIndexOf("rate_limited HTTP 429: slow down")),
            "rate_limited");
  EXPECT_EQ(ReasonName(ReasonIndexOf("transient_error: connection reset")),
            "transient_error");
  EXPECT_EQ(ReasonName(ReasonIndexOf("timeout")), "timeout");
  EXPECT_EQ(ReasonName(ReasonIndexOf(
                "skipped: circuit open after 5 consecutive failures")),
            "circuit_open");
  EXPECT_EQ(ReasonName(ReasonIndexOf("skipped: no healthy key: key:1c2e ...")),
            "no_healthy_key");
  EXPECT_EQ(ReasonName(
                ReasonIndexOf("skipped: a-1 on alpha does not support vision")),
            "unsupported_feature");
  EXPECT_EQ(ReasonName(ReasonIndexOf(
                "skipped: a-1 on alpha has a context window of 10 tokens; "
                "the request has at least 20 input tokens")),
            "unsupported_feature");
  EXPECT_EQ(ReasonName(ReasonIndexOf("something new and unbounded 123")),
            "other");
  EXPECT_EQ(ReasonName(ReasonIndexOf("")), "other");
}

class MetricsTest : public ::testing::Test {
 protected:
  MetricsTest()
      : registry_(std::make_shared<prometheus::Registry>()),
        metrics_(NewPrometheusMetrics(
            registry_, [](absl::string_view p, absl::string_view m) {
              return p == "groq" && m == "llama-3.1-8b-instant";
            })) {
    metrics_->DeclareProvider("openai", {"gpt-4o", "gpt-4o-mini"});
  }
  std::string Text() { return Scrape({registry_}); }

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<GatewayMetrics> metrics_;
};

TEST_F(MetricsTest, DeclaredSeriesExistAtZeroBeforeAnyCall) {
  const std::string t = Text();
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{outcome=\"success\","
                  "provider=\"openai\",request_model=\"gpt-4o\"} 0"))
      << t;
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{error_type=\"rate_limited\","
                  "outcome=\"error\",provider=\"openai\",request_model="
                  "\"gpt-4o-mini\"} 0"));
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{error_type=\"circuit_open\","
                  "outcome=\"skipped\",provider=\"openai\",request_model="
                  "\"other\"} 0"));
  EXPECT_TRUE(Has(t,
                  "llmgw_tokens_total{provider=\"openai\",request_model="
                  "\"gpt-4o\",response_model=\"gpt-4o\",token_type=\"output\"}"
                  " 0"));
  EXPECT_TRUE(
      Has(t, "llmgw_retries_total{provider=\"openai\",reason=\"timeout\"} 0"));
  EXPECT_TRUE(
      Has(t, "llmgw_fallbacks_total{provider=\"openai\",reason=\"other\"} 0"));
  EXPECT_TRUE(Has(
      t, "llmgw_requests_total{code=\"UNAVAILABLE\",method=\"Generate\"} 0"));
  EXPECT_TRUE(Has(t,
                  "llmgw_gateway_overhead_seconds_count{method="
                  "\"GenerateStream\"} 0"));
  EXPECT_TRUE(Has(t,
                  "llmgw_time_to_first_token_seconds_count{provider="
                  "\"openai\",request_model=\"gpt-4o\"} 0"));
}

TEST_F(MetricsTest, UnknownModelsFoldIntoOther) {
  metrics_->UpstreamAttempt("openai", "my-finetune-123", "success",
                            absl::Milliseconds(5));
  metrics_->UpstreamAttempt("openai", "another-random-name", "timeout",
                            absl::Milliseconds(5));
  // An undeclared provider: known models get their own series.
  metrics_->UpstreamAttempt("groq", "llama-3.1-8b-instant", "success",
                            absl::Milliseconds(5));
  metrics_->UpstreamAttempt("groq", "caller-chosen", "success",
                            absl::Milliseconds(5));
  const std::string t = Text();
  EXPECT_FALSE(absl::StrContains(t, "my-finetune-123"));
  EXPECT_FALSE(absl::StrContains(t, "another-random-name"));
  EXPECT_FALSE(absl::StrContains(t, "caller-chosen"));
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{outcome=\"success\","
                  "provider=\"openai\",request_model=\"other\"} 1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{error_type=\"timeout\","
                  "outcome=\"error\",provider=\"openai\",request_model="
                  "\"other\"} 1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{outcome=\"success\","
                  "provider=\"groq\",request_model=\"llama-3.1-8b-instant\"} "
                  "1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{outcome=\"success\","
                  "provider=\"groq\",request_model=\"other\"} 1"));
}

TEST_F(MetricsTest, ResponseModelsAreBounded) {
  for (int i = 0; i < 20; ++i) {
    CallObservation c;
    c.ok = true;
    c.provider = "openai";
    c.request_model = "gpt-4o";
    const std::string response = absl::StrCat("gpt-4o-2024-", i);
    c.response_model = response;
    c.input_tokens = 3;
    c.output_tokens = 2;
    metrics_->CallSettled(c);
  }
  const std::string t = Text();
  // The request model's own series plus 7 more, then "other".
  EXPECT_TRUE(absl::StrContains(t, "response_model=\"gpt-4o-2024-6\""));
  EXPECT_FALSE(absl::StrContains(t, "response_model=\"gpt-4o-2024-7\""));
  EXPECT_TRUE(Has(t,
                  "llmgw_tokens_total{provider=\"openai\",request_model="
                  "\"gpt-4o\",response_model=\"other\",token_type=\"input\"} "
                  "39"))
      << t;
}

TEST_F(MetricsTest, CallSettledRecordsOverheadTokensAndLatencies) {
  CallObservation stream;
  stream.stream = true;
  stream.ok = true;
  stream.provider = "openai";
  stream.request_model = "gpt-4o-mini";
  stream.response_model = "gpt-4o-mini";
  stream.latency = absl::Milliseconds(1000);
  stream.upstream = absl::Milliseconds(700);
  stream.backoff = absl::Milliseconds(250);
  stream.time_to_first_token = absl::Milliseconds(200);
  stream.answer_latency = absl::Milliseconds(700);
  stream.cost_nano_usd = 1234;
  stream.input_tokens = 10;
  stream.output_tokens = 9;
  metrics_->CallSettled(stream);
  const std::string t = Text();
  // Overhead 1000 - 700 - 250 = 50 ms.
  EXPECT_TRUE(Has(t,
                  "llmgw_gateway_overhead_seconds_sum{method="
                  "\"GenerateStream\"} 0.05"))
      << t;
  EXPECT_TRUE(Has(t,
                  "llmgw_time_to_first_token_seconds_sum{provider=\"openai\","
                  "request_model=\"gpt-4o-mini\"} 0.2"));
  // (1000 - 200) ms over 8 tokens after the first.
  EXPECT_TRUE(Has(t,
                  "llmgw_time_per_output_token_seconds_sum{provider="
                  "\"openai\",request_model=\"gpt-4o-mini\"} 0.1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_cost_nano_usd_total{provider=\"openai\","
                  "request_model=\"gpt-4o-mini\"} 1234"));
  EXPECT_TRUE(Has(t,
                  "llmgw_tokens_total{provider=\"openai\",request_model="
                  "\"gpt-4o-mini\",response_model=\"gpt-4o-mini\",token_type="
                  "\"input\"} 10"));

  // A refused call: overhead only.
  CallObservation refused;
  refused.latency = absl::Milliseconds(2);
  metrics_->CallSettled(refused);
  EXPECT_TRUE(Has(Text(),
                  "llmgw_gateway_overhead_seconds_count{method=\"Generate\"} "
                  "1"));
}

TEST_F(MetricsTest, CallPhasesAreRecordedWhereTheCallWentThroughThem) {
  // Every phase series exists at zero for the three upstream methods.
  EXPECT_TRUE(Has(Text(),
                  "llmgw_call_phase_seconds_count{method=\"Embed\",phase="
                  "\"reply\"} 0"));
  CallObservation unary;
  unary.ok = true;
  unary.latency = absl::Microseconds(900);
  unary.upstream = absl::Microseconds(500);
  unary.phases.queued = absl::Microseconds(60);
  unary.phases.dispatch = absl::Microseconds(9);
  unary.phases.settle = absl::Microseconds(4);
  unary.phases.commit = absl::Microseconds(120);
  unary.phases.reply = absl::Microseconds(30);
  metrics_->CallSettled(unary);
  // A call refused before reaching the loop's dispatch: queued only.
  CallObservation refused;
  refused.phases.queued = absl::Microseconds(40);
  metrics_->CallSettled(refused);
  const std::string t = Text();
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_count{method=\"Generate\",phase="
                  "\"queued\"} 2"))
      << t;
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_sum{method=\"Generate\",phase="
                  "\"queued\"} 0.0001"));
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_count{method=\"Generate\",phase="
                  "\"commit\"} 1"));
  // 120 us falls in the (100 us, 150 us] bucket.
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_bucket{method=\"Generate\","
                  "phase=\"commit\",le=\"0.0001\"} 0"));
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_bucket{method=\"Generate\","
                  "phase=\"commit\",le=\"0.00015\"} 1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_count{method=\"Generate\",phase="
                  "\"reply\"} 1"));
  // The attempts of the call that made one.
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_count{method=\"Generate\",phase="
                  "\"upstream\"} 1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_sum{method=\"Generate\",phase="
                  "\"upstream\"} 0.0005"));
  EXPECT_TRUE(Has(t,
                  "llmgw_call_phase_seconds_count{method=\"GenerateStream\","
                  "phase=\"queued\"} 0"));
}

TEST_F(MetricsTest, EmbedCallsHaveTheirOwnMethodAndInputCount) {
  EXPECT_TRUE(
      Has(Text(), "llmgw_requests_total{code=\"OK\",method=\"Embed\"} 0"));
  EXPECT_TRUE(Has(Text(), "llmgw_embed_inputs_total{provider=\"openai\"} 0"));
  CallObservation embed;
  embed.embed = true;
  embed.embed_inputs = 3;
  embed.ok = true;
  embed.provider = "openai";
  embed.request_model = "gpt-4o";
  embed.response_model = "gpt-4o";
  embed.latency = absl::Milliseconds(100);
  embed.upstream = absl::Milliseconds(90);
  embed.answer_latency = absl::Milliseconds(90);
  embed.cost_nano_usd = 40;
  embed.input_tokens = 20;
  metrics_->CallSettled(embed);
  // A failed Embed call embeds nothing.
  embed.ok = false;
  metrics_->CallSettled(embed);
  const std::string t = Text();
  EXPECT_TRUE(
      Has(t, "llmgw_gateway_overhead_seconds_count{method=\"Embed\"} 2"))
      << t;
  EXPECT_TRUE(
      Has(t, "llmgw_gateway_overhead_seconds_count{method=\"Generate\"} 0"));
  EXPECT_TRUE(Has(t, "llmgw_embed_inputs_total{provider=\"openai\"} 3"));
  // No output tokens: no per-token latency.
  EXPECT_TRUE(Has(t,
                  "llmgw_time_per_output_token_seconds_count{provider="
                  "\"openai\",request_model=\"gpt-4o\"} 0"));
}

TEST_F(MetricsTest, RequestsRetriesAndFallbacks) {
  metrics_->RequestStarted("Generate");
  metrics_->RequestStarted("Generate");
  metrics_->RequestFinished("Generate", "UNAVAILABLE", absl::Seconds(1));
  metrics_->RequestFinished("Generate", "NOT_A_CODE", absl::Seconds(1));
  metrics_->RequestStarted("ChatCompletions");
  metrics_->RequestFinished("ChatCompletions", "OK", absl::Seconds(1));
  metrics_->Retry("openai/gpt-4o", "rate_limited HTTP 429: slow down");
  metrics_->Fallback("openai/gpt-4o", "skipped: circuit open after 5");
  metrics_->UpstreamSkipped("openai", "gpt-4o", "no healthy key: key:1c2e");
  const std::string t = Text();
  EXPECT_TRUE(Has(
      t, "llmgw_requests_total{code=\"UNAVAILABLE\",method=\"Generate\"} 1"));
  EXPECT_TRUE(
      Has(t, "llmgw_requests_total{code=\"UNKNOWN\",method=\"Generate\"} 1"));
  EXPECT_TRUE(Has(t, "llmgw_requests_in_flight{method=\"Generate\"} 0"));
  EXPECT_TRUE(
      Has(t, "llmgw_requests_total{code=\"OK\",method=\"ChatCompletions\"} 1"));
  EXPECT_TRUE(Has(
      t, "llmgw_retries_total{provider=\"openai\",reason=\"rate_limited\"} 1"));
  EXPECT_TRUE(Has(
      t,
      "llmgw_fallbacks_total{provider=\"openai\",reason=\"circuit_open\"} 1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{error_type=\"no_healthy_key\","
                  "outcome=\"skipped\",provider=\"openai\",request_model="
                  "\"gpt-4o\"} 1"));
}

// Circuits, keys and budgets as gauges computed at scrape time, the ledger
// timings, the process metrics, and promtool on the whole exposition.
TEST(StateMetricsTest, GaugesFollowHealthAndBudget) {
  GatewayConfig config;
  config.budget.hourly_budget_nano_usd = 1'000'000'000;
  config.budget.scope_budgets["client:capped"] = 1000;
  auto registry = ProviderRegistry::Create(
      config,
      FixedEnvironment({{"OPENAI_API_KEYS", "sk-one,sk-two"},
                        {"OPENAI_API_BASE", "http://127.0.0.1:9/v1"}}),
      nullptr);
  ASSERT_TRUE(registry.ok()) << registry.status();
  const ProviderEntry* openai = (*registry)->Find("openai");
  ASSERT_NE(openai, nullptr);
  ResilienceConfig resilience;
  resilience.circuit.failure_threshold = 2;
  HealthBoard board;
  board.Add(std::make_unique<ProviderHealth>("openai", openai->key_fingerprints,
                                             resilience, nullptr));
  auto prom = std::make_shared<prometheus::Registry>();
  std::unique_ptr<SpendLedger> ledger = InstrumentLedger(
      std::make_unique<InMemoryLedger>(config.budget), "memory", *prom);
  auto metrics = NewPrometheusMetrics(prom, nullptr);
  DeclareProviders(**registry, *metrics);
  DeclareProviders(**registry, *metrics);  // idempotent (reloads)
  const ProviderRegistry* reg = registry->get();
  SpendLedger* led = ledger.get();
  auto state = NewStateCollector([&] {
    return StateSources{reg, &board, led, "memory",
                        ConfiguredScopes(config.budget)};
  });
  auto process = NewProcessCollector("9.9.9");

  const absl::Time now = absl::Now();
  ProviderHealth* health = board.Find("openai");
  // Key 0 is rejected (removed); two transient failures open the circuit.
  health->Record(HealthOutcome::kKeyInvalid, 0, now, std::nullopt, "gpt-4o",
                 "auth_error HTTP 401");
  health->Record(HealthOutcome::kTransient, 1, now, std::nullopt, "gpt-4o",
                 "transient_error HTTP 503");
  health->Record(HealthOutcome::kTransient, 1, now, std::nullopt, "gpt-4o",
                 "transient_error HTTP 503");
  ReserveRequest hold;
  hold.holds = {{kGlobalScope, 250'000'000}, {"client:capped", 500}};
  ASSERT_TRUE(ledger->Reserve(hold).ok());
  hold.holds = {{kGlobalScope, 1}, {"client:capped", 600}};
  EXPECT_EQ(ledger->Reserve(hold).status().code(),
            absl::StatusCode::kResourceExhausted);

  const std::string t = Scrape({prom, state, process});
  const std::string fp0 = openai->key_fingerprints[0];
  EXPECT_TRUE(Has(t, "llmgw_provider_available{provider=\"openai\"} 0")) << t;
  EXPECT_TRUE(
      Has(t, "llmgw_circuit_state{provider=\"openai\",state=\"open\"} 1"));
  EXPECT_TRUE(
      Has(t, "llmgw_circuit_state{provider=\"openai\",state=\"closed\"} 0"));
  EXPECT_TRUE(Has(t, "llmgw_key_state{key=\"" + fp0 +
                         "\",provider=\"openai\",state=\"removed\"} 1"));
  EXPECT_TRUE(
      Has(t, "llmgw_provider_keys{provider=\"openai\",state=\"removed\"} 1"));
  EXPECT_TRUE(
      Has(t, "llmgw_budget_limit_nano_usd{scope=\"global\"} 1000000000"));
  EXPECT_TRUE(
      Has(t, "llmgw_budget_reserved_nano_usd{scope=\"global\"} 250000000"));
  EXPECT_TRUE(
      Has(t, "llmgw_budget_remaining_nano_usd{scope=\"global\"} 750000000"));
  EXPECT_TRUE(Has(t, "llmgw_budget_open_reservations{scope=\"global\"} 1"));
  EXPECT_TRUE(
      Has(t, "llmgw_budget_limit_nano_usd{scope=\"client:capped\"} 1000"));
  EXPECT_TRUE(Has(t, "llmgw_ledger_up{backend=\"memory\"} 1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_ledger_operations_total{backend=\"memory\",operation="
                  "\"reserve\",result=\"refused\"} 1"));
  EXPECT_TRUE(Has(t,
                  "llmgw_ledger_operations_total{backend=\"memory\",operation="
                  "\"reserve\",result=\"ok\"} 1"));
  // Configured providers are declared: their series exist at zero.
  EXPECT_TRUE(Has(t,
                  "llmgw_upstream_requests_total{outcome=\"success\","
                  "provider=\"openai\",request_model=\"gpt-4o\"} 0"));
  EXPECT_TRUE(absl::StrContains(t, "process_cpu_seconds_total "));
  EXPECT_TRUE(absl::StrContains(t, "process_resident_memory_bytes "));
  EXPECT_TRUE(absl::StrContains(t, "process_open_fds "));
  EXPECT_TRUE(absl::StrContains(t, "llmgw_build_info{compiler="));
  EXPECT_TRUE(absl::StrContains(t, "version=\"9.9.9\"} 1"));
  // Keys never appear, only fingerprints.
  EXPECT_FALSE(absl::StrContains(t, "sk-one"));
  EXPECT_FALSE(absl::StrContains(t, "sk-two"));

  // promtool's linter accepts the whole exposition.
  const char* promtool = "/usr/bin/promtool";
  ASSERT_EQ(access(promtool, X_OK), 0)
      << promtool << " missing: run scripts/install-deps.sh (apt prometheus)";
  const std::string path = absl::StrCat(
      std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp",
      "/metrics.txt");
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fwrite(t.data(), 1, t.size(), f);
  fclose(f);
  const std::string command =
      absl::StrCat(promtool, " check metrics < ", path, " 2>&1");
  FILE* p = popen(command.c_str(), "r");
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << out;
  EXPECT_EQ(out, "") << out;
}

// The upstream client's figures are read at scrape time; a fresh client has
// made nothing yet.
TEST(StateMetricsTest, UpstreamClientFigures) {
  auto loop = http::EventLoop::Create("metrics-test");
  ASSERT_TRUE(loop.ok());
  std::unique_ptr<http::HttpClient> client =
      http::HttpClient::Create(loop->get());
  auto state = NewStateCollector([&] {
    StateSources s;
    s.http_client = client.get();
    return s;
  });
  const std::string t = Scrape({state});
  EXPECT_TRUE(Has(t, "llmgw_upstream_exchanges_in_flight 0")) << t;
  EXPECT_TRUE(Has(t, "llmgw_upstream_curl_multi_handles 0")) << t;
  EXPECT_TRUE(Has(t, "# TYPE llmgw_upstream_connections_opened_total counter"))
      << t;
  EXPECT_TRUE(Has(t, "llmgw_upstream_connections_opened_total 0")) << t;
  client.reset();
}

TEST(StateMetricsTest, JsonDocumentsByReader) {
  auto state = NewStateCollector([] {
    StateSources s;
    s.json_documents = [] { return std::pair<int64_t, int64_t>{41, 2}; };
    return s;
  });
  const std::string t = Scrape({state});
  EXPECT_TRUE(Has(t, "# TYPE llmgw_upstream_json_documents_total counter"))
      << t;
  EXPECT_TRUE(
      Has(t, "llmgw_upstream_json_documents_total{reader=\"common\"} 41"))
      << t;
  EXPECT_TRUE(Has(t, "llmgw_upstream_json_documents_total{reader=\"full\"} 2"))
      << t;
}

}  // namespace
}  // namespace llmgw
