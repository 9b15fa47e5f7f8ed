// A single-provider gateway after a burst of 500s (issue 11): with the old
// defaults (circuit cooldown fixed at 300 s) the sole provider stayed locked
// out for five minutes after it had recovered. Now its circuit is probed
// early when it is a call's only option, and probes back off from 5 s.
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

TEST(CircuitRecoveryTest, SixFiveHundredsThenRecoveryWithinSeconds) {
  // Default circuit settings (threshold 5); only openai is configured.
  GatewayHarness h(ResilientEnv());
  h.upstream().Enqueue(Behavior::HttpError(500).Times(6));
  // Burn the burst: calls fail while the 500s last.
  int calls = 0;
  while (h.upstream().RequestCount() < 6 && calls < 20) {
    ++calls;
    grpc::Status s = h.Generate(GatewayHarness::UserRequest("hi"));
    EXPECT_FALSE(s.ok());
  }
  ASSERT_EQ(h.upstream().RequestCount(), 6);
  ASSERT_FALSE(h.audit().EventsOfType("circuit_open").empty());
  // The upstream has recovered: calls must succeed again within seconds.
  const absl::Time recovered = absl::Now();
  grpc::Status last;
  pb::GenerateResponse response;
  while (absl::Now() - recovered < absl::Seconds(10)) {
    last = h.Generate(GatewayHarness::UserRequest("hi"), &response);
    if (last.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  const absl::Duration took = absl::Now() - recovered;
  ASSERT_TRUE(last.ok()) << "still failing " << took
                         << " after recovery: " << last.error_message();
  EXPECT_LT(took, absl::Seconds(6));
  EXPECT_EQ(response.provider(), "openai");
  std::cout << "burst of 6 x 500 over " << calls
            << " failed calls; first OK call " << took
            << " after the upstream recovered\n";
  // The circuit is closed again and said so.
  EXPECT_FALSE(h.audit().EventsOfType("circuit_closed").empty());
}

}  // namespace
}  // namespace llmgw::testing
