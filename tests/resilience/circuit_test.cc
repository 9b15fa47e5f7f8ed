// Circuit breakers through the real gateway: under a flood of requests to a
// dead provider the gateway stops calling it after failure_threshold
// failures and serves from the fallback without waiting on it; after the
// cooldown one probe goes through and its success closes the circuit.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"
#include "tests/resilience/resilience_env.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;

pb::ProviderStatus Provider(const pb::StatusResponse& status,
                            const std::string& name) {
  for (const auto& p : status.providers()) {
    if (p.name() == name) return p;
  }
  ADD_FAILURE() << "no provider " << name;
  return {};
}

TEST(CircuitTest, FloodToADeadProviderOpensTheCircuitAndServesFromFallback) {
  // openai is dead: it accepts requests and never answers (read timeout
  // 300 ms). fireworks, next in the chain, is healthy.
  FakeUpstream dead;
  ASSERT_TRUE(dead.Start().ok());
  dead.SetDefault(Behavior::Hang(absl::Seconds(30)));
  GatewayHarness h(
      ResilientEnv({{"OPENAI_API_KEY", "sk-openai-0123456789"},
                    {"OPENAI_API_BASE", dead.base_url("openai")},
                    {"LLMGW_OPENAI_READ_TIMEOUT", "0.3"},
                    {"FIREWORKS_API_KEY", "fw-key-0123456789"},
                    {"FIREWORKS_API_BASE", GatewayHarness::kFakeBaseUrl},
                    {"CHAT_PROVIDER", "openai"},
                    {"LLMGW_CIRCUIT_COOLDOWN", "1.5"}}));
  // Threshold (default 5) sequential requests: each waits out the read
  // timeout, then fails over.
  for (int i = 0; i < 5; ++i) {
    pb::GenerateResponse response;
    grpc::Status s = h.Generate(GatewayHarness::UserRequest("hi"), &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.provider(), "fireworks");
    ASSERT_EQ(response.attempts_size(), 2);
    EXPECT_EQ(response.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_TIMEOUT);
  }
  EXPECT_EQ(dead.RequestCount(), 5);
  pb::StatusResponse status = h.Status();
  pb::ProviderStatus openai = Provider(status, "openai");
  EXPECT_EQ(openai.circuit_state(), pb::CIRCUIT_STATE_OPEN);
  EXPECT_FALSE(openai.available());
  EXPECT_TRUE(absl::StartsWith(openai.unavailable_reason(),
                               "circuit open after 5 consecutive failures"))
      << openai.unavailable_reason();
  EXPECT_EQ(status.state(), pb::SERVING_STATE_DEGRADED);
  EXPECT_TRUE(absl::StrContains(status.state_reason(), "openai: circuit open"))
      << status.state_reason();

  // The flood: 64 concurrent requests, none of which touches openai.
  constexpr int kFlood = 64;
  std::atomic<int> ok{0}, from_fireworks{0}, skipped_openai{0};
  std::atomic<int64_t> slowest_ms{0};
  std::vector<std::thread> clients;
  const absl::Time flood_start = absl::Now();
  for (int i = 0; i < kFlood; ++i) {
    clients.emplace_back([&] {
      pb::GenerateResponse response;
      const absl::Time start = absl::Now();
      grpc::Status s = h.Generate(GatewayHarness::UserRequest("hi"), &response);
      const int64_t ms = absl::ToInt64Milliseconds(absl::Now() - start);
      int64_t prev = slowest_ms.load();
      while (ms > prev && !slowest_ms.compare_exchange_weak(prev, ms)) {
      }
      if (!s.ok()) return;
      ++ok;
      if (response.provider() == "fireworks") ++from_fireworks;
      if (response.attempts_size() == 2 &&
          response.attempts(0).provider() == "openai" &&
          response.attempts(0).outcome() == pb::ATTEMPT_OUTCOME_SKIPPED &&
          absl::StrContains(response.attempts(0).detail(), "circuit open")) {
        ++skipped_openai;
      }
    });
  }
  for (auto& t : clients) t.join();
  const absl::Duration flood_time = absl::Now() - flood_start;
  EXPECT_EQ(ok.load(), kFlood);
  EXPECT_EQ(from_fireworks.load(), kFlood);
  EXPECT_EQ(skipped_openai.load(), kFlood);
  EXPECT_EQ(dead.RequestCount(), 5);  // not one more
  // Nobody waited on the dead provider's 300 ms read timeout.
  EXPECT_LT(slowest_ms.load(), 300) << "slowest " << slowest_ms.load() << " ms";
  std::cout << "flood: " << kFlood << " requests in " << flood_time
            << ", slowest " << slowest_ms.load() << " ms, dead upstream saw "
            << dead.RequestCount() << " requests\n";

  auto opened = h.audit().EventsOfType("circuit_open");
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0]["provider"], "openai");
  EXPECT_EQ(opened[0]["consecutive_failures"], 5);
  EXPECT_EQ(h.audit().EventsOfType("cascade").size(), 5u + kFlood);

  // After the cooldown, one probe goes through; openai has recovered.
  dead.SetDefault(Behavior::Ok());
  ASSERT_TRUE(Eventually([&] {
    return Provider(h.Status(), "openai").circuit_state() ==
           pb::CIRCUIT_STATE_HALF_OPEN;
  }));
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(GatewayHarness::UserRequest("hi"), &response).ok());
  EXPECT_EQ(response.provider(), "openai");
  ASSERT_EQ(response.attempts_size(), 1);
  EXPECT_EQ(dead.RequestCount(), 6);
  EXPECT_EQ(Provider(h.Status(), "openai").circuit_state(),
            pb::CIRCUIT_STATE_CLOSED);
  EXPECT_EQ(h.Status().state(), pb::SERVING_STATE_SERVING);
  std::vector<std::string> transitions;
  for (const auto& e : h.audit().Events()) {
    const std::string type = e["type"];
    if (absl::StartsWith(type, "circuit_")) transitions.push_back(type);
  }
  EXPECT_EQ(transitions,
            (std::vector<std::string>{"circuit_open", "circuit_half_open",
                                      "circuit_closed"}));
  dead.Stop();
}

