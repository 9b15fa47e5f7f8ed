#include "dispatch/generate_call.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dispatch/attempt_budget.h"
#include "dispatch/failure_details.h"
#include "resilience/backoff.h"

namespace llmgw {

GenerateCall::GenerateCall(const DispatchDeps& deps, GenerateInput input,
                           DeltaCallback on_delta, DoneCallback on_done)
    : deps_(deps),
      input_(std::move(input)),
      on_delta_(std::move(on_delta)),
      on_done_(std::move(on_done)),
      charge_(deps.ledger, deps.budget.default_max_output_tokens) {}

ChargeTarget GenerateCall::ChargeTargetFor(const Target& target) const {
  return ChargeTarget{target.entry->spec.name, target.model,
                      target.entry->spec.FindModel(target.model)};
}

std::shared_ptr<GenerateCall> GenerateCall::Create(const DispatchDeps& deps,
                                                   GenerateInput input,
                                                   DeltaCallback on_delta,
                                                   DoneCallback on_done) {
  return std::make_shared<GenerateCall>(
      deps, std::move(input), std::move(on_delta), std::move(on_done));
}

void GenerateCall::Start() {
  deps_.loop->Post([self = shared_from_this()] { self->Run(); });
}

void GenerateCall::Cancel(bool deadline) {
  deps_.loop->Post([self = shared_from_this(), deadline] {
    if (self->finished_ || self->cancelled_) return;
    self->cancelled_ = true;
    self->cancelled_by_deadline_ = deadline;
    if (self->current_) {
      // Completes the attempt with kCancelled, which finishes the call.
      self->current_->Cancel();
    } else {
      // Waiting in a retry backoff (or not started): nothing is in flight.
      if (self->retry_timer_) {
        self->deps_.loop->CancelTimer(*self->retry_timer_);
        self->retry_timer_.reset();
      }
      self->Finish(deadline ? absl::DeadlineExceededError("deadline exceeded")
                            : absl::CancelledError("cancelled by the caller"));
    }
  });
}

void GenerateCall::OnDelta(absl::string_view text) {
  if (finished_ || text.empty()) return;
  if (!delivered_any_) {
    delivered_any_ = true;
    result_.time_to_first_token = deps_.loop->Now() - input_.arrival;
  }
  if (current_ != nullptr) {
    last_delta_at_ = deps_.loop->Now();
    if (!stream_timer_is_idle_) {
      // The first delta replaces the first-token timer with the idle timer.
      const absl::Duration idle =
          plan_[target_index_].entry->spec.timeouts.stream_idle;
      ArmStreamTimer(
          idle, absl::StrCat("stream idle for ", absl::FormatDuration(idle),
                             " after output had started"));
      stream_timer_is_idle_ = true;
    }
  }
  if (on_delta_) on_delta_(text);
}

void GenerateCall::ArmStreamTimer(absl::Duration after, std::string detail) {
  CancelStreamTimer();
  if (after <= absl::ZeroDuration() || after == absl::InfiniteDuration()) {
    return;
  }
  stream_timer_detail_ = std::move(detail);
  stream_timer_ = deps_.loop->RunAfter(
      after, [self = shared_from_this()] { self->OnStreamTimeout(); });
}

void GenerateCall::CancelStreamTimer() {
  stream_timer_is_idle_ = false;
  if (stream_timer_) {
    deps_.loop->CancelTimer(*stream_timer_);
    stream_timer_.reset();
  }
}

void GenerateCall::OnStreamTimeout() {
  stream_timer_.reset();
  if (finished_ || current_ == nullptr) return;
  if (stream_timer_is_idle_) {
    // Deltas arrived since the timer was armed: wait for what is left.
    const absl::Duration idle =
        plan_[target_index_].entry->spec.timeouts.stream_idle;
    const absl::Duration quiet = deps_.loop->Now() - last_delta_at_;
    if (quiet < idle) {
      stream_timer_ = deps_.loop->RunAfter(
          idle - quiet,
          [self = shared_from_this()] { self->OnStreamTimeout(); });
      return;
    }
  }
  stream_timeout_ = stream_timer_detail_;
  // Completes the attempt (kCancelled), which OnAttemptDone turns into a
  // timeout.
  current_->Cancel();
}

absl::Status GenerateCall::BuildPlan() {
  absl::StatusOr<std::vector<PlanTarget>> plan =
      BuildAttemptPlan(*deps_.registry, input_.request.model,
                       input_.fallback_models, &result_.attempts);
  if (!plan.ok()) return plan.status();
  plan_ = *std::move(plan);
  return absl::OkStatus();
}

void GenerateCall::Run() {
  if (cancelled_) return;
  absl::Status planned = BuildPlan();
  if (!planned.ok()) {
    Finish(planned);
    return;
  }
  // Reserve the worst case over every target that could answer.
  std::vector<ChargeTarget> targets;
  for (const Target& t : plan_) targets.push_back(ChargeTargetFor(t));
  ChargeContext context;
  context.client_id = input_.client_id;
  context.expires_at = (input_.deadline == absl::InfiniteFuture()
                            ? deps_.loop->Now() + absl::Hours(1)
                            : input_.deadline) +
                       deps_.budget.reservation_timeout;
  // The ledger answers on the loop; no ledger I/O runs here.
  charge_.Reserve(
      input_.request, targets, context,
      [self = shared_from_this()](absl::Status reserved) {
        if (self->finished_) return;
        if (reserved.ok()) {
          self->NextAttempt();
          return;
        }
        if (!WantsBudgetWindow(reserved) || self->deps_.ledger == nullptr) {
          self->Finish(WithBudgetDetails(std::move(reserved), nullptr));
          return;
        }
        // A refusal says when the window turns (RetryInfo): one more
        // asynchronous ledger read, only on this path.
        self->deps_.ledger->SnapshotAsync(
            "global", [self, reserved = std::move(reserved)](
                          absl::StatusOr<BudgetSnapshot> global) mutable {
              if (self->finished_) return;
              self->Finish(WithBudgetDetails(std::move(reserved),
                                             global.ok() ? &*global : nullptr));
            });
      });
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
  keys_tried_ = 0;
}

void GenerateCall::NextAttempt() {
  if (cancelled_) {
    Finish(cancelled_by_deadline_
               ? absl::DeadlineExceededError("deadline exceeded")
               : absl::CancelledError("cancelled by the caller"));
    return;
  }
  if (deps_.loop->Now() >= input_.deadline) {
    Finish(absl::DeadlineExceededError(absl::StrCat(
        "deadline exceeded after ", result_.attempts.size(), " attempt(s)")));
    return;
  }
  while (target_index_ < plan_.size()) {
    const Target& target = plan_[target_index_];
    const ProviderEntry& entry = *target.entry;
    if (keys_tried_ == 0 && input_.min_confidence > 0 &&
        entry.spec.confidence_score < input_.min_confidence) {
      if (round_ == 0) {
        AttemptRecord skipped{
            entry.spec.name,
            target.model,
            "",
            AttemptOutcome::kSkipped,
            absl::ZeroDuration(),
            0,
            absl::StrCat("confidence ", entry.spec.confidence_score,
                         " is below min_confidence ", input_.min_confidence)};
        result_.attempts.push_back(std::move(skipped));
      }
      AdvanceTarget();
      continue;
    }
    if (keys_tried_ >= std::max(1, deps_.resilience.keys.max_key_attempts)) {
      AdvanceTarget();
      continue;
    }
    Admission admission = Admit(target);
    if (!admission.admitted) {
      if (keys_tried_ == 0) {
        // The provider is out of service: say why in the trail.
        AttemptRecord skipped{
            entry.spec.name,          target.model,         "",
            AttemptOutcome::kSkipped, absl::ZeroDuration(), 0,
            admission.reason};
        if (deps_.metrics != nullptr) {
          deps_.metrics->UpstreamSkipped(skipped.provider, skipped.model,
                                         admission.reason);
        }
        // Falling back past an unhealthy provider is a cascade too.
        last_failed_ = absl::StrCat(skipped.provider, "/", skipped.model);
        last_failure_reason_ = absl::StrCat("skipped: ", admission.reason);
        result_.attempts.push_back(std::move(skipped));
      }
      AdvanceTarget();
      continue;
    }
    StartAttempt(target, admission.key);
    return;
  }
  if (MaybeScheduleRetry()) return;
  FinishAllFailed();
}

bool GenerateCall::MaybeScheduleRetry() {
  if (!deps_.resilience.enabled || !retryable_in_round_ || delivered_any_) {
    return false;
  }
  const RetryConfig& retry = deps_.resilience.retry;
  if (round_ >= retry.max_retries) {
    if (retry.max_retries > 0) {
      no_retry_reason_ =
          absl::StrCat("gave up after ", retry.max_retries, " retr",
                       retry.max_retries == 1 ? "y" : "ies");
    }
    return false;
  }
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const double unit = std::uniform_real_distribution<double>(0, 1)(rng);
  absl::Duration delay = BackoffDelay(retry, round_ + 1, unit);
  // Retry-After decides when every failure of the round was a rate limit.
  if (retry_after_ && !transient_in_round_ && *retry_after_ > delay) {
    delay = *retry_after_;
  }
  const absl::Time now = deps_.loop->Now();
  if (now + delay + last_attempt_latency_ >= input_.deadline) {
    no_retry_reason_ = absl::StrCat(
        "no retry: a ", absl::FormatDuration(delay),
        " backoff plus another attempt would not finish before the deadline "
        "in ",
        absl::FormatDuration(
            absl::Trunc(input_.deadline - now, absl::Milliseconds(1))));
    return false;
  }
  ++round_;
  retry_note_ = absl::StrCat(
      "retry ", round_, "/", retry.max_retries, " after ",
      absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(1))),
      " backoff");
  backoff_ += delay;
  if (deps_.metrics != nullptr) {
    deps_.metrics->Retry(last_failed_, last_failure_reason_);
  }
  if (deps_.audit != nullptr) {
    const AttemptRecord* last =
        result_.attempts.empty() ? nullptr : &result_.attempts.back();
    deps_.audit->Write("llm_retry",
                       {{"request_id", input_.request.request_id},
                        {"provider", last != nullptr ? last->provider : ""},
                        {"model", last != nullptr ? last->model : ""},
                        {"key", last != nullptr ? last->key_fingerprint : ""},
                        {"retry", round_},
                        {"max_retries", retry.max_retries},
                        {"delay_ms", absl::ToInt64Milliseconds(delay)},
                        {"reason", last_failure_reason_}});
  }
  retry_timer_ = deps_.loop->RunAfter(delay, [self = shared_from_this()] {
    self->retry_timer_.reset();
    if (self->finished_) return;
    self->target_index_ = 0;
    self->tried_keys_.clear();
    self->keys_tried_ = 0;
    self->retryable_in_round_ = false;
    self->transient_in_round_ = false;
    self->retry_after_.reset();
    self->NextAttempt();
  });
  return true;
}

