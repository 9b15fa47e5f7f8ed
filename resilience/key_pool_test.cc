// Key rotation on a fake clock: fewest failures first, cooldown after
// max_failures_before_cooldown, doubling up to the cap, Retry-After, permanent
// failures, success resets.
#include "resilience/key_pool.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(KeyPoolTest, PicksTheHealthyKeyWithTheFewestFailures) {
  KeyPool pool(KeyPoolConfig{}, 3);
  EXPECT_EQ(pool.Pick(kT0), 0u);
  pool.RecordFailure(0, kT0, std::nullopt, "HTTP 429");
  EXPECT_EQ(pool.Pick(kT0), 1u);
  pool.RecordFailure(1, kT0, std::nullopt, "HTTP 429");
  pool.RecordFailure(1, kT0, std::nullopt, "HTTP 429");
  EXPECT_EQ(pool.Pick(kT0), 2u);
  EXPECT_EQ(pool.Pick(kT0, {2}), 0u);
  EXPECT_EQ(pool.Pick(kT0, {0, 1, 2}), std::nullopt);
  pool.RecordSuccess(1);
  EXPECT_EQ(pool.Snapshot(1, kT0).failure_count, 0);
  EXPECT_EQ(pool.Pick(kT0), 1u);
}

TEST(KeyPoolTest, CooldownAfterThresholdDoublesAndIsCapped) {
  KeyPoolConfig c;  // 3 failures, 60 s, cap 3600 s
  KeyPool pool(c, 1);
  EXPECT_FALSE(pool.RecordFailure(0, kT0, std::nullopt, "r").cooldown);
  EXPECT_FALSE(pool.RecordFailure(0, kT0, std::nullopt, "r").cooldown);
  KeyFailureEffect e = pool.RecordFailure(0, kT0, std::nullopt, "r");
  ASSERT_TRUE(e.cooldown);
  EXPECT_EQ(*e.cooldown, absl::Seconds(60));
  KeySnapshot s = pool.Snapshot(0, kT0 + absl::Seconds(20));
  EXPECT_EQ(s.health, KeyHealth::kCoolingDown);
  EXPECT_EQ(s.cooldown_remaining, absl::Seconds(40));
  EXPECT_EQ(s.failure_count, 3);
  EXPECT_EQ(s.reason, "r");
  EXPECT_EQ(pool.Pick(kT0 + absl::Seconds(59)), std::nullopt);
  // Back after the cooldown; the next failure (no success between) cools it
  // down twice as long, then 4x... up to the 3600 s cap.
  absl::Time t = kT0 + absl::Seconds(60);
  EXPECT_EQ(pool.Pick(t), 0u);
  const int64_t expected[] = {120, 240, 480, 960, 1920, 3600, 3600};
  for (int64_t secs : expected) {
    e = pool.RecordFailure(0, t, std::nullopt, "r");
    ASSERT_TRUE(e.cooldown);
    EXPECT_EQ(*e.cooldown, absl::Seconds(secs));
    t += *e.cooldown;
  }
  // Success resets the count and the doubling.
  pool.RecordSuccess(0);
  EXPECT_EQ(pool.Snapshot(0, t).health, KeyHealth::kHealthy);
  EXPECT_FALSE(pool.RecordFailure(0, t, std::nullopt, "r").cooldown);
  EXPECT_FALSE(pool.RecordFailure(0, t, std::nullopt, "r").cooldown);
  EXPECT_EQ(*pool.RecordFailure(0, t, std::nullopt, "r").cooldown,
            absl::Seconds(60));
}

TEST(KeyPoolTest, RetryAfterCoolsDownAtOnceAtLeastThatLong) {
  KeyPool pool(KeyPoolConfig{}, 2);
  KeyFailureEffect e = pool.RecordFailure(0, kT0, absl::Seconds(7), "429");
  ASSERT_TRUE(e.cooldown);
  EXPECT_EQ(*e.cooldown, absl::Seconds(7));
  EXPECT_EQ(pool.Pick(kT0 + absl::Seconds(6)), 1u);
  EXPECT_EQ(pool.Pick(kT0 + absl::Seconds(7), {1}), 0u);
  // At the threshold the longer of the two wins.
  pool.RecordFailure(1, kT0, std::nullopt, "x");
  pool.RecordFailure(1, kT0, std::nullopt, "x");
  EXPECT_EQ(*pool.RecordFailure(1, kT0, absl::Seconds(5), "x").cooldown,
            absl::Seconds(60));
  KeyPool pool2(KeyPoolConfig{}, 1);
  pool2.RecordFailure(0, kT0, std::nullopt, "x");
  pool2.RecordFailure(0, kT0, std::nullopt, "x");
  EXPECT_EQ(*pool2.RecordFailure(0, kT0, absl::Seconds(90), "x").cooldown,
            absl::Seconds(90));
}

TEST(KeyPoolTest, PermanentFailureLeavesRotationForGood) {
  KeyPool pool(KeyPoolConfig{}, 2);
  EXPECT_TRUE(
      pool.RecordPermanentFailure(0, "auth_error HTTP 401").failed_permanently);
  EXPECT_FALSE(pool.RecordPermanentFailure(0, "again").failed_permanently);
  pool.RecordSuccess(0);  // a late success does not resurrect it
  const absl::Time much_later = kT0 + absl::Hours(100);
  EXPECT_EQ(pool.Pick(much_later), 1u);
  EXPECT_EQ(pool.Pick(much_later, {1}), std::nullopt);
  KeySnapshot s = pool.Snapshot(0, much_later);
  EXPECT_EQ(s.health, KeyHealth::kFailedPermanently);
  EXPECT_EQ(s.reason, "auth_error HTTP 401");
  EXPECT_EQ(s.failure_count, 1);
}

}  // namespace
}  // namespace llmgw
