#ifndef LLMGW_DISPATCH_OUTCOME_H_
#define LLMGW_DISPATCH_OUTCOME_H_

// The dispatcher's one error taxonomy: how an attempt ended. Codecs classify
// a failure (ErrorClass, registry/provider.h); OutcomeFor turns that into an
// AttemptOutcome once, and every other view of an attempt is a column of one
// table (outcome.cc): the metric and audit label, the public proto enum
// (llmgateway.v1.AttemptOutcome) and what the attempt does to the provider's
// health (resilience/health_outcome.h). outcome_test checks the table against
// the proto and the metrics' label set.

#include "absl/strings/string_view.h"
#include "registry/provider.h"
#include "resilience/health_outcome.h"

namespace llmgw {

// How one attempt ended (mirrors llmgateway.v1.AttemptOutcome).
enum class AttemptOutcome {
  kSuccess,
  // 5xx, overloaded, reset, malformed reply.
  kTransientError,
  kRateLimited,
  // The key is invalid, revoked or out of credit.
  kAuthError,
  kInvalidRequest,
  // Not attempted (circuit open, no healthy key, below min_confidence).
  kSkipped,
  // The caller cancelled, or the caller's deadline passed, during the
  // attempt. The caller's doing: it says nothing about the provider.
  kCancelled,
  // An upstream timeout (connect, read, first token, stream idle, the
  // attempt's share of the deadline): the provider's doing.
  kTimeout,
  kModelNotFound,
  kFailedPrecondition,
};

// Stable lower_snake label: the metrics' outcome/error_type label, the audit
// events' "outcome" field and the attempts trail ("rate_limited").
absl::string_view AttemptOutcomeName(AttemptOutcome outcome);

// The llmgateway.v1.AttemptOutcome enum number (ATTEMPT_OUTCOME_<LABEL>).
int AttemptOutcomeProtoNumber(AttemptOutcome outcome);

// What the attempt does to the provider's key pool and circuit breaker.
HealthOutcome HealthOutcomeOf(AttemptOutcome outcome);

// The outcome a failed attempt is reported as. `caller_cancelled` says the
// caller cancelled the call (or its deadline passed) while the attempt was in
// flight: whatever the attempt then failed with is the caller's doing.
// ErrorClass::kCancelled is always kCancelled, also when it carries
// timed_out (the caller's deadline cut the request); upstream timeouts are
// ErrorClass::kTransient with timed_out.
AttemptOutcome OutcomeFor(const ProviderError& error,
                          bool caller_cancelled = false);

// Every outcome, in enum order (for tests and series declarations).
inline constexpr AttemptOutcome kAllAttemptOutcomes[] = {
    AttemptOutcome::kSuccess,        AttemptOutcome::kTransientError,
    AttemptOutcome::kRateLimited,    AttemptOutcome::kAuthError,
    AttemptOutcome::kInvalidRequest, AttemptOutcome::kSkipped,
    AttemptOutcome::kCancelled,      AttemptOutcome::kTimeout,
    AttemptOutcome::kModelNotFound,  AttemptOutcome::kFailedPrecondition,
};

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_OUTCOME_H_