void GenerateCall::StartAttempt(const Target& target,
                                std::optional<size_t> key) {
  const ProviderEntry& entry = *target.entry;
  ++keys_tried_;
  tried_keys_.push_back(key.value_or(0));
  CallOptions options;
  attempt_key_ = key;
  if (key && *key < entry.api_keys.size()) {
    options.api_key = entry.api_keys[*key];
    attempt_key_fingerprint_ = entry.key_fingerprints[*key];
  } else {
    attempt_key_.reset();
    attempt_key_fingerprint_.clear();
  }
  const std::string here = absl::StrCat(entry.spec.name, "/", target.model);
  if (!last_failed_.empty() && last_failed_ != here &&
      deps_.metrics != nullptr) {
    deps_.metrics->Fallback(last_failed_, last_failure_reason_);
  }
  if (!last_failed_.empty() && last_failed_ != here && deps_.audit != nullptr) {
    deps_.audit->Write("cascade", {{"request_id", input_.request.request_id},
                                   {"from", last_failed_},
                                   {"provider", entry.spec.name},
                                   {"model", target.model},
                                   {"key", attempt_key_fingerprint_},
                                   {"reason", last_failure_reason_}});
  }
  options.deadline = input_.deadline;
  if (input_.stream) options.stream_sink = this;
  ProviderRequest request = input_.request;
  request.model = target.model;
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
  if (input_.stream && !delivered_any_) {
    const absl::Duration first = entry.spec.timeouts.first_token;
    if (budget.limit < first) {
      ArmStreamTimer(budget.limit,
                     absl::StrCat("no first token within ",
                                  absl::FormatDuration(budget.limit), " (",
                                  budget.note, ")"));
    } else {
      ArmStreamTimer(first, absl::StrCat("no first token within ",
                                         absl::FormatDuration(first)));
    }
  }
  current_ = entry.provider->Generate(
      std::move(request), std::move(options),
      [self = shared_from_this()](ProviderOutcome outcome) {
        self->OnAttemptDone(std::move(outcome));
      });
}

