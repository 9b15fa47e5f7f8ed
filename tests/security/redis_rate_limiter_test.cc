// The Redis rate limiter against a real redis-server on loopback: limits are
// shared by limiters of two "replicas", the token window counts recorded
// usage, and a hung Redis (SIGSTOP) delays an admission by at most the
// command timeout without ever blocking the event loop, after which the
// limiter fails open; once Redis answers again (SIGCONT) limits hold again.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "auth/rate_limiter.h"
#include "gtest/gtest.h"
#include "http/event_loop.h"
#include "tests/budget/redis_server.h"

namespace llmgw {
namespace {

using testing::RedisServer;

std::unique_ptr<http::EventLoop> MakeLoop() {
  auto loop = http::EventLoop::Create("rl-test-loop");
  EXPECT_TRUE(loop.ok()) << loop.status();
  return *std::move(loop);
}

// Admits once and waits for the verdict (the test thread is not the loop).
absl::Status AdmitAndWait(RateLimiter& limiter, const std::string& tenant,
                          const RateLimits& limits) {
  absl::Notification done;
  absl::Status verdict;
  limiter.Admit(tenant, limits, [&](absl::Status s) {
    verdict = std::move(s);
    done.Notify();
  });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  return verdict;
}

// Posts a task and measures how long the loop takes to run it.
absl::Duration LoopLatency(http::EventLoop& loop) {
  absl::Notification ran;
  const absl::Time start = absl::Now();
  loop.Post([&] { ran.Notify(); });
  EXPECT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(5)));
  return absl::Now() - start;
}

class RedisRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.Start().ok()); }
  RedisServer redis_;
};

TEST_F(RedisRateLimiterTest, RequestsPerMinuteAreSharedAcrossReplicas) {
  auto loop_a = MakeLoop();
  auto loop_b = MakeLoop();
  auto a = NewRedisRateLimiter(redis_.address(), "t1", loop_a.get());
  auto b = NewRedisRateLimiter(redis_.address(), "t1", loop_b.get());
  const RateLimits limits{3, 0};
  EXPECT_TRUE(AdmitAndWait(*a, "team", limits).ok());
  EXPECT_TRUE(AdmitAndWait(*b, "team", limits).ok());
  EXPECT_TRUE(AdmitAndWait(*a, "team", limits).ok());
  absl::Status refused = AdmitAndWait(*b, "team", limits);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_NE(refused.message().find("requests per minute"), std::string::npos) << refused;
  // Another tenant has its own window.
  EXPECT_TRUE(AdmitAndWait(*b, "other", limits).ok());
}

TEST_F(RedisRateLimiterTest, RecordedTokensCloseTheWindow) {
  auto loop = MakeLoop();
  auto limiter = NewRedisRateLimiter(redis_.address(), "t2", loop.get());
  const RateLimits limits{0, 100};
  EXPECT_TRUE(AdmitAndWait(*limiter, "team", limits).ok());
  limiter->RecordTokens("team", 150);
  // RecordTokens is fire and forget; commands are pipelined in order on one
  // connection, so the next admission sees it.
  absl::Status refused = AdmitAndWait(*limiter, "team", limits);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_NE(refused.message().find("tokens per minute"), std::string::npos) << refused;
}

TEST_F(RedisRateLimiterTest,
       HungRedisFailsOpenWithinTheTimeoutAndLoopStaysFree) {
  auto loop = MakeLoop();
  auto limiter = NewRedisRateLimiter(redis_.address(), "t3", loop.get());
  const RateLimits limits{1, 0};
  EXPECT_TRUE(AdmitAndWait(*limiter, "team", limits).ok());
  EXPECT_FALSE(AdmitAndWait(*limiter, "team", limits).ok());

  redis_.Pause();  // SIGSTOP: the socket stays open, nothing answers
  absl::Notification done;
  absl::Status verdict = absl::UnknownError("not called");
  const absl::Time start = absl::Now();
  absl::Duration took;
  limiter->Admit("team", limits, [&](absl::Status s) {
    took = absl::Now() - start;
    verdict = std::move(s);
    done.Notify();
  });
  // While the admission waits on Redis, the loop runs other work at once.
  EXPECT_LT(LoopLatency(*loop), absl::Milliseconds(200));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_TRUE(verdict.ok()) << "fails open: " << verdict;
  EXPECT_GE(took, absl::Milliseconds(400));  // the 500 ms command timeout
  EXPECT_LT(took, absl::Seconds(3));
  // While down, admissions do not wait at all.
  const absl::Time again = absl::Now();
  EXPECT_TRUE(AdmitAndWait(*limiter, "team", limits).ok());
  EXPECT_LT(absl::Now() - again, absl::Milliseconds(300));

  redis_.Resume();
  // The connection comes back (backoff from 100 ms) and limits hold again:
  // the window still has the request admitted before the stop.
  absl::Status status;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    absl::SleepFor(absl::Milliseconds(100));
    status = AdmitAndWait(*limiter, "team", limits);
  } while (status.ok() && absl::Now() < deadline);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
}

}  // namespace
}  // namespace llmgw
