#ifndef LLMGW_DISPATCH_FAILOVER_POLICY_H_
#define LLMGW_DISPATCH_FAILOVER_POLICY_H_

// The failover policy of a call, as pure functions: no clock, no randomness,
// no I/O. GenerateCall (dispatch/generate_call.h) asks them what to do and
// does it; failover_policy_test checks every row of the policy as a table.
//
// A call makes passes ("rounds") over its plan of targets (provider/model):
//   - after a failed attempt, DecideAfterFailure says: finish with a status,
//     try the next key of the same provider, or move to the next target;
//   - when a round has no target left, DecideAfterRound says: start a retry
//     round after a backoff (from the plan's first target again; its
//     healthiest key, usually the same one), or finish;
//   - DecideBeforeAttempt stops a call its caller gave up on.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/resilience_config.h"
#include "dispatch/attempt.h"
#include "registry/provider.h"

namespace llmgw {

enum class FailoverAction {
  // End the call with `FailoverDecision::status`.
  kFinish,
  // Another key of the same provider (key-specific failures).
  kNextKey,
  // The next target of the plan (or the end of the round).
  kNextTarget,
  // A new round over the plan after `FailoverDecision::delay`.
  kRetryRound,
};

absl::string_view FailoverActionName(FailoverAction action);

// What the current round has seen (reset when a retry round starts).
struct RoundState {
  // Some failure was transient or a rate limit: a retry round may help.
  bool retryable = false;
  // Some failure was transient (then Retry-After does not set the delay).
  bool transient = false;
  // Shortest Retry-After of the round's rate limits.
  std::optional<absl::Duration> retry_after;
};

// Where the call stands when an attempt failed.
struct FailoverState {
  // The caller cancelled, or its deadline passed (`by_deadline`).
  bool caller_cancelled = false;
  bool by_deadline = false;
  // A stream already forwarded output to the caller.
  bool delivered_output = false;
  // Keys of the current target tried this round, the failed one included,
  // and how many it has (0 for a keyless provider).
  int keys_tried = 1;
  size_t key_count = 0;
  int max_key_attempts = 3;
  RoundState round;
};

// One failed attempt, as the policy sees it.
struct AttemptFailure {
  ErrorClass error_class = ErrorClass::kTransient;
  // The caller's deadline (not an upstream timeout) cut a kCancelled attempt.
  bool timed_out = false;
  std::optional<absl::Duration> retry_after;
  // For the status messages.
  std::string provider;
  std::string model;
  // The attempt as DescribeAttempt spells it, and the provider's message.
  std::string where;
  std::string message;
};

struct FailoverDecision {
  FailoverAction action = FailoverAction::kFinish;
  // kFinish: the call's status, with error details (common/error_details.h).
  absl::Status status;
  // kRetryRound: the backoff and the note prefixed to the next attempt's
  // detail ("retry 1/3 after 0.52s backoff").
  absl::Duration delay;
  std::string note;
  // The round after this failure (for kNextKey / kNextTarget).
  RoundState round;
};

// What to do after a failed attempt:
//   caller cancelled or deadline (or ErrorClass::kCancelled) -> finish
//     CANCELLED / DEADLINE_EXCEEDED;
//   invalid request -> finish INVALID_ARGUMENT (INVALID_REQUEST);
//   failed precondition -> finish FAILED_PRECONDITION (PROVIDER_REFUSED);
//   output already delivered -> finish UNAVAILABLE (STREAM_INTERRUPTED): no
//     failover splices two answers;
//   rate limited / key invalid -> next key while the provider has an untried
//     key and max_key_attempts allows, else next target;
//   transient, timeout, model not found -> next target.
// Transient failures and rate limits make the round retryable.
FailoverDecision DecideAfterFailure(const AttemptFailure& failure,
                                    const FailoverState& state);

// Retry settings and the call's position when a round ran out of targets.
struct RoundEnd {
  bool resilience_enabled = true;
  bool delivered_output = false;
  // Retry rounds started so far (0 = the first pass).
  int retries_done = 0;
  RoundState round;
  absl::Time now;
  absl::Time deadline = absl::InfiniteFuture();
  // The last attempt's duration: a retry must fit a backoff plus one more.
  absl::Duration last_attempt_latency;
  // Uniform in [0, 1): the backoff's jitter (passed in to keep this pure).
  double jitter_unit = 0.5;
};

// kRetryRound with the backoff (exponential with equal jitter; the shortest
// Retry-After when every failure of the round was a rate limit and it is
// longer) when the round was retryable, retries are left and the backoff
// plus another attempt fits before the deadline. Otherwise kFinish with an
// OK status and `note` saying why no retry followed ("" when none was
// possible at all); the caller then finishes with AllAttemptsFailedStatus.
FailoverDecision DecideAfterRound(const RoundEnd& end,
                                  const RetryConfig& retry);

// Whether a call may still start an attempt: kFinish with CANCELLED or
// DEADLINE_EXCEEDED when the caller is gone or its deadline has passed,
// kNextTarget (go on) otherwise.
FailoverDecision DecideBeforeAttempt(bool caller_cancelled, bool by_deadline,
                                     absl::Time now, absl::Time deadline,
                                     size_t attempts_made);

// The status of a call whose plan is exhausted: NOT_FOUND (MODEL_NOT_FOUND)
// when every failure was model_not_found, UNAVAILABLE
// (NO_PROVIDER_AVAILABLE) when nothing could be attempted, else UNAVAILABLE
// (ALL_ATTEMPTS_FAILED) listing the attempts, `no_retry_reason`, the last
// failed provider/model and the round's Retry-After.
absl::Status AllAttemptsFailedStatus(const std::vector<AttemptRecord>& attempts,
                                     const std::vector<ErrorClass>& failures,
                                     absl::string_view no_retry_reason,
                                     absl::string_view last_failed,
                                     absl::string_view requested_model,
                                     std::optional<absl::Duration> retry_after);

// Whether a cancel that reached the call at `now` is the caller's deadline.
// gRPC cannot say why a client went away: a client whose own deadline
// expired resets the stream, and that reset can arrive before the server's
// copy of the deadline, which is later by the encoding's rounding (gRPC
// rounds the grpc-timeout header up, to 10 ms above 1 s, 100 ms above 10 s,
// 1 s above 100 s). A cancel reported as a deadline, or arriving within that
// rounding (1% of the call's timeout, at least 20 ms) of the deadline, is one.
bool CancelIsDeadline(bool reported_deadline, absl::Time now,
                      absl::Time arrival, absl::Time deadline);

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_FAILOVER_POLICY_H_
