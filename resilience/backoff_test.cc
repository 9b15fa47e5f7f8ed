// Backoff bounds: exponential growth, cap, and the jitter range.
#include "resilience/backoff.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(BackoffTest, CeilingDoublesFromBaseUpToMax) {
  RetryConfig c;  // reference defaults: base 1 s, max 30 s
  EXPECT_EQ(BackoffCeiling(c, 1), absl::Seconds(1));
  EXPECT_EQ(BackoffCeiling(c, 2), absl::Seconds(2));
  EXPECT_EQ(BackoffCeiling(c, 3), absl::Seconds(4));
  EXPECT_EQ(BackoffCeiling(c, 5), absl::Seconds(16));
  EXPECT_EQ(BackoffCeiling(c, 6), absl::Seconds(30));
  EXPECT_EQ(BackoffCeiling(c, 60), absl::Seconds(30));
  EXPECT_EQ(BackoffCeiling(c, 0), absl::Seconds(1));
}

TEST(BackoffTest, JitterStaysWithinHalfToFullCeiling) {
  RetryConfig c;
  EXPECT_EQ(BackoffDelay(c, 1, 0.0), absl::Milliseconds(500));
  EXPECT_EQ(BackoffDelay(c, 1, 0.5), absl::Milliseconds(750));
  EXPECT_EQ(BackoffDelay(c, 1, 1.0), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(c, 3, 0.0), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(c, 3, 0.25), absl::Milliseconds(2500));
  EXPECT_EQ(BackoffDelay(c, 9, 1.0), absl::Seconds(30));
  // Out-of-range randomness is clamped.
  EXPECT_EQ(BackoffDelay(c, 1, -3.0), absl::Milliseconds(500));
  EXPECT_EQ(BackoffDelay(c, 1, 7.0), absl::Seconds(1));
  for (int retry = 1; retry <= 8; ++retry) {
    for (double u = 0; u < 1; u += 0.125) {
      const absl::Duration d = BackoffDelay(c, retry, u);
      EXPECT_GE(d, BackoffCeiling(c, retry) / 2);
      EXPECT_LE(d, BackoffCeiling(c, retry));
    }
  }
}

TEST(BackoffTest, SmallConfiguredDelays) {
  RetryConfig c;
  c.base_delay = absl::Milliseconds(10);
  c.max_delay = absl::Milliseconds(25);
  EXPECT_EQ(BackoffCeiling(c, 1), absl::Milliseconds(10));
  EXPECT_EQ(BackoffCeiling(c, 2), absl::Milliseconds(20));
  EXPECT_EQ(BackoffCeiling(c, 3), absl::Milliseconds(25));
}

}  // namespace
}  // namespace llmgw
