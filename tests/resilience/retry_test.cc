// Retries with exponential backoff through the real gateway: transient
// failures are retried inside the caller's deadline, the attempts trail says
// exactly what happened, and cancellation stops a pending backoff.
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "registry/key_fingerprint.h"
#include "tests/gateway_harness.h"
#include "tests/resilience/resilience_env.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

constexpr char kKey[] = "sk-test-key-0123456789";

TEST(RetryTest, ServerErrorsAreRetriedThenSucceed) {
  GatewayHarness h(ResilientEnv());
  h.upstream().Enqueue(Behavior::HttpError(500).Times(2));
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.text(), "Echo: hi");
  ASSERT_EQ(response.attempts_size(), 3);
  const std::string fp = KeyFingerprint(kKey);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(response.attempts(i).provider(), "openai");
    EXPECT_EQ(response.attempts(i).model(), "gpt-4o-mini");
    EXPECT_EQ(response.attempts(i).key_fingerprint(), fp);
  }
  EXPECT_EQ(response.attempts(0).outcome(),
            pb::ATTEMPT_OUTCOME_TRANSIENT_ERROR);
  EXPECT_EQ(response.attempts(0).http_status(), 500);
  EXPECT_EQ(response.attempts(1).outcome(),
            pb::ATTEMPT_OUTCOME_TRANSIENT_ERROR);
  EXPECT_TRUE(
      absl::StartsWith(response.attempts(1).detail(), "retry 1/3 after "))
      << response.attempts(1).detail();
  EXPECT_EQ(response.attempts(2).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  EXPECT_TRUE(
      absl::StartsWith(response.attempts(2).detail(), "retry 2/3 after "))
      << response.attempts(2).detail();
  EXPECT_EQ(h.upstream().RequestCount(), 3);
  // Audit: two errors, two retries with their delays inside the jitter range.
  auto retries = h.audit().EventsOfType("llm_retry");
  ASSERT_EQ(retries.size(), 2u);
  EXPECT_EQ(retries[0]["retry"], 1);
  EXPECT_EQ(retries[0]["provider"], "openai");
  EXPECT_EQ(retries[0]["key"], fp);
  EXPECT_GE(retries[0]["delay_ms"].get<int64_t>(), 20);
  EXPECT_LE(retries[0]["delay_ms"].get<int64_t>(), 40);
  EXPECT_GE(retries[1]["delay_ms"].get<int64_t>(), 40);
  EXPECT_LE(retries[1]["delay_ms"].get<int64_t>(), 80);
  EXPECT_EQ(h.audit().EventsOfType("llm_error").size(), 2u);
  for (const auto& e : h.audit().Events()) {
    EXPECT_FALSE(absl::StrContains(e.dump(), kKey)) << e.dump();
  }
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(RetryTest, GivesUpAfterMaxRetries) {
  GatewayHarness h(ResilientEnv({{"LLMGW_MAX_RETRIES", "2"}}));
  h.upstream().Enqueue(Behavior::HttpError(503).Times(10));
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "all 3 attempt(s) failed: "))
      << s.error_message();
  EXPECT_TRUE(absl::EndsWith(s.error_message(), "(gave up after 2 retries)"))
      << s.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), 3);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
}

TEST(RetryTest, ClientErrorsAreNotRetried) {
  GatewayHarness h(ResilientEnv());
  h.upstream().Enqueue(Behavior::HttpError(400));
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_TRUE(h.audit().EventsOfType("llm_retry").empty());
}