void GenerateCall::RecordHealth(const ProviderError* error,
                                absl::string_view reason) {
  if (deps_.health == nullptr) return;
  const Target& target = plan_[target_index_];
  ProviderHealth* health = deps_.health->Find(target.entry->spec.name);
  if (health == nullptr) return;
  HealthOutcome outcome = HealthOutcome::kSuccess;
  std::optional<absl::Duration> retry_after;
  if (error != nullptr) {
    switch (error->error_class) {
      case ErrorClass::kTransient:
        outcome = HealthOutcome::kTransient;
        break;
      case ErrorClass::kRateLimited:
        outcome = HealthOutcome::kRateLimited;
        retry_after = error->retry_after;
        break;
      case ErrorClass::kKeyInvalid:
        outcome = HealthOutcome::kKeyInvalid;
        break;
      default:
        outcome = HealthOutcome::kNeutral;
        break;
    }
    // A call the caller abandoned says nothing about the provider.
    if (cancelled_) outcome = HealthOutcome::kNeutral;
  }
  health->Record(outcome, attempt_key_, deps_.loop->Now(), retry_after,
                 target.model, std::string(reason));
}

void GenerateCall::OnAttemptDone(ProviderOutcome outcome) {
  current_.reset();
  CancelStreamTimer();
  if (!stream_timeout_.empty() && !cancelled_ && !outcome.ok() &&
      outcome.error->error_class == ErrorClass::kCancelled) {
    outcome.error->error_class = ErrorClass::kTransient;
    outcome.error->timed_out = true;
    outcome.error->message = stream_timeout_;
  }
  stream_timeout_.clear();
  const Target& target = plan_[target_index_];
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
    attempt.outcome = OutcomeFor(*outcome.error);
    attempt.http_status = outcome.error->http_status;
    if (absl::StartsWith(outcome.error->message, "attempt_timeout") &&
        !budget_note_.empty()) {
      absl::StrAppend(&outcome.error->message, " (", budget_note_, ")");
    }
    attempt.detail = outcome.error->message;
  }
  if (!retry_note_.empty()) {
    attempt.detail = attempt.detail.empty()
                         ? retry_note_
                         : absl::StrCat(retry_note_, "; ", attempt.detail);
    retry_note_.clear();
  }
  if (deps_.metrics != nullptr) {
    deps_.metrics->UpstreamAttempt(attempt.provider, attempt.model,
                                   AttemptOutcomeName(attempt.outcome),
                                   attempt.latency);
  }
  result_.attempts.push_back(attempt);
  result_.provider = attempt.provider;
  result_.model =
      outcome.reply.model.empty() ? target.model : outcome.reply.model;
  result_.reply = std::move(outcome.reply);

  if (outcome.ok()) {
    RecordHealth(nullptr, "success");
    Finish(absl::OkStatus());
    return;
  }
  const ProviderError& error = *outcome.error;
  failure_classes_.push_back(error.error_class);
  const std::string where = DescribeAttempt(attempt);
  std::string reason = std::string(AttemptOutcomeName(attempt.outcome));
  if (error.http_status != 0) {
    absl::StrAppend(&reason, " HTTP ", error.http_status);
  }
  if (!error.message.empty()) absl::StrAppend(&reason, ": ", error.message);
  RecordHealth(&error, reason);
  if (deps_.audit != nullptr && !cancelled_ &&
      error.error_class != ErrorClass::kCancelled) {
    deps_.audit->Write(
        "llm_error",
        {{"request_id", input_.request.request_id},
         {"provider", attempt.provider},
         {"model", attempt.model},
         {"key", attempt.key_fingerprint},
         {"outcome", std::string(AttemptOutcomeName(attempt.outcome))},
         {"http_status", error.http_status},
         {"latency_ms", absl::ToInt64Milliseconds(attempt.latency)},
         {"reason", reason}});
  }
  last_failed_ = absl::StrCat(attempt.provider, "/", attempt.model);
  last_failure_reason_ = reason;
  if (cancelled_ || error.error_class == ErrorClass::kCancelled) {
    const bool deadline = cancelled_ ? cancelled_by_deadline_ : error.timed_out;
    Finish(deadline ? absl::DeadlineExceededError(
                          absl::StrCat("deadline exceeded during ", where))
                    : absl::CancelledError("cancelled by the caller"));
    return;
  }
  if (error.error_class == ErrorClass::kInvalidRequest) {
    Finish(WithFailureDetails(
        absl::InvalidArgumentError(absl::StrCat(
            attempt.provider, " rejected the request: ", error.message)),
        "INVALID_REQUEST", attempt.provider, attempt.model));
    return;
  }
  if (error.error_class == ErrorClass::kFailedPrecondition) {
    Finish(WithFailureDetails(
        absl::FailedPreconditionError(
            absl::StrCat(attempt.provider,
                         " cannot serve the request as sent: ", error.message)),
        "PROVIDER_REFUSED", attempt.provider, attempt.model));
    return;
  }
  if (delivered_any_) {
    // Output already reached the caller: failing over would splice two
    // answers together.
    Finish(WithFailureDetails(
        absl::UnavailableError(
            absl::StrCat("stream broke after output had started: ", where)),
        "STREAM_INTERRUPTED", attempt.provider, attempt.model));
    return;
  }
  // Key-specific failures move to the next key of the same provider; anything
  // else moves to the next target. Transient failures and rate limits make a
  // retry round possible.
  if (error.error_class == ErrorClass::kTransient ||
      error.error_class == ErrorClass::kRateLimited) {
    retryable_in_round_ = true;
  }
  if (error.error_class == ErrorClass::kTransient) transient_in_round_ = true;
  if (error.error_class == ErrorClass::kRateLimited && error.retry_after) {
    if (!retry_after_ || *error.retry_after < *retry_after_) {
      retry_after_ = error.retry_after;
    }
  }
  if (error.error_class != ErrorClass::kKeyInvalid &&
      error.error_class != ErrorClass::kRateLimited) {
    AdvanceTarget();
  }
  NextAttempt();
}

