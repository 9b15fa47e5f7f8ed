// Hostile reply bodies (issue 11): a 30 MB deeply nested JSON reply used to
// stall the event loop 24.5 s and take RSS to 2.09 GB (DOM parse on the loop
// thread), and 50 MB chunked replies left RSS at 90-142 MB. Now bodies are
// bounded while they arrive (per call and across calls) and JSON is
// pre-scanned for size and depth before any parse.
//
// The loop stall is measured as the worst latency of ordinary calls made
// while the hostile one is in flight (they share the one event loop). RSS
// is this process's (gateway and fake upstream share it; the fake's copy of
// the body is included).
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"
#include "tests/resilience/resilience_env.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

int64_t RssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      int64_t kb = 0;
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') digits.push_back(c);
      }
      if (absl::SimpleAtoi(digits, &kb)) return kb / 1024;
    }
  }
  return -1;
}

std::string Nested(size_t bytes) {
  return std::string(bytes / 2, '[') + std::string(bytes / 2, ']');
}

struct Measured {
  grpc::Status status;
  absl::Duration took;
  absl::Duration worst_concurrent;
  int concurrent_calls = 0;
};

// Runs one call that meets `hostile`, and ordinary calls meanwhile.
Measured RunHostile(GatewayHarness& h, Behavior hostile) {
  const int64_t before = h.upstream().RequestCount();
  h.upstream().Enqueue(std::move(hostile));
  Measured m;
  const absl::Time start = absl::Now();
  std::atomic<bool> done{false};
  std::thread call([&] {
    m.status = h.Generate(GatewayHarness::UserRequest("hostile"), nullptr,
                          absl::Seconds(60));
    m.took = absl::Now() - start;
    done = true;
  });
  EXPECT_TRUE(h.upstream().WaitForRequests(before + 1, absl::Seconds(10)));
  while (!done) {
    const absl::Time t = absl::Now();
    EXPECT_TRUE(h.Generate(GatewayHarness::UserRequest("ordinary")).ok());
    m.worst_concurrent = std::max(m.worst_concurrent, absl::Now() - t);
    ++m.concurrent_calls;
  }
  call.join();
  return m;
}

TEST(HostileReplyTest, DeepNestingAndHugeBodiesNeitherStallNorBloat) {
  GatewayHarness h(ResilientEnv({{"LLMGW_MAX_RETRIES", "0"}}));
  ASSERT_TRUE(h.Generate(GatewayHarness::UserRequest("warm up")).ok());
  const int64_t rss_start = RssMb();

  // 30 MB of nesting with a Content-Length: refused from the headers.
  Behavior nested30 = Behavior::Malformed();
  nested30.body = Nested(30 << 20);
  Measured m = RunHostile(h, std::move(nested30));
  std::cout << "30 MB nested: " << m.status.error_message() << " after "
            << m.took << "; worst concurrent call " << m.worst_concurrent
            << " over " << m.concurrent_calls << " calls; RSS " << RssMb()
            << " MB (start " << rss_start << " MB)\n";
  EXPECT_EQ(m.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(m.status.error_message(), "response_too_large"))
      << m.status.error_message();
  EXPECT_LT(m.took, absl::Seconds(3));
  EXPECT_LT(m.worst_concurrent, absl::Seconds(1));

  // 7 MB of nesting, under the body cap: refused by the depth pre-scan.
  Behavior nested7 = Behavior::Malformed();
  nested7.body = Nested(7 << 20);
  m = RunHostile(h, std::move(nested7));
  std::cout << "7 MB nested: " << m.status.error_message().substr(0, 160)
            << " after " << m.took << "; worst concurrent call "
            << m.worst_concurrent << " over " << m.concurrent_calls
            << " calls; RSS " << RssMb() << " MB\n";
  EXPECT_EQ(m.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(m.took, absl::Seconds(3));
  EXPECT_LT(m.worst_concurrent, absl::Seconds(1));

  // Three 50 MB chunked replies: cut as they arrive, at the per-call cap.
  for (int i = 0; i < 3; ++i) {
    Behavior big = Behavior::Trickle(absl::ZeroDuration());
    big.text = std::string(50 << 20, 'a');
    m = RunHostile(h, std::move(big));
    EXPECT_EQ(m.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(
        absl::StrContains(m.status.error_message(), "response_too_large"))
        << m.status.error_message();
  }
  const int64_t rss_end = RssMb();
  std::cout << "after 3 x 50 MB chunked: " << m.status.error_message()
            << "; worst concurrent call " << m.worst_concurrent << "; RSS "
            << rss_end << " MB (start " << rss_start << " MB)\n";
  EXPECT_LT(m.worst_concurrent, absl::Seconds(1));
}

}  // namespace
}  // namespace llmgw::testing
