// Every row of the failover policy, as tables.
#include "dispatch/failover_policy.h"

#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/error_details.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

using A = FailoverAction;

std::string ErrorMeta(const absl::Status& s, absl::string_view key) {
  auto v = s.GetPayload(absl::StrCat(kMetaPayloadPrefix, key));
  return v ? std::string(*v) : "";
}
using C = absl::StatusCode;

struct FailureRow {
  const char* name;
  ErrorClass error_class;
  // State.
  bool cancelled = false;
  bool by_deadline = false;
  bool delivered = false;
  int keys_tried = 1;
  size_t key_count = 3;
  int max_key_attempts = 3;
  bool timed_out = false;
  // Expected.
  A action;
  C code = C::kOk;
  const char* reason = "";
  bool retryable = false;
};

AttemptFailure Failure(ErrorClass c, bool timed_out) {
  AttemptFailure f;
  f.error_class = c;
  f.timed_out = timed_out;
  f.provider = "openai";
  f.model = "gpt-4o";
  f.where = "openai/gpt-4o (key:1c2e): transient_error HTTP 503: busy";
  f.message = "busy";
  return f;
}

TEST(DecideAfterFailureTest, Table) {
  const FailureRow rows[] = {
      // Failures that fail over.
      {"transient moves to the next target", ErrorClass::kTransient, false,
       false, false, 1, 3, 3, false, A::kNextTarget, C::kOk, "", true},
      {"upstream timeout is transient", ErrorClass::kTransient, false, false,
       false, 1, 3, 3, true, A::kNextTarget, C::kOk, "", true},
      {"model not found moves on, not retryable", ErrorClass::kModelNotFound,
       false, false, false, 1, 3, 3, false, A::kNextTarget, C::kOk, "", false},
      // Key-specific failures rotate keys.
      {"rate limit: next key", ErrorClass::kRateLimited, false, false, false, 1,
       3, 3, false, A::kNextKey, C::kOk, "", true},
      {"auth error: next key", ErrorClass::kKeyInvalid, false, false, false, 1,
       3, 3, false, A::kNextKey, C::kOk, "", false},
      {"auth error, every key tried: next target", ErrorClass::kKeyInvalid,
       false, false, false, 3, 3, 3, false, A::kNextTarget, C::kOk, "", false},
      {"rate limit, max_key_attempts reached: next target",
       ErrorClass::kRateLimited, false, false, false, 2, 5, 2, false,
       A::kNextTarget, C::kOk, "", true},
      {"rate limit, max_key_attempts 0 means 1", ErrorClass::kRateLimited,
       false, false, false, 1, 5, 0, false, A::kNextTarget, C::kOk, "", true},
      {"auth error on a keyless provider: next target", ErrorClass::kKeyInvalid,
       false, false, false, 1, 0, 3, false, A::kNextTarget, C::kOk, "", false},
      // Failures that end the call.
      {"invalid request: no retry", ErrorClass::kInvalidRequest, false, false,
       false, 1, 3, 3, false, A::kFinish, C::kInvalidArgument,
       "INVALID_REQUEST"},
      {"failed precondition: no retry", ErrorClass::kFailedPrecondition, false,
       false, false, 1, 3, 3, false, A::kFinish, C::kFailedPrecondition,
       "PROVIDER_REFUSED"},
      {"stream after first token: no failover", ErrorClass::kTransient, false,
       false, true, 1, 3, 3, false, A::kFinish, C::kUnavailable,
       "STREAM_INTERRUPTED"},
      {"stream after first token, rate limit: no next key",
       ErrorClass::kRateLimited, false, false, true, 1, 3, 3, false, A::kFinish,
       C::kUnavailable, "STREAM_INTERRUPTED"},
      {"caller cancelled", ErrorClass::kCancelled, true, false, false, 1, 3, 3,
       false, A::kFinish, C::kCancelled},
      {"caller cancelled while a 503 came back", ErrorClass::kTransient, true,
       false, false, 1, 3, 3, false, A::kFinish, C::kCancelled},
      {"caller's deadline (cancel)", ErrorClass::kCancelled, true, true, false,
       1, 3, 3, false, A::kFinish, C::kDeadlineExceeded},
      {"caller's deadline (HTTP deadline timer)", ErrorClass::kCancelled, false,
       false, false, 1, 3, 3, true, A::kFinish, C::kDeadlineExceeded},
      {"cancelled by the gateway, not yet seen", ErrorClass::kCancelled, false,
       false, false, 1, 3, 3, false, A::kFinish, C::kCancelled},
      {"cancel beats invalid request", ErrorClass::kInvalidRequest, true, false,
       false, 1, 3, 3, false, A::kFinish, C::kCancelled},
      {"invalid request beats delivered output", ErrorClass::kInvalidRequest,
       false, false, true, 1, 3, 3, false, A::kFinish, C::kInvalidArgument,
       "INVALID_REQUEST"},
  };
  for (const FailureRow& row : rows) {
    SCOPED_TRACE(row.name);
    FailoverState state;
    state.caller_cancelled = row.cancelled;
    state.by_deadline = row.by_deadline;
    state.delivered_output = row.delivered;
    state.keys_tried = row.keys_tried;
    state.key_count = row.key_count;
    state.max_key_attempts = row.max_key_attempts;
    const FailoverDecision d =
        DecideAfterFailure(Failure(row.error_class, row.timed_out), state);
    EXPECT_EQ(FailoverActionName(d.action), FailoverActionName(row.action));
    if (row.action == A::kFinish) {
      EXPECT_EQ(d.status.code(), row.code) << d.status;
      EXPECT_EQ(ErrorReason(d.status), row.reason) << d.status;
    } else {
      EXPECT_EQ(d.round.retryable, row.retryable);
    }
  }
}