TEST(CircuitTest, CallerErrorsDoNotOpenTheCircuit) {
  GatewayHarness h(ResilientEnv({{"LLMGW_FAILURE_THRESHOLD", "2"}}));
  h.upstream().Enqueue(Behavior::HttpError(400).Times(5));
  for (int i = 0; i < 5; ++i) {
    pb::GenerateResponse response;
    EXPECT_EQ(
        h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response)
            .error_code(),
        grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(Provider(h.Status(), "openai").circuit_state(),
            pb::CIRCUIT_STATE_CLOSED);
  EXPECT_TRUE(h.audit().EventsOfType("circuit_open").empty());
}

// Issue 11: a provider with no fallback is never locked out for a whole
// cooldown. When it is a call's only option its open circuit lets one call
// through at once as the probe; concurrent calls fail fast saying why.
TEST(CircuitTest, OpenCircuitWithNoFallbackProbesAtOnceOneAtATime) {
  GatewayHarness h(ResilientEnv({{"LLMGW_FAILURE_THRESHOLD", "2"},
                                 {"LLMGW_MAX_RETRIES", "0"},
                                 {"LLMGW_CIRCUIT_COOLDOWN", "300"}}));
  h.upstream().Enqueue(Behavior::HttpError(503).Times(2));
  for (int i = 0; i < 2; ++i) {
    pb::GenerateResponse response;
    EXPECT_EQ(
        h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response)
            .error_code(),
        grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_EQ(Provider(h.Status(), "openai").circuit_state(),
            pb::CIRCUIT_STATE_OPEN);
  // The probe hangs for a moment; a concurrent call fails fast meanwhile.
  h.upstream().Enqueue(Behavior::Ok().WithDelay(absl::Milliseconds(500)));
  std::thread probe_call([&] {
    pb::GenerateResponse response;
    grpc::Status s =
        h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
  });
  ASSERT_TRUE(h.upstream().WaitForRequests(3, absl::Seconds(5)));
  const absl::Time start = absl::Now();
  grpc::Status s = h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(
      s.error_message(),
      "openai/gpt-4o-mini: skipped: circuit half_open: a probe call is "
      "already in flight"))
      << s.error_message();
  probe_call.join();
  // The probe's success closed the circuit, minutes before the cooldown.
  EXPECT_EQ(Provider(h.Status(), "openai").circuit_state(),
            pb::CIRCUIT_STATE_CLOSED);
  EXPECT_TRUE(
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini")).ok());
  EXPECT_EQ(h.upstream().RequestCount(), 4);
  EXPECT_EQ(h.Status().state(), pb::SERVING_STATE_SERVING);
}

}  // namespace
}  // namespace llmgw::testing
