// Streams through the real gateway: a stream that stalls after output ends
// on the idle timeout with its cost; one silent before its first token times
// out and is retried or failed over; a stream broken after output is never
// retried, and the error carries usage and cost in trailing metadata.
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"
#include "tests/resilience/resilience_env.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

TEST(StreamResilienceTest, StallAfterOutputEndsOnTheIdleTimeoutWithItsCost) {
  GatewayHarness h(ResilientEnv({{"LLMGW_STREAM_IDLE_TIMEOUT", "0.3"}}));
  h.upstream().Enqueue(Behavior::StallStream(1, absl::Seconds(10)));
  const absl::Time start = absl::Now();
  auto result = h.Stream(
      GatewayHarness::UserRequest("one two three four", "gpt-4o-mini"));
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StartsWith(result.status.error_message(),
                               "stream broke after output had started: "
                               "openai/gpt-4o-mini"))
      << result.status.error_message();
  EXPECT_TRUE(absl::StrContains(result.status.error_message(),
                                "timeout HTTP 200: stream idle for 300ms after "
                                "output had started"))
      << result.status.error_message();
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Seconds(3));
  EXPECT_EQ(result.deltas.size(), 1u);
  EXPECT_FALSE(result.has_summary);
  // The stalled upstream connection is closed; no retry after output.
  EXPECT_TRUE(h.upstream().WaitForDisconnects(1, absl::Seconds(3)));
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_TRUE(h.audit().EventsOfType("llm_retry").empty());
  const int64_t spent = h.Budget().spent_nano_usd();
  EXPECT_GT(spent, 0);
  EXPECT_EQ(result.trailer_map["llmgw-cost-nano-usd"], std::to_string(spent));
  EXPECT_GT(std::stoll(result.trailer_map["llmgw-output-tokens"]), 0);
  EXPECT_GT(std::stoll(result.trailer_map["llmgw-input-tokens"]), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(StreamResilienceTest, NoFirstTokenInTimeIsATimeoutThenRetried) {
  // Keep-alive bytes keep the read timeout happy, but no token arrives.
  GatewayHarness h(ResilientEnv({{"LLMGW_FIRST_TOKEN_TIMEOUT", "0.3"}}));
  h.upstream().Enqueue(Behavior::Trickle(absl::Seconds(10)));
  auto result =
      h.Stream(GatewayHarness::UserRequest("hi there", "gpt-4o-mini"));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: hi there");
  ASSERT_TRUE(result.has_summary);
  ASSERT_EQ(result.summary.attempts_size(), 2);
  EXPECT_EQ(result.summary.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_TIMEOUT);
  EXPECT_EQ(result.summary.attempts(0).detail(), "no first token within 300ms");
  EXPECT_GE(result.summary.attempts(0).latency_ms(), 300);
  EXPECT_EQ(result.summary.attempts(1).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  EXPECT_TRUE(h.upstream().WaitForDisconnects(1, absl::Seconds(3)));
  EXPECT_EQ(h.upstream().RequestCount(), 2);
}

TEST(StreamResilienceTest, NoFirstTokenFailsOverToTheNextProvider) {
  GatewayHarness h(
      ResilientEnv({{"OPENAI_API_KEY", "sk-openai"},
                    {"FIREWORKS_API_KEY", "fw-key"},
                    {"FIREWORKS_API_BASE", GatewayHarness::kFakeBaseUrl},
                    {"CHAT_PROVIDER", "openai"},
                    {"LLMGW_OPENAI_FIRST_TOKEN_TIMEOUT", "0.3"}}));
  h.upstream().Enqueue(
      Behavior::Trickle(absl::Seconds(10)).ForKey("sk-openai"));
  auto result = h.Stream(GatewayHarness::UserRequest("hi there"));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.summary.provider(), "fireworks");
  ASSERT_EQ(result.summary.attempts_size(), 2);
  EXPECT_EQ(result.summary.attempts(0).provider(), "openai");
  EXPECT_EQ(result.summary.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_TIMEOUT);
  EXPECT_EQ(result.summary.attempts(1).provider(), "fireworks");
  auto cascades = h.audit().EventsOfType("cascade");
  ASSERT_EQ(cascades.size(), 1u);
  EXPECT_EQ(cascades[0]["from"], "openai/gpt-4o");
  EXPECT_EQ(cascades[0]["provider"], "fireworks");
  EXPECT_TRUE(absl::StartsWith(cascades[0]["reason"].get<std::string>(),
                               "timeout HTTP 200: no first token within 300ms"))
      << cascades[0].dump();
}

TEST(StreamResilienceTest, BrokenAfterOutputIsNeverRetriedAndReportsCost) {
  GatewayHarness h(
      ResilientEnv({{"OPENAI_API_KEY", "sk-openai"},
                    {"FIREWORKS_API_KEY", "fw-key"},
                    {"FIREWORKS_API_BASE", GatewayHarness::kFakeBaseUrl},
                    {"CHAT_PROVIDER", "openai"}}));
  h.upstream().Enqueue(Behavior::CutStream(2));
  auto result =
      h.Stream(GatewayHarness::UserRequest("one two three four five six"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StartsWith(result.status.error_message(),
                               "stream broke after output had started: "))
      << result.status.error_message();
  EXPECT_EQ(result.deltas.size(), 2u);
  EXPECT_EQ(h.upstream().RequestCount(), 1);  // no retry, no fallback
  EXPECT_TRUE(h.audit().EventsOfType("cascade").empty());
  EXPECT_TRUE(h.audit().EventsOfType("llm_retry").empty());
  const int64_t spent = h.Budget().spent_nano_usd();
  EXPECT_GT(spent, 0);
  EXPECT_EQ(result.trailer_map["llmgw-cost-nano-usd"], std::to_string(spent));
  EXPECT_GT(std::stoll(result.trailer_map["llmgw-output-tokens"]), 0);
}

TEST(StreamResilienceTest, ServerErrorBeforeOutputIsRetried) {
  GatewayHarness h(ResilientEnv());
  h.upstream().Enqueue(Behavior::HttpError(502));
  auto result =
      h.Stream(GatewayHarness::UserRequest("hi there", "gpt-4o-mini"));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: hi there");
  ASSERT_EQ(result.summary.attempts_size(), 2);
  EXPECT_EQ(result.summary.attempts(0).http_status(), 502);
  EXPECT_TRUE(
      absl::StartsWith(result.summary.attempts(1).detail(), "retry 1/3"));
}

}  // namespace
}  // namespace llmgw::testing
