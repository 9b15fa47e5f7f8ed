#ifndef LLMGW_DISPATCH_ATTEMPT_BUDGET_H_
#define LLMGW_DISPATCH_ATTEMPT_BUDGET_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"

namespace llmgw {

// How long one attempt may take so that the targets after it still have
// time to answer inside the caller's deadline.
struct AttemptBudget {
  // InfiniteDuration when the caller set no deadline or this is the last
  // target (the deadline itself then bounds the attempt).
  absl::Duration limit = absl::InfiniteDuration();
  // For the attempts trail when the budget cuts an attempt, e.g.
  // "its share of the caller's deadline: 14.9s left over 2 targets".
  std::string note;
};

// With `targets_left` targets in the plan (this one included) and the
// caller's deadline at `deadline`, the attempt gets an equal share of the
// time left: (deadline - now) / targets_left, but at least `floor` (or all
// the time left, if less). Each later attempt recomputes its share from
// what is then left, so a fast failure leaves more for the next ones.
AttemptBudget ComputeAttemptBudget(absl::Time now, absl::Time deadline,
                                   size_t targets_left, absl::Duration floor);

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_ATTEMPT_BUDGET_H_
