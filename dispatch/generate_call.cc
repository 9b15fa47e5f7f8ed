#include "dispatch/generate_call.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace llmgw {
namespace {

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
  if (!a.key_fingerprint.empty()) absl::StrAppend(&s, " (", a.key_fingerprint, ")");
  absl::StrAppend(&s, ": ", AttemptOutcomeName(a.outcome));
  if (a.http_status != 0) absl::StrAppend(&s, " HTTP ", a.http_status);
  if (!a.detail.empty()) absl::StrAppend(&s, ": ", a.detail);
  return s;
}

}  // namespace

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
  return std::make_shared<GenerateCall>(deps, std::move(input),
                                        std::move(on_delta), std::move(on_done));
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
  if (on_delta_) on_delta_(text);
}

absl::Status GenerateCall::BuildPlan() {
  const ProviderRegistry& registry = *deps_.registry;
  absl::StatusOr<Route> first = registry.Resolve(input_.request.model);
  std::vector<absl::Status> unresolved;
  auto add = [&](const ProviderEntry* entry, std::string model) {
    for (const Target& t : plan_) {
      if (t.entry == entry && t.model == model) return;
    }
    plan_.push_back(Target{entry, std::move(model)});
  };
  if (first.ok()) {
    add(first->entry, first->model);
  } else if (input_.fallback_models.empty()) {
    return first.status();
  }
  if (!input_.fallback_models.empty()) {
    for (const std::string& name : input_.fallback_models) {
      absl::StatusOr<Route> route = registry.Resolve(name);
      if (route.ok()) {
        add(route->entry, route->model);
      } else {
        AttemptRecord skipped;
        skipped.model = name;
        skipped.outcome = AttemptOutcome::kSkipped;
        skipped.detail = std::string(route.status().message());
        result_.attempts.push_back(std::move(skipped));
      }
    }
  } else {
    for (const ProviderEntry* entry : registry.fallback_chain()) {
      bool present = false;
      for (const Target& t : plan_) present = present || t.entry == entry;
      if (!present) add(entry, entry->spec.default_model);
    }
  }
  if (plan_.empty()) return first.status();
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
  absl::Status reserved = charge_.Reserve(input_.request, targets, context);
  if (!reserved.ok()) {
    Finish(reserved);
    return;
  }
  NextAttempt();
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
      AttemptRecord skipped{entry.spec.name, target.model, "",
                            AttemptOutcome::kSkipped, absl::ZeroDuration(), 0,
                            absl::StrCat("confidence ", entry.spec.confidence_score,
                                         " is below min_confidence ",
                                         input_.min_confidence)};
      result_.attempts.push_back(std::move(skipped));
      ++target_index_;
      continue;
    }
    const size_t key_count = std::max<size_t>(1, entry.api_keys.size());
    if (keys_tried_ >= deps_.max_key_attempts ||
        static_cast<size_t>(keys_tried_) >= key_count) {
      ++target_index_;
      keys_tried_ = 0;
      key_index_ = 0;
      continue;
    }
    StartAttempt(target, key_index_);
    return;
  }
  FinishAllFailed();
}

void GenerateCall::StartAttempt(const Target& target, size_t key_index) {
  const ProviderEntry& entry = *target.entry;
  ++keys_tried_;
  CallOptions options;
  if (!entry.api_keys.empty()) {
    options.api_key = entry.api_keys[key_index % entry.api_keys.size()];
    attempt_key_fingerprint_ =
        entry.key_fingerprints[key_index % entry.api_keys.size()];
  } else {
    attempt_key_fingerprint_.clear();
  }
  options.deadline = input_.deadline;
  if (input_.stream) options.stream_sink = this;
  ProviderRequest request = input_.request;
  request.model = target.model;
  attempt_start_ = deps_.loop->Now();
  current_ = entry.provider->Generate(
      std::move(request), std::move(options),
      [self = shared_from_this()](ProviderOutcome outcome) {
        self->OnAttemptDone(std::move(outcome));
      });
}

