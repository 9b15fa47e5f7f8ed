// GenerateCall: attempts, key and target failover, retry rounds. What to do
// after a failure is decided by dispatch/failover_policy.h; this file does
// it and keeps the trail, health and observer up to date.
#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "dispatch/attempt_budget.h"
#include "dispatch/embed_reply.h"
#include "dispatch/generate_call.h"

namespace llmgw {

void GenerateCall::NextAttempt() {
  const FailoverDecision go =
      DecideBeforeAttempt(cancelled_, cancelled_by_deadline_, deps_.loop->Now(),
                          input_.deadline, result_.attempts.size());
  if (go.action == FailoverAction::kFinish) {
    Finish(go.status);
    return;
  }
  while (target_index_ < plan_.size()) {
    const Target& target = plan_[target_index_];
    Admission admission;
    if (SkipTarget(target, &admission)) {
      AdvanceTarget();
      continue;
    }
    StartAttempt(target, admission.key);
    return;
  }
  if (MaybeScheduleRetry()) return;
  FinishAllFailed();
}

bool GenerateCall::SkipTarget(const Target& target, Admission* admission) {
  const ProviderEntry& entry = *target.entry;
  const bool first_key = tried_keys_.empty();
  if (first_key && input_.min_confidence > 0 &&
      entry.spec.confidence_score < input_.min_confidence) {
    if (round_ == 0) {
      AttemptRecord skipped;
      skipped.provider = entry.spec.name;
      skipped.model = target.model;
      skipped.detail =
          absl::StrCat("confidence ", entry.spec.confidence_score,
                       " is below min_confidence ", input_.min_confidence);
      result_.attempts.push_back(std::move(skipped));
    }
    return true;
  }
  if (tried_keys_.size() >= static_cast<size_t>(std::max(
                                1, deps_.resilience.keys.max_key_attempts))) {
    return true;
  }
  *admission = Admit(target);
  if (admission->admitted) return false;
  if (first_key) {
    // The provider is out of service: say why in the trail.
    AttemptRecord skipped;
    skipped.provider = entry.spec.name;
    skipped.model = target.model;
    skipped.detail = admission->reason;
    if (deps_.observer != nullptr) {
      deps_.observer->AttemptSkipped(Info(), skipped);
    }
    // Falling back past an unhealthy provider is a cascade too.
    last_failed_ = absl::StrCat(skipped.provider, "/", skipped.model);
    last_failure_reason_ = absl::StrCat("skipped: ", admission->reason);
    result_.attempts.push_back(std::move(skipped));
  }
  return true;
}

Admission GenerateCall::Admit(const Target& target) {
  const ProviderEntry& entry = *target.entry;
  ProviderHealth* health =
      deps_.health != nullptr ? deps_.health->Find(entry.spec.name) : nullptr;
  if (health != nullptr) {
    // A call whose last target is its only chance (nothing tried yet) may
    // probe an open circuit early: see ProviderHealth::Admit.
    const bool no_alternative =
        target_index_ + 1 == plan_.size() &&
        std::all_of(result_.attempts.begin(), result_.attempts.end(),
                    [](const AttemptRecord& a) {
                      return a.outcome == AttemptOutcome::kSkipped;
                    });
    return health->Admit(deps_.loop->Now(), tried_keys_, target.model,
                         no_alternative);
  }
  // Untracked: every key in order.
  Admission a;
  for (size_t i = 0; i < std::max<size_t>(1, entry.api_keys.size()); ++i) {
    if (std::find(tried_keys_.begin(), tried_keys_.end(), i) ==
        tried_keys_.end()) {
      a.admitted = true;
      if (!entry.api_keys.empty()) a.key = i;
      return a;
    }
  }
  a.reason = "every key was tried";
  return a;
}

void GenerateCall::AdvanceTarget() {
  ++target_index_;
  tried_keys_.clear();
}

CallOptions GenerateCall::AttemptOptions(const Target& target,
                                         std::optional<size_t> key) {
  const ProviderEntry& entry = *target.entry;
  CallOptions options;
  attempt_key_ = key;
  if (key && *key < entry.api_keys.size()) {
    options.api_key = entry.api_keys[*key];
    attempt_key_fingerprint_ = entry.key_fingerprints[*key];
  } else {
    attempt_key_.reset();
    attempt_key_fingerprint_.clear();
  }
  options.deadline = input_.deadline;
  if (input_.stream) options.stream_sink = this;
  attempt_start_ = deps_.loop->Now();
  stream_timeout_.clear();
  // This attempt's share of the caller's deadline, so the targets after it
  // can still answer (streams: until the first token).
  const AttemptBudget budget = ComputeAttemptBudget(
      attempt_start_, input_.deadline, plan_.size() - target_index_,
      deps_.resilience.min_attempt_budget);
  budget_note_ = budget.note;
  options.attempt_timeout = budget.limit;
  options.min_bytes_per_second = deps_.resilience.min_transfer_rate;
  options.min_rate_window = deps_.resilience.min_rate_window;
  ArmFirstTokenTimer(target, budget);
  return options;
}

void GenerateCall::StartAttempt(const Target& target,
                                std::optional<size_t> key) {
  const ProviderEntry& entry = *target.entry;
  tried_keys_.push_back(key.value_or(0));
  CallOptions options = AttemptOptions(target, key);
  if (!last_failed_.empty() && deps_.observer != nullptr) {
    const std::string here = absl::StrCat(entry.spec.name, "/", target.model);
    if (last_failed_ != here) {
      deps_.observer->FellBack(
          Info(),
          FallbackEvent{last_failed_, entry.spec.name, target.model,
                        attempt_key_fingerprint_, last_failure_reason_});
    }
  }
  ProviderRequest request = input_.request;
  request.model = target.model;
  current_ = entry.provider->Generate(
      std::move(request), std::move(options),
      [self = shared_from_this()](ProviderOutcome outcome) {
        self->OnAttemptDone(std::move(outcome));
      });
  // (A provider that failed at once has finished the call by now.)
  if (!phases_.dispatch && !finished_) {
    phases_.dispatch = deps_.loop->Now() - run_at_;
  }
}

AttemptRecord GenerateCall::RecordAttempt(const Target& target,
                                          ProviderOutcome& outcome) {
  if (!stream_timeout_.empty() && !cancelled_ && !outcome.ok() &&
      outcome.error->error_class == ErrorClass::kCancelled) {
    // A stream timer cut the attempt: an upstream timeout, not a cancel.
    outcome.error->error_class = ErrorClass::kTransient;
    outcome.error->timed_out = true;
    outcome.error->message = stream_timeout_;
  }
  stream_timeout_.clear();
  AttemptRecord attempt;
  attempt.provider = target.entry->spec.name;
  attempt.model = target.model;
  attempt.key_fingerprint = attempt_key_fingerprint_;
  attempt.latency = deps_.loop->Now() - attempt_start_;
  last_attempt_latency_ = attempt.latency;
  upstream_time_ += attempt.latency;
  if (outcome.ok()) {
    attempt.outcome = AttemptOutcome::kSuccess;
  } else {
    ProviderError& error = *outcome.error;
    attempt.outcome = OutcomeFor(error, cancelled_);
    attempt.http_status = error.http_status;
    if (absl::StartsWith(error.message, "attempt_timeout") &&
        !budget_note_.empty()) {
      absl::StrAppend(&error.message, " (", budget_note_, ")");
    }
    attempt.detail = error.message;
  }
  if (!retry_note_.empty()) {
    attempt.detail = attempt.detail.empty()
                         ? retry_note_
                         : absl::StrCat(retry_note_, "; ", attempt.detail);
    retry_note_.clear();
  }
  result_.provider = attempt.provider;
  result_.model =
      outcome.reply.model.empty() ? target.model : outcome.reply.model;
  result_.reply = std::move(outcome.reply);
  return attempt;
}

void GenerateCall::OnAttemptDone(ProviderOutcome outcome) {
  attempt_done_at_ = deps_.loop->Now();
  current_.reset();
  CheckEmbedReply(input_.request, outcome);
  CancelStreamTimer();
  const Target& target = plan_[target_index_];
  AttemptRecord attempt = RecordAttempt(target, outcome);
  if (outcome.ok()) {
    if (deps_.observer != nullptr) {
      deps_.observer->AttemptFinished(Info(), attempt, "");
    }
    result_.attempts.push_back(std::move(attempt));
    RecordHealth(AttemptOutcome::kSuccess, std::nullopt, "success");
    Finish(absl::OkStatus());
    return;
  }
  const ProviderError& error = *outcome.error;
  failure_classes_.push_back(error.error_class);
  std::string reason(AttemptOutcomeName(attempt.outcome));
  if (error.http_status != 0) {
    absl::StrAppend(&reason, " HTTP ", error.http_status);
  }
  if (!error.message.empty()) absl::StrAppend(&reason, ": ", error.message);
  RecordHealth(attempt.outcome, error.retry_after, reason);
  if (deps_.observer != nullptr) {
    deps_.observer->AttemptFinished(Info(), attempt, reason);
  }
  AttemptFailure failure;
  failure.error_class = error.error_class;
  failure.timed_out = error.timed_out;
  failure.retry_after = error.retry_after;
  failure.provider = attempt.provider;
  failure.model = attempt.model;
  failure.where = DescribeAttempt(attempt);
  failure.message = error.message;
  last_failed_ = absl::StrCat(attempt.provider, "/", attempt.model);
  last_failure_reason_ = std::move(reason);
  result_.attempts.push_back(std::move(attempt));
  FailoverState state;
  state.caller_cancelled = cancelled_;
  state.by_deadline = cancelled_by_deadline_;
  state.delivered_output = delivered_any_;
  state.keys_tried = static_cast<int>(tried_keys_.size());
  state.key_count = target.entry->api_keys.size();
  state.max_key_attempts = deps_.resilience.keys.max_key_attempts;
  state.round = round_state_;
  Apply(DecideAfterFailure(failure, state));
}

void GenerateCall::Apply(const FailoverDecision& decision) {
  switch (decision.action) {
    case FailoverAction::kFinish:
      Finish(decision.status);
      return;
    case FailoverAction::kNextTarget:
      AdvanceTarget();
      [[fallthrough]];
    case FailoverAction::kNextKey:
    case FailoverAction::kRetryRound:
      round_state_ = decision.round;
      NextAttempt();
      return;
  }
}

void GenerateCall::RecordHealth(AttemptOutcome outcome,
                                std::optional<absl::Duration> retry_after,
                                absl::string_view reason) {
  if (deps_.health == nullptr) return;
  const Target& target = plan_[target_index_];
  ProviderHealth* health = deps_.health->Find(target.entry->spec.name);
  if (health == nullptr) return;
  const HealthOutcome effect = HealthOutcomeOf(outcome);
  if (effect != HealthOutcome::kRateLimited) retry_after.reset();
  health->Record(effect, attempt_key_, deps_.loop->Now(), retry_after,
                 target.model, std::string(reason));
}

bool GenerateCall::MaybeScheduleRetry() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  RoundEnd end;
  end.resilience_enabled = deps_.resilience.enabled;
  end.delivered_output = delivered_any_;
  end.retries_done = round_;
  end.round = round_state_;
  end.now = deps_.loop->Now();
  end.deadline = input_.deadline;
  end.last_attempt_latency = last_attempt_latency_;
  end.jitter_unit = std::uniform_real_distribution<double>(0, 1)(rng);
  const RetryConfig& retry = deps_.resilience.retry;
  FailoverDecision d = DecideAfterRound(end, retry);
  if (d.action != FailoverAction::kRetryRound) {
    if (!d.note.empty()) no_retry_reason_ = std::move(d.note);
    return false;
  }
  ++round_;
  retry_note_ = std::move(d.note);
  backoff_ += d.delay;
  if (deps_.observer != nullptr) {
    const AttemptRecord* last =
        result_.attempts.empty() ? nullptr : &result_.attempts.back();
    RetryEvent event;
    if (last != nullptr) {
      event.provider = last->provider;
      event.model = last->model;
      event.key_fingerprint = last->key_fingerprint;
    }
    event.from = last_failed_;
    event.reason = last_failure_reason_;
    event.retry = round_;
    event.max_retries = retry.max_retries;
    event.delay = d.delay;
    deps_.observer->RetryScheduled(Info(), event);
  }
  retry_timer_ = deps_.loop->RunAfter(d.delay, [self = shared_from_this()] {
    self->retry_timer_.reset();
    if (self->finished_) return;
    self->StartRetryRound();
  });
  return true;
}

void GenerateCall::StartRetryRound() {
  target_index_ = 0;
  tried_keys_.clear();
  round_state_ = RoundState();
  NextAttempt();
}

void GenerateCall::FinishAllFailed() {
  Finish(AllAttemptsFailedStatus(
      result_.attempts, failure_classes_, no_retry_reason_, last_failed_,
      input_.request.model, round_state_.retry_after));
}

}  // namespace llmgw
