// Circuit transitions on a fake clock.
#include "resilience/circuit_breaker.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(CircuitBreakerTest, OpensAfterThresholdConsecutiveFailures) {
  CircuitBreaker cb(CircuitBreakerConfig{});  // 5 failures, 300 s
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(cb.Allow(kT0));
    EXPECT_FALSE(cb.RecordFailure(kT0));
  }
  EXPECT_EQ(cb.State(kT0), CircuitState::kClosed);
  ASSERT_TRUE(cb.Allow(kT0));
  auto t = cb.RecordFailure(kT0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, CircuitState::kClosed);
  EXPECT_EQ(t->to, CircuitState::kOpen);
  EXPECT_FALSE(cb.Allow(kT0));
  EXPECT_FALSE(cb.Allow(kT0 + absl::Seconds(299)));
  EXPECT_EQ(cb.State(kT0 + absl::Seconds(299)), CircuitState::kOpen);
}

TEST(CircuitBreakerTest, SuccessResetsTheCount) {
  CircuitBreaker cb(CircuitBreakerConfig{});
  for (int i = 0; i < 4; ++i) cb.RecordFailure(kT0);
  EXPECT_FALSE(cb.RecordSuccess());
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(cb.RecordFailure(kT0));
  EXPECT_EQ(cb.State(kT0), CircuitState::kClosed);
}

TEST(CircuitBreakerTest, HalfOpenLetsOneProbeThrough) {
  CircuitBreakerConfig c;
  c.failure_threshold = 2;
  c.cooldown = absl::Seconds(10);
  CircuitBreaker cb(c);
  cb.RecordFailure(kT0);
  cb.RecordFailure(kT0);
  const absl::Time later = kT0 + absl::Seconds(10);
  EXPECT_EQ(cb.State(later), CircuitState::kHalfOpen);
  std::optional<CircuitBreaker::Transition> t;
  ASSERT_TRUE(cb.Allow(later, &t));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, CircuitState::kOpen);
  EXPECT_EQ(t->to, CircuitState::kHalfOpen);
  // Only one probe at a time.
  EXPECT_FALSE(cb.Allow(later));
  // The probe fails: open again for a full cooldown.
  auto reopened = cb.RecordFailure(later);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->from, CircuitState::kHalfOpen);
  EXPECT_EQ(reopened->to, CircuitState::kOpen);
  EXPECT_FALSE(cb.Allow(later + absl::Seconds(9)));
  ASSERT_TRUE(cb.Allow(later + absl::Seconds(10)));
  // A neutral outcome frees the probe slot without deciding.
  cb.RecordNeutral();
  EXPECT_EQ(cb.State(later + absl::Seconds(10)), CircuitState::kHalfOpen);
  ASSERT_TRUE(cb.Allow(later + absl::Seconds(10)));
  auto closed = cb.RecordSuccess();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->from, CircuitState::kHalfOpen);
  EXPECT_EQ(closed->to, CircuitState::kClosed);
  EXPECT_TRUE(cb.Allow(later + absl::Seconds(10)));
  EXPECT_TRUE(cb.Allow(later + absl::Seconds(10)));
  EXPECT_EQ(cb.consecutive_failures(), 0);
}

}  // namespace
}  // namespace llmgw