TEST(DecideAfterFailureTest, MessagesSayWhereAndWhy) {
  FailoverState state;
  state.delivered_output = true;
  FailoverDecision d =
      DecideAfterFailure(Failure(ErrorClass::kTransient, false), state);
  EXPECT_EQ(d.status.message(),
            "stream broke after output had started: openai/gpt-4o (key:1c2e): "
            "transient_error HTTP 503: busy");
  EXPECT_EQ(ErrorMeta(d.status, "provider"), "openai");
  EXPECT_EQ(ErrorMeta(d.status, "model"), "gpt-4o");
  state = FailoverState();
  state.caller_cancelled = state.by_deadline = true;
  d = DecideAfterFailure(Failure(ErrorClass::kCancelled, false), state);
  EXPECT_TRUE(absl::StartsWith(d.status.message(),
                               "deadline exceeded during openai/gpt-4o"))
      << d.status;
  d = DecideAfterFailure(Failure(ErrorClass::kInvalidRequest, false),
                         FailoverState());
  EXPECT_EQ(d.status.message(), "openai rejected the request: busy");
}

TEST(DecideAfterFailureTest, RoundRemembersTransientAndShortestRetryAfter) {
  FailoverState state;
  AttemptFailure limited = Failure(ErrorClass::kRateLimited, false);
  limited.retry_after = absl::Seconds(7);
  FailoverDecision d = DecideAfterFailure(limited, state);
  EXPECT_TRUE(d.round.retryable);
  EXPECT_FALSE(d.round.transient);
  EXPECT_EQ(d.round.retry_after, absl::Seconds(7));
  state.round = d.round;
  limited.retry_after = absl::Seconds(3);
  d = DecideAfterFailure(limited, state);
  EXPECT_EQ(d.round.retry_after, absl::Seconds(3));
  state.round = d.round;
  limited.retry_after = absl::Seconds(9);
  d = DecideAfterFailure(limited, state);
  EXPECT_EQ(d.round.retry_after, absl::Seconds(3));
  state.round = d.round;
  d = DecideAfterFailure(Failure(ErrorClass::kTransient, false), state);
  EXPECT_TRUE(d.round.transient);
  EXPECT_EQ(d.round.retry_after, absl::Seconds(3));
}

struct RoundRow {
  const char* name;
  bool enabled = true;
  bool delivered = false;
  int retries_done = 0;
  bool retryable = true;
  bool transient = true;
  std::optional<absl::Duration> retry_after;
  absl::Duration deadline_in = absl::InfiniteDuration();
  absl::Duration last_latency = absl::Milliseconds(100);
  // Expected.
  A action;
  absl::Duration delay = absl::ZeroDuration();
  const char* note = "";
};

