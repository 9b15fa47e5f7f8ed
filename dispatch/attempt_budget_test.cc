// Attempt budgets on fixed times.
#include "dispatch/attempt_budget.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(AttemptBudgetTest, EqualShareOfTheTimeLeft) {
  AttemptBudget b =
      ComputeAttemptBudget(kT0, kT0 + absl::Seconds(15), 2, absl::Seconds(1));
  EXPECT_EQ(b.limit, absl::Milliseconds(7500));
  EXPECT_EQ(b.note,
            "its share of the caller's deadline: 15s left over 2 "
            "targets");
  EXPECT_EQ(
      ComputeAttemptBudget(kT0, kT0 + absl::Seconds(12), 4, absl::Seconds(1))
          .limit,
      absl::Seconds(3));
}

TEST(AttemptBudgetTest, LastTargetOrNoDeadlineIsUnbounded) {
  EXPECT_EQ(
      ComputeAttemptBudget(kT0, kT0 + absl::Seconds(15), 1, absl::Seconds(1))
          .limit,
      absl::InfiniteDuration());
  EXPECT_EQ(
      ComputeAttemptBudget(kT0, absl::InfiniteFuture(), 3, absl::Seconds(1))
          .limit,
      absl::InfiniteDuration());
}

TEST(AttemptBudgetTest, FloorButNeverPastTheDeadline) {
  EXPECT_EQ(
      ComputeAttemptBudget(kT0, kT0 + absl::Seconds(2), 4, absl::Seconds(1))
          .limit,
      absl::Seconds(1));
  EXPECT_EQ(ComputeAttemptBudget(kT0, kT0 + absl::Milliseconds(600), 4,
                                 absl::Seconds(1))
                .limit,
            absl::Milliseconds(600));
  EXPECT_EQ(
      ComputeAttemptBudget(kT0, kT0 - absl::Seconds(1), 2, absl::Seconds(1))
          .limit,
      absl::ZeroDuration());
}

}  // namespace
}  // namespace llmgw
