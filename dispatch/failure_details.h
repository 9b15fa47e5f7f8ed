#ifndef LLMGW_DISPATCH_FAILURE_DETAILS_H_
#define LLMGW_DISPATCH_FAILURE_DETAILS_H_

// Machine-readable details (common/error_details.h) for the failures the
// dispatcher produces, so callers read a reason, the provider/model and a
// retry hint instead of parsing messages.

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "budget/spend_ledger.h"

namespace llmgw {

// Sets `reason` (unless a lower layer set one) and, when not empty, the
// ErrorInfo metadata "provider" and "model". Returns the status.
absl::Status WithFailureDetails(
    absl::Status status, absl::string_view reason,
    absl::string_view provider = "", absl::string_view model = "",
    std::optional<absl::Duration> retry_after = std::nullopt);

// A reservation refused with RESOURCE_EXHAUSTED: reason BUDGET_EXHAUSTED and a
// retry hint at the end of the current budget window (`global`, the ledger's
// "global" snapshot, or null when unknown), or HARD_CAP_REACHED without a
// retry hint (the cap spans every window). Other statuses (e.g. a ledger
// outage) are returned unchanged.
absl::Status WithBudgetDetails(absl::Status status,
                               const BudgetSnapshot* global);

// True when WithBudgetDetails can use the global window for `status`.
bool WantsBudgetWindow(const absl::Status& status);

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_FAILURE_DETAILS_H_
