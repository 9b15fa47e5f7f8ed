// Attempt time budgets against hung and dripping upstreams (issue 11).
//
// Before: the read timer re-armed on every byte, so an upstream dripping a
// byte every 500 ms was never cut (a call without deadline hung until the
// drip ended; one with a deadline ended DEADLINE_EXCEEDED without failing
// over), and a hung primary with the default 60 s read timeout never failed
// over inside a 15 s caller deadline.
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"
#include "tests/resilience/resilience_env.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;

// 200 at once, then one byte every 500 ms for a minute, then the body.
Behavior Drip() {
  Behavior b = Behavior::Trickle(absl::Seconds(60));
  b.keep_alive_interval = absl::Milliseconds(500);
  return b;
}

TEST(AttemptBudgetTest, DripWithoutFallbackEndsWithAClearErrorInBoundedTime) {
  GatewayHarness h(ResilientEnv({{"LLMGW_MAX_RETRIES", "0"}}));
  h.upstream().SetDefault(Drip());
  pb::GenerateResponse response;
  const absl::Time start = absl::Now();
  // A deadline far beyond the drip's length: only the gateway can cut it.
  grpc::Status s = h.Generate(GatewayHarness::UserRequest("hi"), &response,
                              absl::Seconds(90));
  const absl::Duration took = absl::Now() - start;
  std::cout << "drip cut after " << took << ": " << s.error_message() << "\n";
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "too_slow"))
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "below the minimum rate"))
      << s.error_message();
  // One rate window (10 s by default), not the drip's minute.
  EXPECT_LT(took, absl::Seconds(25));
}

struct Chain {
  FakeUpstream primary;
  std::unique_ptr<GatewayHarness> h;
  explicit Chain(Behavior primary_behavior) {
    EXPECT_TRUE(primary.Start().ok());
    primary.SetDefault(std::move(primary_behavior));
    // Default timeouts (read 60 s, first token 60 s); openai then fireworks.
    h = std::make_unique<GatewayHarness>(
        ResilientEnv({{"OPENAI_API_KEY", "sk-openai-0123456789"},
                      {"OPENAI_API_BASE", primary.base_url("openai")},
                      {"FIREWORKS_API_KEY", "fw-key-0123456789"},
                      {"FIREWORKS_API_BASE", GatewayHarness::kFakeBaseUrl},
                      {"CHAT_PROVIDER", "openai"},
                      {"LLMGW_FALLBACK_CHAIN", "openai,fireworks"}}));
  }
};

void ExpectFailoverInTime(absl::Duration took,
                          const pb::Attempt& first_attempt) {
  EXPECT_LT(took, absl::Seconds(15));
  EXPECT_EQ(first_attempt.provider(), "openai");
  EXPECT_EQ(first_attempt.outcome(), pb::ATTEMPT_OUTCOME_TIMEOUT);
  EXPECT_TRUE(absl::StrContains(first_attempt.detail(),
                                "share of the caller's deadline"))
      << first_attempt.detail();
}

TEST(AttemptBudgetTest, HungPrimaryFailsOverInsideA15sDeadline) {
  Chain chain(Behavior::Hang(absl::Seconds(60)));
  pb::GenerateResponse response;
  const absl::Time start = absl::Now();
  grpc::Status s = chain.h->Generate(GatewayHarness::UserRequest("hi"),
                                     &response, absl::Seconds(15));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.provider(), "fireworks");
  ASSERT_EQ(response.attempts_size(), 2);
  std::cout << "hung primary: fallback answered after " << took
            << "; trail: " << response.attempts(0).detail() << "\n";
  ExpectFailoverInTime(took, response.attempts(0));
  EXPECT_TRUE(
      absl::StrContains(response.attempts(0).detail(), "attempt_timeout"))
      << response.attempts(0).detail();
}

TEST(AttemptBudgetTest, DrippingPrimaryFailsOverInsideA15sDeadline) {
  Chain chain(Drip());
  pb::GenerateResponse response;
  const absl::Time start = absl::Now();
  grpc::Status s = chain.h->Generate(GatewayHarness::UserRequest("hi"),
                                     &response, absl::Seconds(15));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.provider(), "fireworks");
  ASSERT_EQ(response.attempts_size(), 2);
  ExpectFailoverInTime(took, response.attempts(0));
}

TEST(AttemptBudgetTest, HungStreamingPrimaryFailsOverInsideA15sDeadline) {
  Chain chain(Behavior::Hang(absl::Seconds(60)));
  const absl::Time start = absl::Now();
  GatewayHarness::StreamResult r =
      chain.h->Stream(GatewayHarness::UserRequest("hi"), absl::Seconds(15));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  ASSERT_TRUE(r.has_summary);
  EXPECT_EQ(r.summary.provider(), "fireworks");
  ASSERT_EQ(r.summary.attempts_size(), 2);
  ExpectFailoverInTime(took, r.summary.attempts(0));
  EXPECT_TRUE(absl::StrContains(r.summary.attempts(0).detail(),
                                "no first token within"))
      << r.summary.attempts(0).detail();
}

}  // namespace
}  // namespace llmgw::testing
