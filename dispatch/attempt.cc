#include "dispatch/attempt.h"

#include "absl/strings/str_cat.h"

namespace llmgw {

absl::string_view AttemptOutcomeName(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kSuccess:
      return "success";
    case AttemptOutcome::kTransientError:
      return "transient_error";
    case AttemptOutcome::kRateLimited:
      return "rate_limited";
    case AttemptOutcome::kAuthError:
      return "auth_error";
    case AttemptOutcome::kInvalidRequest:
      return "invalid_request";
    case AttemptOutcome::kSkipped:
      return "skipped";
    case AttemptOutcome::kCancelled:
      return "cancelled";
    case AttemptOutcome::kTimeout:
      return "timeout";
    case AttemptOutcome::kModelNotFound:
      return "model_not_found";
    case AttemptOutcome::kFailedPrecondition:
      return "failed_precondition";
  }
  return "unknown";
}

AttemptOutcome OutcomeFor(const ProviderError& error) {
  switch (error.error_class) {
    case ErrorClass::kTransient:
      return error.timed_out ? AttemptOutcome::kTimeout
                             : AttemptOutcome::kTransientError;
    case ErrorClass::kRateLimited:
      return AttemptOutcome::kRateLimited;
    case ErrorClass::kKeyInvalid:
      return AttemptOutcome::kAuthError;
    case ErrorClass::kInvalidRequest:
      return AttemptOutcome::kInvalidRequest;
    case ErrorClass::kFailedPrecondition:
      return AttemptOutcome::kFailedPrecondition;
    case ErrorClass::kModelNotFound:
      return AttemptOutcome::kModelNotFound;
    case ErrorClass::kCancelled:
      return error.timed_out ? AttemptOutcome::kTimeout
                             : AttemptOutcome::kCancelled;
  }
  return AttemptOutcome::kTransientError;
}

std::string DescribeAttempt(const AttemptRecord& a) {
  std::string s = absl::StrCat(a.provider, "/", a.model);
  if (!a.key_fingerprint.empty()) {
    absl::StrAppend(&s, " (", a.key_fingerprint, ")");
  }
  absl::StrAppend(&s, ": ", AttemptOutcomeName(a.outcome));
  if (a.http_status != 0) absl::StrAppend(&s, " HTTP ", a.http_status);
  if (!a.detail.empty()) absl::StrAppend(&s, ": ", a.detail);
  return s;
}

}  // namespace llmgw
