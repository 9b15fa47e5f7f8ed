// Generate, GenerateStream, Status, Budget and health through the real
// gateway, against a real OpenAI-wire-format server on loopback.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "budget/pricing.h"
#include "gtest/gtest.h"
#include "registry/key_fingerprint.h"
#include "tests/gateway_harness.h"
#include "tests/grpc_health/health.grpc.pb.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

constexpr char kKey[] = "sk-test-key-0123456789";

int64_t ExpectedCost(GatewayHarness& h, const std::string& provider,
                     const std::string& model, int64_t in, int64_t out) {
  return h.CatalogCost(provider, model, in, out);
}

TEST(GenerateTest, AnswersFromTheUpstreamWithUsageCostAndAttempts) {
  GatewayHarness h;
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("hello there gateway", "gpt-4o-mini");
  pb::ChatMessage* system = request.add_messages();
  system->set_role(pb::ROLE_SYSTEM);
  system->set_content("be brief");
  request.set_max_tokens(50);
  request.set_temperature(0.5);
  request.add_stop("END");
  request.set_request_id("req-42");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // The fake counts words: 3 + 2 (system) in, 4 out.
  h.ExpectAnswer(response, {"Echo: hello there gateway", 5, 4, "openai",
                            "gpt-4o-mini", "req-42", kKey});

  // What went over the wire.
  auto sent = h.upstream().LastRequest();
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->method, "POST");
  EXPECT_EQ(sent->path, "/v1/chat/completions");
  EXPECT_EQ(sent->Header("authorization"), std::string("Bearer ") + kKey);
  nlohmann::json body = sent->JsonBody();
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(body["messages"][1]["role"], "system");
  // OpenAI itself takes max_completion_tokens (max_tokens is deprecated).
  EXPECT_EQ(body["max_completion_tokens"], 50);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.5);
  EXPECT_EQ(body["stop"][0], "END");
  EXPECT_FALSE(body.contains("top_p"));
  EXPECT_FALSE(body.value("stream", false));
}

TEST(GenerateTest, EmptyModelUsesThePrimaryDefault) {
  GatewayHarness h({{"OPENAI_API_KEY", kKey}, {"OPENAI_MODEL", "gpt-4o-mini"}});
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(GatewayHarness::UserRequest("hi"), &response).ok());
  EXPECT_EQ(response.model(), "gpt-4o-mini");
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["model"], "gpt-4o-mini");
}

TEST(GenerateTest, MaxTokensTruncationIsFinishReasonLength) {
  GatewayHarness h;
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("one two three four five", "gpt-4o-mini");
  request.set_max_tokens(2);
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(request, &response).ok());
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_LENGTH);
  EXPECT_EQ(response.usage().output_tokens(), 2);
}

TEST(GenerateStreamTest, DeltasThenSummaryWithUsage) {
  GatewayHarness h;
  auto result =
      h.Stream(GatewayHarness::UserRequest("stream me please", "gpt-4o-mini"));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: stream me please");
  EXPECT_GE(result.deltas.size(), 1u);
  ASSERT_TRUE(result.has_summary);
  EXPECT_EQ(result.summary.finish_reason(), pb::FINISH_REASON_STOP);
  EXPECT_EQ(result.summary.usage().input_tokens(), 3);
  EXPECT_EQ(result.summary.usage().output_tokens(), 4);
  EXPECT_FALSE(result.summary.usage().estimated());
  EXPECT_EQ(result.summary.cost_nano_usd(),
            ExpectedCost(h, "openai", "gpt-4o-mini", 3, 4));
  EXPECT_EQ(result.summary.provider(), "openai");
  ASSERT_EQ(result.summary.attempts_size(), 1);
  nlohmann::json body = h.upstream().LastRequest()->JsonBody();
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
}

TEST(GenerateStreamTest, DeltasArriveBeforeTheUpstreamFinishes) {
  GatewayHarness h;
  h.upstream().Enqueue(
      Behavior::Ok().WithDeltaInterval(absl::Milliseconds(150)));
  grpc::ClientContext context;
  auto reader = h.stub().GenerateStream(
      &context, GatewayHarness::UserRequest("a b c d", "gpt-4o-mini"));
  pb::GenerateStreamEvent event;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(reader->Read(&event));
  ASSERT_TRUE(event.has_delta());
  // Six words at 150 ms each: the first delta must not wait for the rest.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(600));
  while (reader->Read(&event)) {
  }
  EXPECT_TRUE(reader->Finish().ok());
}

