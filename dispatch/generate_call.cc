// GenerateCall: creation, plan and reservation, cancellation, settlement.
// Attempts and failover are in generate_call_attempts.cc, stream timers in
// generate_call_stream.cc.
#include "dispatch/generate_call.h"

#include <algorithm>
#include <utility>

#include "dispatch/failure_details.h"

namespace llmgw {

GenerateCall::GenerateCall(std::shared_ptr<const DispatchDeps> deps,
                           GenerateInput input, DeltaCallback on_delta,
                           DoneCallback on_done)
    : deps_owner_(std::move(deps)),
      deps_(*deps_owner_),
      input_(std::move(input)),
      on_delta_(std::move(on_delta)),
      on_done_(std::move(on_done)),
      charge_(deps_.ledger, deps_.budget) {}

ChargeTarget GenerateCall::ChargeTargetFor(const Target& target) const {
  return ChargeTarget{target.entry->spec.name, target.model,
                      target.entry->spec.FindModel(target.model)};
}

std::shared_ptr<GenerateCall> GenerateCall::Create(
    std::shared_ptr<const DispatchDeps> deps, GenerateInput input,
    DeltaCallback on_delta, DoneCallback on_done) {
  return std::make_shared<GenerateCall>(std::move(deps), std::move(input),
                                        std::move(on_delta),
                                        std::move(on_done));
}

std::shared_ptr<GenerateCall> GenerateCall::Create(const DispatchDeps& deps,
                                                   GenerateInput input,
                                                   DeltaCallback on_delta,
                                                   DoneCallback on_done) {
  return Create(std::make_shared<const DispatchDeps>(deps), std::move(input),
                std::move(on_delta), std::move(on_done));
}

std::shared_ptr<GenerateCall> GenerateCall::CreateReleasedOffLoop(
    std::shared_ptr<const DispatchDeps> deps, GenerateInput input,
    SettledCallback on_settled) {
  auto call = std::make_shared<GenerateCall>(std::move(deps), std::move(input),
                                             nullptr, nullptr);
  call->on_settled_ = std::move(on_settled);
  return call;
}

std::shared_ptr<GenerateCall> GenerateCall::CreateReleasedOffLoop(
    const DispatchDeps& deps, GenerateInput input, SettledCallback on_settled) {
  return CreateReleasedOffLoop(std::make_shared<const DispatchDeps>(deps),
                               std::move(input), std::move(on_settled));
}

void GenerateCall::Start() {
  deps_.loop->Post([self = shared_from_this()] { self->Run(); });
}

void GenerateCall::Cancel(bool deadline) {
  deps_.loop->Post([self = shared_from_this(), deadline] {
    if (self->finished_ || self->cancelled_) return;
    self->cancelled_ = true;
    self->cancelled_by_deadline_ =
        CancelIsDeadline(deadline, self->deps_.loop->Now(),
                         self->input_.arrival, self->input_.deadline);
    if (self->current_) {
      // Completes the attempt with kCancelled, which finishes the call.
      self->current_->Cancel();
      return;
    }
    // Waiting in a retry backoff, for the ledger, or not started: nothing is
    // in flight (Finish cancels the backoff timer).
    self->Finish(self->cancelled_by_deadline_
                     ? absl::DeadlineExceededError("deadline exceeded")
                     : absl::CancelledError("cancelled by the caller"));
  });
}

void GenerateCall::Run() {
  run_at_ = deps_.loop->Now();
  phases_.queued = run_at_ - input_.arrival;
  if (cancelled_) return;
  absl::StatusOr<std::vector<PlanTarget>> plan =
      BuildAttemptPlan(*deps_.registry, input_.request, input_.fallback_models,
                       &result_.attempts);
  // Targets left out for missing features count as skipped attempts.
  for (const AttemptRecord& a : result_.attempts) {
    if (!a.provider.empty() && deps_.observer != nullptr) {
      deps_.observer->AttemptSkipped(Info(), a);
    }
  }
  if (!plan.ok()) {
    Finish(plan.status());
    return;
  }
  plan_ = *std::move(plan);
  // Reserve the worst case over every target that could answer.
  std::vector<ChargeTarget> targets;
  targets.reserve(plan_.size());
  for (const Target& t : plan_) targets.push_back(ChargeTargetFor(t));
  ChargeContext context;
  context.client_id = input_.client_id;
  context.expires_at = (input_.deadline == absl::InfiniteFuture()
                            ? deps_.loop->Now() + absl::Hours(1)
                            : input_.deadline) +
                       deps_.budget.reservation_timeout;
  // The ledger answers on the loop; no ledger I/O runs here.
  charge_.Reserve(input_.request, targets, context,
                  [self = shared_from_this()](absl::Status reserved) {
                    self->OnReserved(std::move(reserved));
                  });
}

void GenerateCall::OnReserved(absl::Status reserved) {
  if (finished_) return;
  if (reserved.ok()) {
    NextAttempt();
    return;
  }
  if (!WantsBudgetWindow(reserved) || deps_.ledger == nullptr) {
    Finish(WithBudgetDetails(std::move(reserved), nullptr));
    return;
  }
  // A refusal says when the window turns (RetryInfo): one more asynchronous
  // ledger read, only on this path.
  deps_.ledger->SnapshotAsync(
      "global", [self = shared_from_this(), reserved = std::move(reserved)](
                    absl::StatusOr<BudgetSnapshot> global) mutable {
        if (self->finished_) return;
        self->Finish(WithBudgetDetails(std::move(reserved),
                                       global.ok() ? &*global : nullptr));
      });
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

void GenerateCall::Settle() {
  if (on_settled_) {
    SettleReleasedOffLoop();
    return;
  }
  // Output that reached the caller is paid for, even if the call then failed.
  if (!charge_.reserved() || (!result_.status.ok() && !delivered_any_)) {
    charge_.Release();  // also a reservation the ledger is still making
    Deliver();
    return;
  }
  // The caller hears back once the charge is recorded (durably).
  MarkCommitStart();
  charge_.Commit(
      ChargeTargetFor(plan_[target_index_]), result_.reply.usage,
      static_cast<int64_t>(result_.reply.text.size()) + OutputExtraBytes(),
      input_.request,
      [self = shared_from_this()](Settlement settlement, absl::Status) {
        self->result_.cost_nano_usd = settlement.cost_nano_usd;
        self->result_.reply.usage = settlement.usage;
        self->result_.usage_estimated = settlement.usage_estimated;
        self->phases_.commit = self->deps_.loop->Now() - *self->commit_at_;
        self->Deliver();
      });
}

int64_t GenerateCall::OutputExtraBytes() const {
  // What a stream forwarded, or what a unary reply holds.
  int64_t in_reply = static_cast<int64_t>(result_.reply.refusal.size());
  for (const ToolCall& call : result_.reply.tool_calls) {
    in_reply +=
        static_cast<int64_t>(call.name.size() + call.arguments_json.size());
  }
  return std::max(in_reply, delivered_extra_bytes_);
}

CallObservation GenerateCall::Observation() const {
  CallObservation o;
  o.stream = input_.stream;
  o.ok = result_.status.ok();
  o.embed = input_.request.operation == Operation::kEmbed;
  if (o.embed && o.ok) {
    o.embed_inputs = static_cast<int64_t>(result_.reply.embeddings.size());
  }
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
  o.phases = phases_;
  return o;
}

void GenerateCall::SettleReleasedOffLoop() {
  // on_settled_ lets the caller drop its reference to this call.
  std::shared_ptr<GenerateCall> self = shared_from_this();
  if (!charge_.reserved() || (!result_.status.ok() && !delivered_any_)) {
    charge_.Release();
    ReleaseSettled(on_settled_(result_));
    return;
  }
  const ChargeTarget target = ChargeTargetFor(plan_[target_index_]);
  const Settlement settlement = charge_.Price(
      target, result_.reply.usage,
      static_cast<int64_t>(result_.reply.text.size()) + OutputExtraBytes(),
      input_.request);
  result_.cost_nano_usd = settlement.cost_nano_usd;
  result_.reply.usage = settlement.usage;
  result_.usage_estimated = settlement.usage_estimated;
  Release release = on_settled_(result_);
  MarkCommitStart();
  // From here the loop leaves the call's state alone: the ledger's thread
  // may run ReleaseSettled (and drop the last reference to the call) before
  // CommitPricedOnAnyThread returns.
  charge_.CommitPricedOnAnyThread(
      target, settlement,
      [self = std::move(self),
       release = std::move(release)](absl::Status) mutable {
        // A charge counted but not made durable was logged and audited by
        // the ledger; the caller still gets its answer (as in Settle).
        self->ReleaseSettled(std::move(release));
      });
}

void GenerateCall::MarkCommitStart() {
  commit_at_ = deps_.loop->Now();
  if (attempt_done_at_) phases_.settle = *commit_at_ - *attempt_done_at_;
}

void GenerateCall::ReleaseSettled(Release release) {
  const absl::Time released_at = deps_.loop->Now();
  if (commit_at_) phases_.commit = released_at - *commit_at_;
  result_.latency = released_at - input_.arrival;
  std::move(release)();
  phases_.reply = deps_.loop->Now() - released_at;
  if (deps_.observer != nullptr) {
    deps_.observer->CallSettled(Info(), Observation());
  }
}

void GenerateCall::Deliver() {
  result_.latency = deps_.loop->Now() - input_.arrival;
  if (deps_.observer != nullptr) {
    deps_.observer->CallSettled(Info(), Observation());
  }
  auto done = std::move(on_done_);
  done(std::move(result_));
}

}  // namespace llmgw