TEST(DecideAfterRoundTest, Table) {
  // base 1s, max 30s, 3 retries; jitter 0.5 -> 0.75 of the ceiling.
  RetryConfig retry;
  const absl::Duration inf = absl::InfiniteDuration();
  const absl::Duration ms100 = absl::Milliseconds(100);
  const RoundRow rows[] = {
      {"first retry after 0.75s", true, false, 0, true, true, std::nullopt, inf,
       ms100, A::kRetryRound, absl::Milliseconds(750),
       "retry 1/3 after 750ms backoff"},
      {"second retry doubles", true, false, 1, true, true, std::nullopt, inf,
       ms100, A::kRetryRound, absl::Milliseconds(1500),
       "retry 2/3 after 1.5s backoff"},
      {"budget of retries exhausted", true, false, 3, true, true, std::nullopt,
       inf, ms100, A::kFinish, absl::ZeroDuration(), "gave up after 3 retries"},
      {"nothing retryable in the round", true, false, 0, false, false,
       std::nullopt, inf, ms100, A::kFinish},
      {"resilience off: one pass", false, false, 0, true, true, std::nullopt,
       inf, ms100, A::kFinish},
      {"output delivered: no retry", true, true, 0, true, true, std::nullopt,
       inf, ms100, A::kFinish},
      {"only rate limits: Retry-After wins when longer", true, false, 0, true,
       false, absl::Seconds(4), inf, ms100, A::kRetryRound, absl::Seconds(4),
       "retry 1/3 after 4s backoff"},
      {"only rate limits: backoff wins when longer", true, false, 0, true,
       false, absl::Milliseconds(200), inf, ms100, A::kRetryRound,
       absl::Milliseconds(750), "retry 1/3 after 750ms backoff"},
      {"a transient failure: Retry-After ignored", true, false, 0, true, true,
       absl::Seconds(4), inf, ms100, A::kRetryRound, absl::Milliseconds(750),
       "retry 1/3 after 750ms backoff"},
      {"deadline too short for the backoff", true, false, 0, true, true,
       std::nullopt, absl::Milliseconds(500), ms100, A::kFinish,
       absl::ZeroDuration(),
       "no retry: a 750ms backoff plus another attempt would not finish "
       "before the deadline in 500ms"},
      {"deadline too short for backoff plus an attempt", true, false, 0, true,
       true, std::nullopt, absl::Milliseconds(800), ms100, A::kFinish,
       absl::ZeroDuration(),
       "no retry: a 750ms backoff plus another attempt would not finish "
       "before the deadline in 800ms"},
      {"deadline leaves room", true, false, 0, true, true, std::nullopt,
       absl::Milliseconds(900), ms100, A::kRetryRound, absl::Milliseconds(750),
       "retry 1/3 after 750ms backoff"},
  };
  const absl::Time now = absl::FromUnixSeconds(1000);
  for (const RoundRow& row : rows) {
    SCOPED_TRACE(row.name);
    RoundEnd end;
    end.resilience_enabled = row.enabled;
    end.delivered_output = row.delivered;
    end.retries_done = row.retries_done;
    end.round.retryable = row.retryable;
    end.round.transient = row.transient;
    end.round.retry_after = row.retry_after;
    end.now = now;
    end.deadline =
        row.deadline_in == inf ? absl::InfiniteFuture() : now + row.deadline_in;
    end.last_attempt_latency = row.last_latency;
    end.jitter_unit = 0.5;
    const FailoverDecision d = DecideAfterRound(end, retry);
    EXPECT_EQ(FailoverActionName(d.action), FailoverActionName(row.action));
    EXPECT_EQ(d.delay, row.delay);
    EXPECT_EQ(d.note, row.note);
    if (row.action == A::kFinish) {
      EXPECT_TRUE(d.status.ok());
    }
  }
}

TEST(DecideAfterRoundTest, NoRetriesConfiguredSaysNothing) {
  RetryConfig retry;
  retry.max_retries = 0;
  RoundEnd end;
  end.round.retryable = true;
  const FailoverDecision d = DecideAfterRound(end, retry);
  EXPECT_EQ(d.action, A::kFinish);
  EXPECT_EQ(d.note, "");
  retry.max_retries = 1;
  end.retries_done = 1;
  EXPECT_EQ(DecideAfterRound(end, retry).note, "gave up after 1 retry");
}

TEST(DecideAfterRoundTest, JitterStaysWithinTheCeiling) {
  RetryConfig retry;
  RoundEnd end;
  end.round.retryable = true;
  end.retries_done = 2;  // ceiling 4s
  end.jitter_unit = 0;
  EXPECT_EQ(DecideAfterRound(end, retry).delay, absl::Seconds(2));
  end.jitter_unit = 0.999999;
  EXPECT_LE(DecideAfterRound(end, retry).delay, absl::Seconds(4));
  EXPECT_GT(DecideAfterRound(end, retry).delay, absl::Milliseconds(3999));
}

