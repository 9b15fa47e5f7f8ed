#include "dispatch/failure_details.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/error_details.h"

namespace llmgw {

absl::Status WithFailureDetails(absl::Status status, absl::string_view reason,
                                absl::string_view provider,
                                absl::string_view model,
                                std::optional<absl::Duration> retry_after) {
  if (status.ok()) return status;
  SetErrorReasonIfAbsent(status, reason);
  if (!provider.empty()) SetErrorMeta(status, "provider", provider);
  if (!model.empty()) SetErrorMeta(status, "model", model);
  if (retry_after && !RetryAfter(status)) SetRetryAfter(status, *retry_after);
  return status;
}

bool WantsBudgetWindow(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted &&
         !absl::StrContains(status.message(), "hard safety cap") &&
         !RetryAfter(status);
}

absl::Status WithBudgetDetails(absl::Status status,
                               const BudgetSnapshot* global) {
  if (status.code() != absl::StatusCode::kResourceExhausted) return status;
  if (absl::StrContains(status.message(), "hard safety cap")) {
    return WithFailureDetails(std::move(status), "HARD_CAP_REACHED");
  }
  std::optional<absl::Duration> retry;
  if (global != nullptr && !RetryAfter(status) &&
      global->window_length > absl::ZeroDuration()) {
    const absl::Duration left =
        global->window_start + global->window_length - absl::Now();
    if (left > absl::ZeroDuration()) retry = left;
  }
  return WithFailureDetails(std::move(status), "BUDGET_EXHAUSTED", "", "",
                            retry);
}

}  // namespace llmgw
