#include "dispatch/attempt_budget.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace llmgw {

AttemptBudget ComputeAttemptBudget(absl::Time now, absl::Time deadline,
                                   size_t targets_left, absl::Duration floor) {
  AttemptBudget budget;
  if (deadline == absl::InfiniteFuture() || targets_left <= 1) return budget;
  const absl::Duration left = std::max(absl::ZeroDuration(), deadline - now);
  const absl::Duration share = left / static_cast<int64_t>(targets_left);
  budget.limit = std::max(share, std::min(floor, left));
  budget.note = absl::StrCat(
      "its share of the caller's deadline: ",
      absl::FormatDuration(absl::Trunc(left, absl::Milliseconds(100))),
      " left over ", targets_left, " targets");
  return budget;
}

}  // namespace llmgw