void GenerateCall::FinishAllFailed() {
  std::vector<std::string> lines;
  for (const AttemptRecord& a : result_.attempts)
    lines.push_back(DescribeAttempt(a));
  const bool all_not_found =
      !failure_classes_.empty() &&
      std::all_of(failure_classes_.begin(), failure_classes_.end(),
                  [](ErrorClass c) { return c == ErrorClass::kModelNotFound; });
  const std::string detail = absl::StrJoin(lines, "; ");
  if (all_not_found) {
    Finish(WithFailureDetails(
        absl::NotFoundError(
            absl::StrCat("no provider serves the requested model: ", detail)),
        "MODEL_NOT_FOUND", "", input_.request.model));
  } else if (failure_classes_.empty()) {
    Finish(WithFailureDetails(absl::UnavailableError(absl::StrCat(
                                  "no provider could be attempted: ", detail)),
                              "NO_PROVIDER_AVAILABLE"));
  } else {
    std::string message = absl::StrCat("all ", failure_classes_.size(),
                                       " attempt(s) failed: ", detail);
    if (!no_retry_reason_.empty())
      absl::StrAppend(&message, " (", no_retry_reason_, ")");
    const size_t slash = last_failed_.find('/');
    Finish(WithFailureDetails(
        absl::UnavailableError(message), "ALL_ATTEMPTS_FAILED",
        last_failed_.substr(0, slash),
        slash == std::string::npos ? "" : last_failed_.substr(slash + 1),
        retry_after_));
  }
}

