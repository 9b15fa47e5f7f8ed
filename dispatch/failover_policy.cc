#include "dispatch/failover_policy.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dispatch/failure_details.h"
#include "resilience/backoff.h"

namespace llmgw {
namespace {

FailoverDecision Finish(absl::Status status) {
  FailoverDecision d;
  d.action = FailoverAction::kFinish;
  d.status = std::move(status);
  return d;
}

absl::Status CallerGone(bool by_deadline, absl::string_view during) {
  if (!by_deadline) return absl::CancelledError("cancelled by the caller");
  return absl::DeadlineExceededError(
      during.empty() ? std::string("deadline exceeded")
                     : absl::StrCat("deadline exceeded during ", during));
}

RoundState AfterFailure(RoundState round, const AttemptFailure& f) {
  const bool transient = f.error_class == ErrorClass::kTransient;
  const bool rate_limited = f.error_class == ErrorClass::kRateLimited;
  round.retryable = round.retryable || transient || rate_limited;
  round.transient = round.transient || transient;
  if (rate_limited && f.retry_after &&
      (!round.retry_after || *f.retry_after < *round.retry_after)) {
    round.retry_after = f.retry_after;
  }
  return round;
}

}  // namespace

absl::string_view FailoverActionName(FailoverAction action) {
  switch (action) {
    case FailoverAction::kFinish:
      return "finish";
    case FailoverAction::kNextKey:
      return "next_key";
    case FailoverAction::kNextTarget:
      return "next_target";
    case FailoverAction::kRetryRound:
      return "retry_round";
  }
  return "unknown";
}

FailoverDecision DecideAfterFailure(const AttemptFailure& f,
                                    const FailoverState& state) {
  if (state.caller_cancelled) {
    return Finish(CallerGone(state.by_deadline, f.where));
  }
  switch (f.error_class) {
    case ErrorClass::kCancelled:
      // The gateway cut the request: the caller's deadline (timed_out) or
      // a cancel not yet seen by the call.
      return Finish(CallerGone(f.timed_out, f.where));
    case ErrorClass::kInvalidRequest:
      return Finish(WithFailureDetails(
          absl::InvalidArgumentError(
              absl::StrCat(f.provider, " rejected the request: ", f.message)),
          "INVALID_REQUEST", f.provider, f.model));
    case ErrorClass::kFailedPrecondition:
      return Finish(WithFailureDetails(
          absl::FailedPreconditionError(absl::StrCat(
              f.provider, " cannot serve the request as sent: ", f.message)),
          "PROVIDER_REFUSED", f.provider, f.model));
    default:
      break;
  }
  if (state.delivered_output) {
    // Output already reached the caller: failing over would splice two
    // answers together.
    return Finish(WithFailureDetails(
        absl::UnavailableError(
            absl::StrCat("stream broke after output had started: ", f.where)),
        "STREAM_INTERRUPTED", f.provider, f.model));
  }
  FailoverDecision d;
  d.round = AfterFailure(state.round, f);
  const bool key_specific = f.error_class == ErrorClass::kKeyInvalid ||
                            f.error_class == ErrorClass::kRateLimited;
  const bool key_left =
      state.keys_tried < std::max(1, state.max_key_attempts) &&
      static_cast<size_t>(state.keys_tried) < state.key_count;
  d.action = key_specific && key_left ? FailoverAction::kNextKey
                                      : FailoverAction::kNextTarget;
  return d;
}

FailoverDecision DecideAfterRound(const RoundEnd& end,
                                  const RetryConfig& retry) {
  FailoverDecision d = Finish(absl::OkStatus());
  d.round = end.round;
  if (!end.resilience_enabled || !end.round.retryable || end.delivered_output) {
    return d;
  }
  if (end.retries_done >= retry.max_retries) {
    if (retry.max_retries > 0) {
      d.note = absl::StrCat("gave up after ", retry.max_retries, " retr",
                            retry.max_retries == 1 ? "y" : "ies");
    }
    return d;
  }
  absl::Duration delay =
      BackoffDelay(retry, end.retries_done + 1, end.jitter_unit);
  // Retry-After decides when every failure of the round was a rate limit.
  if (end.round.retry_after && !end.round.transient &&
      *end.round.retry_after > delay) {
    delay = *end.round.retry_after;
  }
  if (end.now + delay + end.last_attempt_latency >= end.deadline) {
    d.note = absl::StrCat(
        "no retry: a ", absl::FormatDuration(delay),
        " backoff plus another attempt would not finish before the deadline "
        "in ",
        absl::FormatDuration(
            absl::Trunc(end.deadline - end.now, absl::Milliseconds(1))));
    return d;
  }
  d.action = FailoverAction::kRetryRound;
  d.delay = delay;
  d.note = absl::StrCat(
      "retry ", end.retries_done + 1, "/", retry.max_retries, " after ",
      absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(1))),
      " backoff");
  return d;
}

FailoverDecision DecideBeforeAttempt(bool caller_cancelled, bool by_deadline,
                                     absl::Time now, absl::Time deadline,
                                     size_t attempts_made) {
  if (caller_cancelled) return Finish(CallerGone(by_deadline, ""));
  if (now >= deadline) {
    return Finish(absl::DeadlineExceededError(absl::StrCat(
        "deadline exceeded after ", attempts_made, " attempt(s)")));
  }
  FailoverDecision d;
  d.action = FailoverAction::kNextTarget;
  return d;
}

absl::Status AllAttemptsFailedStatus(
    const std::vector<AttemptRecord>& attempts,
    const std::vector<ErrorClass>& failures, absl::string_view no_retry_reason,
    absl::string_view last_failed, absl::string_view requested_model,
    std::optional<absl::Duration> retry_after) {
  std::vector<std::string> lines;
  lines.reserve(attempts.size());
  for (const AttemptRecord& a : attempts) lines.push_back(DescribeAttempt(a));
  const std::string detail = absl::StrJoin(lines, "; ");
  const bool all_not_found =
      !failures.empty() &&
      std::all_of(failures.begin(), failures.end(),
                  [](ErrorClass c) { return c == ErrorClass::kModelNotFound; });
  if (all_not_found) {
    return WithFailureDetails(
        absl::NotFoundError(
            absl::StrCat("no provider serves the requested model: ", detail)),
        "MODEL_NOT_FOUND", "", requested_model);
  }
  if (failures.empty()) {
    return WithFailureDetails(absl::UnavailableError(absl::StrCat(
                                  "no provider could be attempted: ", detail)),
                              "NO_PROVIDER_AVAILABLE");
  }
  std::string message =
      absl::StrCat("all ", failures.size(), " attempt(s) failed: ", detail);
  if (!no_retry_reason.empty()) {
    absl::StrAppend(&message, " (", no_retry_reason, ")");
  }
  const size_t slash = last_failed.find('/');
  return WithFailureDetails(
      absl::UnavailableError(message), "ALL_ATTEMPTS_FAILED",
      last_failed.substr(0, slash),
      slash == absl::string_view::npos ? "" : last_failed.substr(slash + 1),
      retry_after);
}

bool CancelIsDeadline(bool reported_deadline, absl::Time now,
                      absl::Time arrival, absl::Time deadline) {
  if (reported_deadline) return true;
  if (deadline == absl::InfiniteFuture()) return false;
  const absl::Duration rounding =
      std::max(absl::Milliseconds(20), (deadline - arrival) / 100);
  return now >= deadline - rounding;
}

}  // namespace llmgw
