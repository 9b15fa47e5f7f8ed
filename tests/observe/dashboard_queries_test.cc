// Every query of every Grafana dashboard (monitoring/grafana/*.json), and
// every template variable, is run against a real Prometheus that scraped the
// real gateway binary every second under a short mixed load: unary calls and
// streams, a slow provider, a failing provider whose circuit opens, a budget
// that refuses a client, calls no provider can answer, a retry, a deadline,
// a rate-limited key and a key the provider rejects. A query that returns
// nothing (or only zeros / NaN) fails the test, naming the dashboard and the
// panel. The alert rules are
// evaluated on the same data: the alerts this load must trip do.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/gateway.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/gateway_process.h"
#include "tests/observe/prometheus_server.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;

struct Call {
  std::string model;
  bool stream = false;
  std::string client;
  absl::Duration deadline = absl::Seconds(10);
  std::vector<std::string> fallback_models;
};

grpc::StatusCode Do(pb::LlmGateway::Stub& stub, const Call& call) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + call.deadline));
  if (!call.client.empty()) {
    context.AddMetadata("x-llmgw-client-id", call.client);
  }
  pb::GenerateRequest request;
  request.set_model(call.model);
  request.set_max_tokens(64);
  for (const std::string& f : call.fallback_models) {
    request.add_fallback_models(f);
  }
  pb::ChatMessage* m = request.add_messages();
  m->set_role(pb::ROLE_USER);
  m->set_content("watch the gateway in grafana please");
  if (!call.stream) {
    pb::GenerateResponse response;
    return stub.Generate(&context, request, &response).error_code();
  }
  auto reader = stub.GenerateStream(&context, request);
  pb::GenerateStreamEvent event;
  while (reader->Read(&event)) {
  }
  return reader->Finish().error_code();
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Grafana's substitutions, every window covering the whole run. `all`:
// every variable at "All" (".*"); otherwise one provider and model, which
// catches a selector on a label the metric does not have (=~".*" matches a
// missing label, =~"openai" does not).
std::string Substitute(const std::string& expr, bool all = true) {
  return absl::StrReplaceAll(expr, {{"$__rate_interval", "1m"},
                                    {"$__interval", "1m"},
                                    {"$__range", "1m"},
                                    {"$instance", ".*"},
                                    {"$provider", all ? ".*" : "openai"},
                                    {"$model", all ? ".*" : "gpt-4o-mini"}});
}

// A TCP connection to 127.0.0.1:`port` (the fd), or -1.
int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

class DashboardQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(good_.Start().ok());
    ASSERT_TRUE(bad_.Start().ok());
    ASSERT_TRUE(slow_.Start().ok());
    // sk-bad is rejected (the key leaves rotation); groq always fails;
    // deepseek answers slowly so that calls are in flight at scrapes.
    good_.SetDefault(Behavior::HttpError(401).ForKey("sk-bad"));
    bad_.SetDefault(Behavior::HttpError(503));
    slow_.SetDefault(Behavior::Ok()
                         .WithDelay(absl::Milliseconds(1200))
                         .WithDeltaInterval(absl::Milliseconds(100)));
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string config =
        absl::StrCat(tmp ? tmp : "/tmp", "/observe-", getpid(), ".yaml");
    // A window of a year: the budget panels read the current window's
    // spend, which an hourly window (aligned to the hour) would reset to 0
    // if the test ran across xx:00 (it did, in CI).
    std::ofstream(config) << "budget:\n"
                             "  hourly_budget: \"100.00\"\n"
                             "  window_seconds: 31536000\n"
                             "  hard_safety_cap: \"1000.00\"\n"
                             "  scope_budgets:\n"
                             "    \"client:capped\": \"0.000001\"\n";
    ASSERT_TRUE(gateway_
                    .Start(
                        {
                            {"OPENAI_API_KEYS", "sk-good,sk-bad"},
                            {"OPENAI_API_BASE", good_.base_url("openai")},
                            {"GROQ_API_KEY", "gsk-always-503"},
                            {"GROQ_API_BASE", bad_.base_url("openai")},
                            {"DEEPSEEK_API_KEY", "dsk-slow"},
                            {"DEEPSEEK_API_BASE", slow_.base_url("openai")},
                            {"CHAT_PROVIDER", "openai"},
                            {"LLMGW_FALLBACK_CHAIN", "openai,groq"},
                            {"LLMGW_FAILURE_THRESHOLD", "3"},
                            {"LLMGW_CIRCUIT_COOLDOWN", "120"},
                            {"LLMGW_MAX_RETRIES", "2"},
                            {"LLMGW_BASE_DELAY", "0.05"},
                            {"LLMGW_MAX_DELAY", "0.2"},
                        },
                        {"--config=" + config, "--http_port=0"})
                    .ok())
        << gateway_.Stderr();
    absl::Status started =
        prometheus_.Start(gateway_.metrics_port(),
                          RunfilePath("monitoring/alerts/llmgw.rules.yml"));
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_TRUE(prometheus_.WaitForScrapes(1, absl::Seconds(15)).ok())
        << prometheus_.Log();
  }

  // The mixed load; returns after ~10 s.
  void RunLoad() {
    auto stub = gateway_.NewStub();
    std::atomic<bool> stop{false};
    std::thread slow([&] {
      auto s = gateway_.NewStub();
      for (int i = 0; !stop; ++i) {
        Do(*s, {"deepseek/deepseek-chat", i % 2 == 1});
      }
    });
    // The OpenAI-compatible HTTP front, through the whole load (on the slow
    // upstream, whose behaviour is not scripted per call): answers,
    // caller errors, the model list, and one idle keep-alive connection held
    // open (the connections gauge).
    ASSERT_GT(gateway_.http_port(), 0) << gateway_.startup_line();
    const int idle = ConnectLoopback(gateway_.http_port());
    EXPECT_GE(idle, 0);
    std::thread front([&] {
      const std::string chat =
          R"({"model":"deepseek/deepseek-chat","messages":[{"role":"user","content":"hi"}]})";
      while (!stop) {
        EXPECT_EQ(
            HttpPostJson(gateway_.http_port(), "/v1/chat/completions", chat)
                .value_or(0),
            200);
        EXPECT_EQ(
            HttpPostJson(gateway_.http_port(), "/v1/chat/completions", "{")
                .value_or(0),
            400);
        EXPECT_TRUE(HttpGet(gateway_.http_port(), "/v1/models").ok());
        absl::SleepFor(absl::Milliseconds(200));
      }
    });
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(Do(*stub, {"gpt-4o-mini"}), grpc::StatusCode::OK);
      EXPECT_EQ(Do(*stub, {"gpt-4o-mini", true}), grpc::StatusCode::OK);
    }
    // groq fails every time: fallbacks to openai, then its circuit opens.
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(Do(*stub, {"groq/llama-3.1-8b-instant", i % 2 == 1}),
                grpc::StatusCode::OK);
    }
    // Every target of the plan fails (groq only): UNAVAILABLE.
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(Do(*stub, {"groq/llama-3.1-8b-instant",
                           false,
                           "",
                           absl::Seconds(10),
                           {"groq/llama-3.3-70b-versatile"}}),
                grpc::StatusCode::UNAVAILABLE);
    }
    // Embeddings (model "" = openai's default embedding model), and one
    // refused: a plan of chat-only models cannot embed (FAILED_PRECONDITION).
    for (int i = 0; i < 4; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(10));
      llmgateway::v1::EmbedRequest embed;
      embed.add_inputs("first text");
      embed.add_inputs("second text");
      if (i == 3) {  // a plan of chat models only
        embed.set_model("gpt-4o-mini");
        embed.add_fallback_models("gpt-4o");
      }
      llmgateway::v1::EmbedResponse response;
      EXPECT_EQ(stub->Embed(&context, embed, &response).error_code(),
                i == 3 ? grpc::StatusCode::FAILED_PRECONDITION
                       : grpc::StatusCode::OK);
    }
    // A client whose budget cannot cover a call.
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(Do(*stub, {"gpt-4o-mini", false, "capped"}),
                grpc::StatusCode::RESOURCE_EXHAUSTED);
    }
    // openai fails once, groq is skipped (circuit open): a retry round.
    good_.Enqueue(Behavior::HttpError(503));
    EXPECT_EQ(Do(*stub, {"gpt-4o-mini"}), grpc::StatusCode::OK);
    // A caller deadline shorter than the provider.
    good_.Enqueue(Behavior::Ok().WithDelay(absl::Seconds(2)));
    EXPECT_EQ(Do(*stub, {"gpt-4o-mini", false, "", absl::Milliseconds(300)}),
              grpc::StatusCode::DEADLINE_EXCEEDED);
    // sk-good is rate limited for 3 s, sk-bad is rejected and removed; the
    // call waits out Retry-After and succeeds.
    good_.Enqueue(Behavior::HttpError(429, std::nullopt, {{"Retry-After", "3"}})
                      .ForKey("sk-good"));
    Do(*stub, {"gpt-4o-mini"});
    const absl::Time until = absl::Now() + absl::Seconds(3);
    for (int i = 0; absl::Now() < until; ++i) {
      Do(*stub, {i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini", i % 2 == 1});
    }
    stop = true;
    slow.join();
    front.join();
    close(idle);
  }

  // The alert rules, evaluated by the same Prometheus on the same run: the
  // alerts this load must trip are pending or firing, with the labels the
  // runbooks refer to, and the healthy provider trips none of its own.
  void CheckAlerts() {
    absl::StatusOr<nlohmann::json> alerts = prometheus_.Query("ALERTS");
    ASSERT_TRUE(alerts.ok()) << alerts.status();
    std::set<std::string> seen;
    for (const auto& a : (*alerts)["result"]) {
      const auto& m = a["metric"];
      // Pending or firing, whichever the run's pace gave.
      seen.insert(
          absl::StrCat(m.value("alertname", ""), "/", m.value("provider", "")));
    }
    const std::string all = absl::StrJoin(seen, ", ");
    EXPECT_TRUE(seen.count("LlmgwCircuitOpen/groq")) << all;
    EXPECT_TRUE(seen.count("LlmgwProviderDown/groq")) << all;
    EXPECT_TRUE(seen.count("LlmgwKeyRemoved/openai")) << all;
    EXPECT_TRUE(seen.count("LlmgwBudgetRefusingCalls/")) << all;
    for (const std::string& s : seen) {
      EXPECT_FALSE(absl::StartsWith(s, "LlmgwCircuitOpen/openai")) << all;
      EXPECT_FALSE(absl::StartsWith(s, "LlmgwLedger")) << all;
    }
  }

  FakeUpstream good_, bad_, slow_;
  GatewayProcess gateway_;
  PrometheusServer prometheus_;
};

