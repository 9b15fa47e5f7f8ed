#include "dispatch/outcome.h"

#include <cstddef>

namespace llmgw {
namespace {

struct OutcomeRow {
  AttemptOutcome outcome;
  absl::string_view label;
  int proto_number;
  HealthOutcome health;
};

// The one table. Rows are in enum order (checked by outcome_test).
constexpr OutcomeRow kRows[] = {
    {AttemptOutcome::kSuccess, "success", 1, HealthOutcome::kSuccess},
    {AttemptOutcome::kTransientError, "transient_error", 2,
     HealthOutcome::kTransient},
    {AttemptOutcome::kRateLimited, "rate_limited", 3,
     HealthOutcome::kRateLimited},
    {AttemptOutcome::kAuthError, "auth_error", 4, HealthOutcome::kKeyInvalid},
    {AttemptOutcome::kInvalidRequest, "invalid_request", 5,
     HealthOutcome::kNeutral},
    {AttemptOutcome::kSkipped, "skipped", 6, HealthOutcome::kNeutral},
    {AttemptOutcome::kCancelled, "cancelled", 7, HealthOutcome::kNeutral},
    {AttemptOutcome::kTimeout, "timeout", 8, HealthOutcome::kTransient},
    {AttemptOutcome::kModelNotFound, "model_not_found", 9,
     HealthOutcome::kNeutral},
    {AttemptOutcome::kFailedPrecondition, "failed_precondition", 10,
     HealthOutcome::kNeutral},
};

const OutcomeRow& Row(AttemptOutcome outcome) {
  const size_t i = static_cast<size_t>(outcome);
  return kRows[i < sizeof(kRows) / sizeof(kRows[0]) ? i : 1];
}

}  // namespace

absl::string_view AttemptOutcomeName(AttemptOutcome outcome) {
  return Row(outcome).label;
}

int AttemptOutcomeProtoNumber(AttemptOutcome outcome) {
  return Row(outcome).proto_number;
}

HealthOutcome HealthOutcomeOf(AttemptOutcome outcome) {
  return Row(outcome).health;
}

AttemptOutcome OutcomeFor(const ProviderError& error, bool caller_cancelled) {
  if (caller_cancelled) return AttemptOutcome::kCancelled;
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
      return AttemptOutcome::kCancelled;
  }
  return AttemptOutcome::kTransientError;
}

}  // namespace llmgw