void GenerateCall::Settle() {
  // Output that reached the caller is paid for, even if the call then failed.
  if (!charge_.reserved() || (!result_.status.ok() && !delivered_any_)) {
    charge_.Release();  // also a reservation the ledger is still making
    Deliver();
    return;
  }
  // The caller hears back once the charge is recorded (durably).
  charge_.Commit(
      ChargeTargetFor(plan_[target_index_]), result_.reply.usage,
      static_cast<int64_t>(result_.reply.text.size()), input_.request,
      [self = shared_from_this()](Settlement settlement, absl::Status) {
        self->result_.cost_nano_usd = settlement.cost_nano_usd;
        self->result_.reply.usage = settlement.usage;
        self->result_.usage_estimated = settlement.usage_estimated;
        self->Deliver();
      });
}

CallObservation GenerateCall::Observation() const {
  CallObservation o;
  o.stream = input_.stream;
  o.ok = result_.status.ok();
  if ((o.ok || delivered_any_) && target_index_ < plan_.size()) {
    o.provider = plan_[target_index_].entry->spec.name;
    o.request_model = plan_[target_index_].model;
    o.response_model = result_.model;
    o.answer_latency = last_attempt_latency_;
    o.cost_nano_usd = result_.cost_nano_usd;
    o.input_tokens = result_.reply.usage.input_tokens;
    o.output_tokens = result_.reply.usage.output_tokens;
  }
  o.latency = result_.latency;
  o.upstream = upstream_time_;
  o.backoff = backoff_;
  o.time_to_first_token = result_.time_to_first_token;
  return o;
}

void GenerateCall::Finish(absl::Status status) {
  if (finished_) return;
  finished_ = true;
  CancelStreamTimer();
  if (retry_timer_) {
    deps_.loop->CancelTimer(*retry_timer_);
    retry_timer_.reset();
  }
  result_.status = std::move(status);
  Settle();  // calls Deliver(), at once or once the charge is recorded
}

void GenerateCall::Deliver() {
  result_.latency = deps_.loop->Now() - input_.arrival;
  if (deps_.metrics != nullptr) deps_.metrics->CallSettled(Observation());
  auto done = std::move(on_done_);
  done(std::move(result_));
}

}  // namespace llmgw