TEST_F(DashboardQueriesTest, EveryPanelReturnsDataAndAlertsTrip) {
  RunLoad();
  // Let the last state (cooldowns, counters) be scraped.
  absl::SleepFor(absl::Seconds(3));

  const std::string dir = RunfilePath("monitoring/grafana");
  int dashboards = 0, queries = 0;
  std::vector<std::string> failures;
  const std::regex label_values(R"(^label_values\((.*),\s*(\w+)\)$)");
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    if (file.path().extension() != ".json") continue;
    ++dashboards;
    const nlohmann::json d = nlohmann::json::parse(Slurp(file.path()));
    const std::string name = d.value("title", file.path().filename());
    for (const auto& v : d["templating"]["list"]) {
      if (v["type"] != "query") continue;
      const std::string q = v["query"]["query"];
      std::smatch m;
      if (!std::regex_match(q, m, label_values)) {
        failures.push_back(absl::StrCat(name, ": variable ", v["name"].dump(),
                                        ": not label_values(): ", q));
        continue;
      }
      const std::string expr = Substitute(
          absl::StrCat("count by (", m[2].str(), ") (", m[1].str(), ")"));
      absl::StatusOr<nlohmann::json> data = prometheus_.Query(expr);
      ++queries;
      if (!data.ok() || Judge(*data).samples == 0) {
        failures.push_back(absl::StrCat(name, ": variable ", v["name"].dump(),
                                        " has no values: ", expr));
      }
    }
    for (const auto& panel : d["panels"]) {
      for (const auto& target : panel["targets"]) {
        const std::string expr = Substitute(target["expr"]);
        absl::StatusOr<nlohmann::json> data = prometheus_.Query(expr);
        ++queries;
        const std::string where =
            absl::StrCat(name, ": panel \"", panel["title"].get<std::string>(),
                         "\" query ", target["refId"].get<std::string>(), ": ");
        if (!data.ok()) {
          failures.push_back(
              absl::StrCat(where, data.status().ToString(), "\n    ", expr));
          continue;
        }
        const QueryVerdict verdict = Judge(*data);
        if (verdict.samples == 0) {
          failures.push_back(absl::StrCat(where, "no data\n    ", expr));
        } else if (!verdict.any_nonzero) {
          failures.push_back(absl::StrCat(where, "only zeros/NaN (",
                                          verdict.samples, " samples)\n    ",
                                          expr));
        }
        // The same query for provider openai and model gpt-4o-mini.
        const std::string one = Substitute(target["expr"], false);
        absl::StatusOr<nlohmann::json> narrowed = prometheus_.Query(one);
        ++queries;
        if (!narrowed.ok() || Judge(*narrowed).samples == 0) {
          failures.push_back(absl::StrCat(
              where, "no data for provider=openai, model=gpt-4o-mini\n    ",
              one));
        }
      }
    }
  }
  EXPECT_EQ(dashboards, 4);
  EXPECT_GT(queries, 60);
  for (const std::string& f : failures) ADD_FAILURE() << f;
  CheckAlerts();
  if (!failures.empty()) {
    absl::StatusOr<std::string> metrics =
        HttpGet(gateway_.metrics_port(), "/metrics");
    std::cerr << "gateway /metrics at the end:\n"
              << (metrics.ok() ? *metrics : metrics.status().ToString())
              << "\ngateway stderr (a sanitizer report, else the last 4000 "
                 "bytes):\n";
    std::string err = gateway_.Stderr();
    size_t from = err.find("ERROR: AddressSanitizer");
    if (from == std::string::npos)
      from = err.size() > 4000 ? err.size() - 4000 : 0;
    std::cerr << err.substr(from, 16000) << "\n";
  }
}

}  // namespace
}  // namespace llmgw::testing