TEST(DecideBeforeAttemptTest, Table) {
  const absl::Time now = absl::FromUnixSeconds(1000);
  struct Row {
    bool cancelled, by_deadline;
    absl::Time deadline;
    A action;
    C code;
    const char* message;
  } rows[] = {
      {false, false, absl::InfiniteFuture(), A::kNextTarget, C::kOk, ""},
      {false, false, now + absl::Seconds(1), A::kNextTarget, C::kOk, ""},
      {false, false, now, A::kFinish, C::kDeadlineExceeded,
       "deadline exceeded after 2 attempt(s)"},
      {true, false, absl::InfiniteFuture(), A::kFinish, C::kCancelled,
       "cancelled by the caller"},
      {true, true, now + absl::Seconds(1), A::kFinish, C::kDeadlineExceeded,
       "deadline exceeded"},
  };
  for (const Row& row : rows) {
    const FailoverDecision d = DecideBeforeAttempt(
        row.cancelled, row.by_deadline, now, row.deadline, 2);
    EXPECT_EQ(d.action, row.action);
    EXPECT_EQ(d.status.code(), row.code);
    EXPECT_EQ(d.status.message(), row.message);
  }
}

TEST(AllAttemptsFailedStatusTest, Table) {
  AttemptRecord a{"openai",
                  "gpt-4o",
                  "key:1",
                  AttemptOutcome::kModelNotFound,
                  absl::Milliseconds(5),
                  404,
                  "no such model"};
  AttemptRecord b{
      "fireworks",           "m", "",    AttemptOutcome::kTransientError,
      absl::Milliseconds(5), 503, "busy"};
  AttemptRecord skipped{"local",
                        "llama",
                        "",
                        AttemptOutcome::kSkipped,
                        absl::ZeroDuration(),
                        0,
                        "circuit open"};
  absl::Status s = AllAttemptsFailedStatus({a}, {ErrorClass::kModelNotFound},
                                           "", "openai/gpt-4o", "gpt-4o", {});
  EXPECT_EQ(s.code(), C::kNotFound);
  EXPECT_EQ(ErrorReason(s), "MODEL_NOT_FOUND");
  s = AllAttemptsFailedStatus({skipped}, {}, "", "", "llama", {});
  EXPECT_EQ(s.code(), C::kUnavailable);
  EXPECT_EQ(ErrorReason(s), "NO_PROVIDER_AVAILABLE");
  EXPECT_EQ(s.message(),
            "no provider could be attempted: local/llama: skipped: circuit "
            "open");
  s = AllAttemptsFailedStatus(
      {a, b}, {ErrorClass::kModelNotFound, ErrorClass::kTransient},
      "gave up after 3 retries", "fireworks/m", "gpt-4o", absl::Seconds(2));
  EXPECT_EQ(s.code(), C::kUnavailable);
  EXPECT_EQ(ErrorReason(s), "ALL_ATTEMPTS_FAILED");
  EXPECT_TRUE(absl::StartsWith(s.message(), "all 2 attempt(s) failed: "));
  EXPECT_TRUE(absl::EndsWith(s.message(), "(gave up after 3 retries)"));
  EXPECT_EQ(ErrorMeta(s, "provider"), "fireworks");
  EXPECT_EQ(ErrorMeta(s, "model"), "m");
  EXPECT_EQ(RetryAfter(s), absl::Seconds(2));
}

TEST(CancelIsDeadlineTest, Table) {
  const absl::Time arrival = absl::FromUnixSeconds(1000);
  struct Row {
    const char* name;
    bool reported;
    absl::Duration timeout;  // deadline - arrival (inf: none)
    absl::Duration at;       // now - arrival
    bool expected;
  } rows[] = {
      {"reported by the front", true, absl::InfiniteDuration(),
       absl::Seconds(1), true},
      {"no deadline", false, absl::InfiniteDuration(), absl::Hours(1), false},
      {"early user cancel", false, absl::Seconds(30), absl::Seconds(10), false},
      {"past the deadline", false, absl::Seconds(30), absl::Seconds(31), true},
      {"client reset 5ms before the rounded-up server deadline (1.005s -> "
       "1.01s)",
       false, absl::Milliseconds(1010), absl::Milliseconds(1005), true},
      {"30.05s rounded up to 30.1s, reset 50ms early", false,
       absl::Milliseconds(30100), absl::Milliseconds(30050), true},
      {"cancel 100ms before a 2s deadline is the user's", false,
       absl::Seconds(2), absl::Milliseconds(1900), false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const absl::Time deadline = row.timeout == absl::InfiniteDuration()
                                    ? absl::InfiniteFuture()
                                    : arrival + row.timeout;
    EXPECT_EQ(
        CancelIsDeadline(row.reported, arrival + row.at, arrival, deadline),
        row.expected);
  }
}

}  // namespace
}  // namespace llmgw
