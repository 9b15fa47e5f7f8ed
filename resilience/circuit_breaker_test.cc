// Circuit transitions on a fake clock.
#include "resilience/circuit_breaker.h"

#include <vector>

#include "gtest/gtest.h"

namespace llmgw {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(CircuitBreakerTest, OpensAfterThresholdConsecutiveFailures) {
  CircuitBreaker cb(CircuitBreakerConfig{});  // 5 failures, 5 s
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
  EXPECT_FALSE(cb.Allow(kT0 + absl::Seconds(4)));
  EXPECT_EQ(cb.State(kT0 + absl::Seconds(4)), CircuitState::kOpen);
  // The default first cooldown is seconds, not minutes.
  EXPECT_EQ(cb.State(kT0 + absl::Seconds(5)), CircuitState::kHalfOpen);
  EXPECT_TRUE(cb.Allow(kT0 + absl::Seconds(5)));
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
  // The probe fails: open again for twice the cooldown.
  auto reopened = cb.RecordFailure(later);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->from, CircuitState::kHalfOpen);
  EXPECT_EQ(reopened->to, CircuitState::kOpen);
  EXPECT_FALSE(cb.Allow(later + absl::Seconds(19)));
  const absl::Time probe = later + absl::Seconds(20);
  ASSERT_TRUE(cb.Allow(probe));
  // A neutral outcome frees the probe slot without deciding.
  cb.RecordNeutral();
  EXPECT_EQ(cb.State(probe), CircuitState::kHalfOpen);
  ASSERT_TRUE(cb.Allow(probe));
  auto closed = cb.RecordSuccess();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->from, CircuitState::kHalfOpen);
  EXPECT_EQ(closed->to, CircuitState::kClosed);
  EXPECT_TRUE(cb.Allow(probe));
  EXPECT_TRUE(cb.Allow(probe));
  EXPECT_EQ(cb.consecutive_failures(), 0);
}

TEST(CircuitBreakerTest, ProbeBackoffDoublesToTheCapAndResetsOnClose) {
  CircuitBreakerConfig c;  // 5 s doubling to 300 s
  c.failure_threshold = 1;
  CircuitBreaker cb(c);
  absl::Time now = kT0;
  cb.RecordFailure(now);
  std::vector<int64_t> waits;
  for (int i = 0; i < 8; ++i) {
    waits.push_back(absl::ToInt64Seconds(cb.reopens_at() - now));
    now = cb.reopens_at();
    ASSERT_TRUE(cb.Allow(now));
    cb.RecordFailure(now);
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{5, 10, 20, 40, 80, 160, 300, 300}));
  now = cb.reopens_at();
  ASSERT_TRUE(cb.Allow(now));
  cb.RecordSuccess();
  cb.RecordFailure(now);  // opens again: back to the first cooldown
  EXPECT_EQ(cb.reopens_at() - now, absl::Seconds(5));
}

TEST(CircuitBreakerTest, NoAlternativeProbesAtOnceOneAtATime) {
  CircuitBreakerConfig c;
  c.failure_threshold = 1;
  CircuitBreaker cb(c);
  cb.RecordFailure(kT0);
  EXPECT_FALSE(cb.Allow(kT0 + absl::Seconds(1)));
  std::optional<CircuitBreaker::Transition> t;
  ASSERT_TRUE(cb.Allow(kT0 + absl::Seconds(1), &t, /*no_alternative=*/true));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, CircuitState::kHalfOpen);
  // One probe at a time, even without alternative.
  EXPECT_FALSE(cb.Allow(kT0 + absl::Seconds(1), nullptr, true));
  ASSERT_TRUE(cb.RecordSuccess());
  EXPECT_EQ(cb.State(kT0 + absl::Seconds(1)), CircuitState::kClosed);
}

}  // namespace
}  // namespace llmgw