TEST(GenerateTest, ConcurrentCallsReachASlowPlainHttpUpstreamInParallel) {
  // A plain-http upstream (like a local Ollama) is HTTP/1.1: concurrent calls
  // need parallel connections at once, not a wait behind the first reply.
  GatewayHarness h;
  h.upstream().SetDefault(Behavior::Ok().WithDelay(absl::Seconds(3)));
  constexpr int kCalls = 8;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<pb::GenerateResponse> responses(kCalls);
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  std::atomic<int> ok{0};
  absl::BlockingCounter done(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    h.stub().async()->Generate(contexts.back().get(), &request, &responses[i],
                               [&](grpc::Status s) {
                                 if (s.ok()) ++ok;
                                 done.DecrementCount();
                               });
  }
  // All of them are at the upstream while the first is still being answered.
  EXPECT_TRUE(h.upstream().WaitForRequests(kCalls, absl::Seconds(2)))
      << h.upstream().RequestCount() << " of " << kCalls;
  done.Wait();
  EXPECT_EQ(ok.load(), kCalls);
}

TEST(StatusTest, ReportsProviderKeysAsFingerprintsAndChain) {
  GatewayHarness h;
  pb::StatusResponse status = h.Status();
  EXPECT_EQ(status.state(), pb::SERVING_STATE_SERVING);
  EXPECT_EQ(status.primary_provider(), "openai");
  ASSERT_EQ(status.fallback_chain_size(), 1);
  EXPECT_EQ(status.fallback_chain(0), "openai");
  EXPECT_FALSE(status.version().empty());
  bool found = false;
  for (const pb::ProviderStatus& p : status.providers()) {
    if (p.name() == "openai") {
      found = true;
      EXPECT_TRUE(p.available());
      EXPECT_TRUE(p.in_fallback_chain());
      EXPECT_EQ(p.base_url(), h.upstream().base_url("openai"));
      ASSERT_EQ(p.keys_size(), 1);
      EXPECT_EQ(p.keys(0).fingerprint(), KeyFingerprint(kKey));
      EXPECT_GT(p.models_size(), 0);
    } else if (p.name() == "anthropic" || p.name() == "groq") {
      EXPECT_FALSE(p.available());
      EXPECT_FALSE(p.unavailable_reason().empty());
    }
  }
  EXPECT_TRUE(found);
  // The key itself appears nowhere in the response.
  EXPECT_EQ(status.DebugString().find("0123456789"), std::string::npos);
}

TEST(BudgetTest, ReportsWhatGenerateCommitted) {
  GatewayHarness h;
  int64_t total = 0;
  for (const char* text : {"first call", "second call here"}) {
    pb::GenerateResponse response;
    ASSERT_TRUE(
        h.Generate(GatewayHarness::UserRequest(text, "gpt-4o-mini"), &response)
            .ok());
    total += response.cost_nano_usd();
  }
  auto streamed = h.Stream(GatewayHarness::UserRequest("third", "gpt-4o-mini"));
  ASSERT_TRUE(streamed.status.ok());
  total += streamed.summary.cost_nano_usd();

  pb::BudgetResponse budget = h.Budget();
  EXPECT_EQ(budget.scope(), "global");
  EXPECT_TRUE(budget.unlimited());
  EXPECT_EQ(budget.spent_nano_usd(), total);
  EXPECT_EQ(budget.lifetime_spent_nano_usd(), total);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(budget.open_reservations(), 0);
  EXPECT_EQ(budget.window_length_seconds(), 3600);
  ASSERT_EQ(budget.breakdown_size(), 1);
  EXPECT_EQ(budget.breakdown(0).calls(), 3);
}

TEST(BudgetTest, RefusesWhatTheBudgetCannotCover) {
  GatewayConfig config;
  config.budget.hourly_budget_nano_usd = 1;  // one nano-USD
  GatewayHarness h({{"OPENAI_API_KEY", kKey}}, config);
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("left"), std::string::npos);
  EXPECT_EQ(h.upstream().RequestCount(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(HealthTest, ServingWithAProviderNotServingWithout) {
  {
    GatewayHarness h;
    auto health = grpc::health::v1::Health::NewStub(h.channel());
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok());
    EXPECT_EQ(response.status(),
              grpc::health::v1::HealthCheckResponse::SERVING);
  }
  {
    GatewayHarness h(std::map<std::string, std::string>{});
    auto health = grpc::health::v1::Health::NewStub(h.channel());
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("llmgateway.v1.LlmGateway");
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok());
    EXPECT_EQ(response.status(),
              grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    pb::StatusResponse status = h.Status();
    EXPECT_EQ(status.state(), pb::SERVING_STATE_NOT_SERVING);
    EXPECT_NE(status.state_reason().find("OPENAI_API_KEY"), std::string::npos);
    pb::GenerateResponse generated;
    grpc::Status refused =
        h.Generate(GatewayHarness::UserRequest("hi"), &generated);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_NE(refused.error_message().find("OPENAI_API_KEY"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace llmgw::testing