void GenerateCall::OnAttemptDone(ProviderOutcome outcome) {
  current_.reset();
  const Target& target = plan_[target_index_];
  AttemptRecord attempt;
  attempt.provider = target.entry->spec.name;
  attempt.model = target.model;
  attempt.key_fingerprint = attempt_key_fingerprint_;
  attempt.latency = deps_.loop->Now() - attempt_start_;
  if (outcome.ok()) {
    attempt.outcome = AttemptOutcome::kSuccess;
  } else {
    attempt.outcome = OutcomeFor(*outcome.error);
    attempt.http_status = outcome.error->http_status;
    attempt.detail = outcome.error->message;
  }
  if (deps_.metrics != nullptr) {
    deps_.metrics->UpstreamAttempt(attempt.provider, attempt.model,
                                   AttemptOutcomeName(attempt.outcome),
                                   attempt.latency);
  }
  result_.attempts.push_back(attempt);
  result_.provider = attempt.provider;
  result_.model = outcome.reply.model.empty() ? target.model : outcome.reply.model;
  result_.reply = std::move(outcome.reply);

  if (outcome.ok()) {
    Finish(absl::OkStatus());
    return;
  }
  const ProviderError& error = *outcome.error;
  failure_classes_.push_back(error.error_class);
  const std::string where = DescribeAttempt(attempt);
  if (cancelled_ || error.error_class == ErrorClass::kCancelled) {
    const bool deadline = cancelled_ ? cancelled_by_deadline_ : error.timed_out;
    Finish(deadline ? absl::DeadlineExceededError(absl::StrCat(
                          "deadline exceeded during ", where))
                    : absl::CancelledError("cancelled by the caller"));
    return;
  }
  if (error.error_class == ErrorClass::kInvalidRequest) {
    Finish(absl::InvalidArgumentError(
        absl::StrCat(attempt.provider, " rejected the request: ", error.message)));
    return;
  }
  if (error.error_class == ErrorClass::kFailedPrecondition) {
    Finish(absl::FailedPreconditionError(
        absl::StrCat(attempt.provider, " cannot serve the request as sent: ",
                     error.message)));
    return;
  }
  if (delivered_any_) {
    // Output already reached the caller: failing over would splice two
    // answers together.
    Finish(absl::UnavailableError(
        absl::StrCat("stream broke after output had started: ", where)));
    return;
  }
  // Key-specific failures move to the next key of the same provider; anything
  // else moves to the next target.
  if (error.error_class == ErrorClass::kKeyInvalid ||
      error.error_class == ErrorClass::kRateLimited) {
    ++key_index_;
  } else {
    ++target_index_;
    keys_tried_ = 0;
    key_index_ = 0;
  }
  NextAttempt();
}

void GenerateCall::FinishAllFailed() {
  std::vector<std::string> lines;
  for (const AttemptRecord& a : result_.attempts) lines.push_back(DescribeAttempt(a));
  const bool all_not_found =
      !failure_classes_.empty() &&
      std::all_of(failure_classes_.begin(), failure_classes_.end(),
                  [](ErrorClass c) { return c == ErrorClass::kModelNotFound; });
  const std::string detail = absl::StrJoin(lines, "; ");
  if (all_not_found) {
    Finish(absl::NotFoundError(
        absl::StrCat("no provider serves the requested model: ", detail)));
  } else if (failure_classes_.empty()) {
    Finish(absl::UnavailableError(
        absl::StrCat("no provider could be attempted: ", detail)));
  } else {
    Finish(absl::UnavailableError(absl::StrCat(
        "all ", failure_classes_.size(), " attempt(s) failed: ", detail)));
  }
}

void GenerateCall::Settle() {
  if (!charge_.reserved()) return;
  // Output that reached the caller is paid for, even if the call then failed.
  if (!result_.status.ok() && !delivered_any_) {
    charge_.Release();
    return;
  }
  const Settlement settlement = charge_.Commit(
      ChargeTargetFor(plan_[target_index_]), result_.reply.usage,
      static_cast<int64_t>(result_.reply.text.size()), input_.request);
  result_.cost_nano_usd = settlement.cost_nano_usd;
  result_.reply.usage = settlement.usage;
  result_.usage_estimated = settlement.usage_estimated;
  if (deps_.metrics != nullptr) {
    deps_.metrics->Charged(result_.provider, result_.model,
                           settlement.cost_nano_usd,
                           settlement.usage.input_tokens,
                           settlement.usage.output_tokens);
  }
}

void GenerateCall::Finish(absl::Status status) {
  if (finished_) return;
  finished_ = true;
  result_.status = std::move(status);
  Settle();
  result_.latency = deps_.loop->Now() - input_.arrival;
  auto done = std::move(on_done_);
  done(std::move(result_));
}

}  // namespace llmgw