TEST(RetryTest, HangPastTheReadTimeoutIsATimeoutThenRetried) {
  GatewayHarness h(ResilientEnv({{"LLMGW_OPENAI_READ_TIMEOUT", "0.2"}}));
  h.upstream().Enqueue(Behavior::Hang(absl::Seconds(10)));
  const absl::Time start = absl::Now();
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  ASSERT_EQ(response.attempts_size(), 2);
  EXPECT_EQ(response.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_TIMEOUT);
  EXPECT_GE(response.attempts(0).latency_ms(), 200);
  EXPECT_LT(response.attempts(0).latency_ms(), 1000);
  EXPECT_TRUE(absl::StrContains(response.attempts(0).detail(), "read_timeout"))
      << response.attempts(0).detail();
  EXPECT_EQ(response.attempts(1).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  // The hung connection was closed by the gateway.
  EXPECT_TRUE(h.upstream().WaitForDisconnects(1, absl::Seconds(3)));
}

TEST(RetryTest, ConnectionResetIsRetried) {
  GatewayHarness h(ResilientEnv());
  // The first upstream request runs on a fresh connection, so libcurl does
  // not replay it by itself: one reset, one retry.
  h.upstream().Enqueue(Behavior::Reset());
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.attempts_size(), 2);
  EXPECT_EQ(response.attempts(0).outcome(),
            pb::ATTEMPT_OUTCOME_TRANSIENT_ERROR);
  EXPECT_EQ(response.attempts(0).http_status(), 0);
  EXPECT_EQ(response.attempts(1).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  EXPECT_EQ(h.upstream().RequestCount(), 2);
}

TEST(RetryTest, NoRetryStartsThatCannotFinishBeforeTheDeadline) {
  // Backoff of at least 1 s; the caller allows 600 ms: the call ends at once
  // UNAVAILABLE with the real cause, not DEADLINE_EXCEEDED after waiting.
  GatewayHarness h(
      ResilientEnv({{"LLMGW_BASE_DELAY", "2"}, {"LLMGW_MAX_DELAY", "30"}}));
  h.upstream().Enqueue(Behavior::HttpError(503));
  const absl::Time start = absl::Now();
  pb::GenerateResponse response;
  grpc::Status s = h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"),
                              &response, absl::Milliseconds(600));
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_LT(took, absl::Milliseconds(400));
  EXPECT_TRUE(absl::StrContains(s.error_message(), "HTTP 503"))
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(),
                                "backoff plus another attempt would not finish "
                                "before the deadline"))
      << s.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_TRUE(h.audit().EventsOfType("llm_retry").empty());
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(RetryTest, CancelDuringBackoffStopsTheRetry) {
  GatewayHarness h(
      ResilientEnv({{"LLMGW_BASE_DELAY", "0.6"}, {"LLMGW_MAX_DELAY", "0.6"}}));
  h.upstream().Enqueue(Behavior::HttpError(503));
  grpc::ClientContext context;
  pb::GenerateResponse response;
  grpc::Status status;
  absl::Notification done;
  // Outlives the call: the test waits for its completion below.
  const pb::GenerateRequest request =
      GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  h.stub().async()->Generate(&context, &request, &response,
                             [&](grpc::Status s) {
                               status = s;
                               done.Notify();
                             });
  // The retry is scheduled (backoff 300-600 ms)...
  ASSERT_TRUE(Eventually(
      [&] { return h.audit().EventsOfType("llm_retry").size() == 1; }));
  const absl::Time cancelled_at = absl::Now();
  context.TryCancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(3)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(absl::Now() - cancelled_at, absl::Milliseconds(250));
  // ...and never runs: wait past the longest backoff.
  absl::SleepFor(absl::Milliseconds(800));
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(RetryTest, CancelDuringAnAttemptClosesTheUpstreamAndNothingFollows) {
  GatewayHarness h(
      ResilientEnv({{"FIREWORKS_API_KEY", "fw-key"},
                    {"FIREWORKS_API_BASE", GatewayHarness::kFakeBaseUrl},
                    {"CHAT_PROVIDER", "openai"}}));
  h.upstream().Enqueue(Behavior::Trickle(absl::Seconds(20)));
  grpc::ClientContext context;
  pb::GenerateResponse response;
  grpc::Status status;
  absl::Notification done;
  // Outlives the call: the test waits for its completion below.
  const pb::GenerateRequest request = GatewayHarness::UserRequest("hi");
  h.stub().async()->Generate(&context, &request, &response,
                             [&](grpc::Status s) {
                               status = s;
                               done.Notify();
                             });
  ASSERT_TRUE(h.upstream().WaitForRequests(1, absl::Seconds(5)));
  context.TryCancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(3)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(h.upstream().WaitForDisconnects(1, absl::Seconds(3)));
  EXPECT_EQ(h.upstream().RequestCount(), 1);  // no retry, no fallback
  EXPECT_TRUE(h.audit().EventsOfType("llm_error").empty());
  EXPECT_TRUE(h.audit().EventsOfType("cascade").empty());
  // A cancelled call does not count against the provider.
  const pb::StatusResponse status_now = h.Status();
  bool found = false;
  for (const auto& p : status_now.providers()) {
    if (p.name() != "openai") continue;
    found = true;
    EXPECT_EQ(p.circuit_state(), pb::CIRCUIT_STATE_CLOSED);
    ASSERT_EQ(p.keys_size(), 1);
    EXPECT_EQ(p.keys(0).failure_count(), 0);
    EXPECT_EQ(p.keys(0).state(), pb::KEY_STATE_HEALTHY);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace llmgw::testing
