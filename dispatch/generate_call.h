#ifndef LLMGW_DISPATCH_GENERATE_CALL_H_
#define LLMGW_DISPATCH_GENERATE_CALL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "budget/call_charge.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"
#include "dispatch/attempt.h"
#include "dispatch/attempt_budget.h"
#include "dispatch/attempt_plan.h"
#include "dispatch/call_observer.h"
#include "dispatch/failover_policy.h"
#include "http/event_loop.h"
#include "registry/provider.h"
#include "registry/provider_registry.h"
#include "resilience/provider_health.h"

namespace llmgw {

// What the dispatcher needs from the gateway core. All pointers outlive every
// call. A call shares ownership of its deps (GenerateCall::Create): the
// gateway hands out a pointer that also keeps the configuration generation
// they belong to alive (a reload swaps generations; calls in flight finish
// on the one they started with), so starting a call copies nothing here.
struct DispatchDeps {
  const ProviderRegistry* registry = nullptr;
  SpendLedger* ledger = nullptr;
  // Hears of attempts, retries, fallbacks and settlement (metrics and audit
  // in the gateway: dispatch/call_observers.h). Optional.
  CallObserver* observer = nullptr;
  // Runs the call: Post, RunAfter/CancelTimer and Now are all it uses (a
  // ManualEventLoop in dispatch/testing/ for tests).
  http::EventLoop* loop = nullptr;
  BudgetConfig budget;
  // Key pools and circuit breakers of every provider (optional: without it
  // keys are tried in order and nothing is tracked).
  HealthBoard* health = nullptr;
  // Retries, max_key_attempts, and whether any of it is on.
  ResilienceConfig resilience;
};

// A validated Generate / GenerateStream request.
struct GenerateInput {
  // `request.model` is the caller's model string, not yet routed.
  ProviderRequest request;
  std::vector<std::string> fallback_models;
  double min_confidence = 0;
  // Caller identity for per-client budgets ("" = anonymous).
  std::string client_id;
  absl::Time arrival;
  absl::Time deadline = absl::InfiniteFuture();
  bool stream = false;
};

struct GenerateResult {
  // OK, or the precise gRPC-mappable error (absl codes match gRPC codes).
  absl::Status status;
  // On success the answer; on a stream broken after output, what was
  // delivered and the usage known.
  ProviderReply reply;
  std::string provider;
  std::string model;
  int64_t cost_nano_usd = 0;
  bool usage_estimated = false;
  std::vector<AttemptRecord> attempts;
  absl::Duration latency;
  absl::Duration time_to_first_token;
};

// One Generate call from start to settlement: resolves the attempt plan
// (routed model, then fallback_models or the fallback chain), reserves the
// worst-case cost, tries providers and keys, forwards stream deltas, and
// settles the reservation (commit actual cost, or release).
//
// A state machine on the event loop: no thread waits on it. One "round" is a
// pass over the plan:
//   - a provider whose circuit is open or which has no healthy key is skipped
//     (an ATTEMPT_OUTCOME_SKIPPED entry says why);
//   - each provider gets up to max_key_attempts keys, healthiest first;
//     rate-limited and invalid keys move to the next key, other failures to
//     the next provider at once (failover before backoff: a healthy fallback
//     answers without waiting);
//   - invalid requests and failed preconditions end the call.
// When a round ends without an answer and some failure was transient or a
// rate limit, a retry round starts after an exponential backoff with jitter
// (or the shortest Retry-After when every failure of the round was a rate
// limit, if longer), at most max_retries times, and only if the
// backoff plus the last attempt's duration fits before the caller's deadline;
// otherwise the call ends UNAVAILABLE at once, saying why no retry followed.
// The backoff is a loop timer, cancelled with the call.
//
// Streams: a first-token timer and an idle timer between deltas (the
// provider's timeouts) turn a silent stream into a timeout; failover and
// retries happen only until the first delta has been forwarded.
//
// These rules are the pure functions of dispatch/failover_policy.h; the call
// does what they decide and reports each step to `DispatchDeps::observer`.
// dispatch/generate_call_test.cc runs calls on a manual clock
// (dispatch/testing/).
class GenerateCall : public std::enable_shared_from_this<GenerateCall>,
                     public StreamSink {
 public:
  // Called on the loop thread for each delta, in order (streams only).
  using DeltaCallback = std::function<void(absl::string_view text)>;
  // Called once, on the loop thread, when the call is settled.
  using DoneCallback = absl::AnyInvocable<void(GenerateResult result)>;

  // Creates a call; nothing happens until Start(). The call holds `deps`
  // until it is destroyed.
  static std::shared_ptr<GenerateCall> Create(
      std::shared_ptr<const DispatchDeps> deps, GenerateInput input,
      DeltaCallback on_delta, DoneCallback on_done);
  // The same with a copy of `deps` (tests).
  static std::shared_ptr<GenerateCall> Create(const DispatchDeps& deps,
                                              GenerateInput input,
                                              DeltaCallback on_delta,
                                              DoneCallback on_done);

  // For a caller that can hand its reply over from any thread (a gRPC unary
  // reactor, whose Finish is thread-safe). `on_settled` is called once, on
  // the loop thread, when the call is settled: the result is final, but its
  // charge may not be recorded yet. It fills the reply and returns the
  // Release that hands it over. The call runs the Release once the charge
  // is recorded, on whichever thread learns it (the SQLite ledger's writer
  // thread: no hop back to the loop before the reply leaves), or on the loop
  // at once when nothing is to be recorded; then it reports CallSettled, so
  // the call's latency includes the durable write. The Release must be short
  // and must not block.
  using Release = absl::AnyInvocable<void() &&>;
  using SettledCallback =
      absl::AnyInvocable<Release(const GenerateResult& result)>;
  static std::shared_ptr<GenerateCall> CreateReleasedOffLoop(
      std::shared_ptr<const DispatchDeps> deps, GenerateInput input,
      SettledCallback on_settled);
  // The same with a copy of `deps` (tests).
  static std::shared_ptr<GenerateCall> CreateReleasedOffLoop(
      const DispatchDeps& deps, GenerateInput input,
      SettledCallback on_settled);

  // Begins work on the loop thread. Thread-safe; call once. `on_done` may run
  // before Start returns.
  void Start();

  // Aborts the call: the upstream request is cancelled at once and no retry
  // or fallback follows. `deadline` selects DEADLINE_EXCEEDED over CANCELLED;
  // a cancel that reaches the call within the deadline's rounding is also a
  // deadline (CancelIsDeadline: a gRPC client whose own deadline expired
  // resets the stream just before the server's copy of the deadline).
  // Thread-safe, idempotent.
  void Cancel(bool deadline);

  // Streams only, set before Start: where tool-call and refusal pieces go
  // (loop thread, in order with the text deltas). Like text, they count as
  // output started (no failover after them), re-arm the idle timer, and their
  // bytes count as delivered output when a broken stream is billed.
  using ToolCallDeltaCallback = std::function<void(const ToolCallDelta&)>;
  using RefusalDeltaCallback = std::function<void(absl::string_view)>;
  void SetRichDeltaCallbacks(ToolCallDeltaCallback on_tool_call_delta,
                             RefusalDeltaCallback on_refusal_delta);

  // StreamSink (loop thread).
  void OnDelta(absl::string_view text) override;
  void OnToolCallDelta(const ToolCallDelta& delta) override;
  void OnRefusalDelta(absl::string_view refusal) override;

  GenerateCall(std::shared_ptr<const DispatchDeps> deps, GenerateInput input,
               DeltaCallback on_delta, DoneCallback on_done);

 private:
  using Target = PlanTarget;

  // generate_call.cc: plan, reservation, settlement.
  void Run();
  void OnReserved(absl::Status reserved);
  void Finish(absl::Status status);
  void Settle();
  void Deliver();
  // Settle and Deliver for a call created with CreateReleasedOffLoop.
  void SettleReleasedOffLoop();
  // Runs on the thread that learned the charge is recorded (loop or ledger
  // writer): the loop no longer touches the call's state by then.
  void ReleaseSettled(Release release);
  // The charge goes to the ledger now (the settle phase ends, commit
  // begins).
  void MarkCommitStart();
  ChargeTarget ChargeTargetFor(const Target& target) const;
  // Tool-call and refusal bytes of the output (estimates without usage).
  int64_t OutputExtraBytes() const;
  // What the metrics record of the settled call.
  CallObservation Observation() const;
  CallInfo Info() const {
    return CallInfo{input_.request.request_id,
                    input_.request.operation == Operation::kEmbed};
  }

  // generate_call_attempts.cc: attempts, failover and retries.
  void NextAttempt();
  // Skips the current target when it may not be tried (min_confidence,
  // max_key_attempts, health); true when it was skipped.
  bool SkipTarget(const Target& target, Admission* admission);
  Admission Admit(const Target& target);
  void AdvanceTarget();
  void StartAttempt(const Target& target, std::optional<size_t> key);
  CallOptions AttemptOptions(const Target& target, std::optional<size_t> key);
  void OnAttemptDone(ProviderOutcome outcome);
  AttemptRecord RecordAttempt(const Target& target, ProviderOutcome& outcome);
  void Apply(const FailoverDecision& decision);
  void RecordHealth(AttemptOutcome outcome,
                    std::optional<absl::Duration> retry_after,
                    absl::string_view reason);
  // Schedules a retry round; false when none may start.
  bool MaybeScheduleRetry();
  void StartRetryRound();
  void FinishAllFailed();

  // generate_call_stream.cc: stream timers.
  // Records output reaching the caller: first token, idle timer.
  void MarkOutput();
  void ArmFirstTokenTimer(const Target& target, const AttemptBudget& budget);
  void ArmStreamTimer(absl::Duration after, std::string detail);
  void CancelStreamTimer();
  void OnStreamTimeout();

  // Owns deps_ (and, from the gateway, the generation they point into).
  const std::shared_ptr<const DispatchDeps> deps_owner_;
  const DispatchDeps& deps_;
  GenerateInput input_;
  DeltaCallback on_delta_;
  ToolCallDeltaCallback on_tool_call_delta_;
  RefusalDeltaCallback on_refusal_delta_;
  DoneCallback on_done_;
  // Set instead of on_done_ by CreateReleasedOffLoop.
  SettledCallback on_settled_;

  // Loop-thread state.
  std::vector<Target> plan_;
  size_t target_index_ = 0;
  // Keys of the current target tried in this round (indices; 0 stands for
  // the single "keyless" attempt of a provider without keys).
  std::vector<size_t> tried_keys_;
  // Retry rounds started so far (0 = first pass).
  int round_ = 0;
  RoundState round_state_;
  absl::Duration last_attempt_latency_;
  // Time spent in upstream attempts and in retry backoffs (for the
  // gateway-overhead metric).
  absl::Duration upstream_time_;
  absl::Duration backoff_;
  std::optional<http::EventLoop::TimerId> retry_timer_;
  // "retry 1/3 after 0.52s backoff", prefixed to the next attempt's detail.
  std::string retry_note_;
  std::string no_retry_reason_;
  // "provider/model" of the last failed attempt, for cascade events.
  std::string last_failed_;
  std::string last_failure_reason_;
  std::shared_ptr<ProviderCall> current_;
  absl::Time attempt_start_;
  // Why the current attempt has a time budget ("" = none), for the trail.
  std::string budget_note_;
  std::optional<size_t> attempt_key_;
  std::string attempt_key_fingerprint_;
  std::optional<http::EventLoop::TimerId> stream_timer_;
  std::string stream_timer_detail_;
  // Idle timer between deltas: armed once, and on firing re-armed for what
  // is left since the last delta, so a delta costs no timer churn.
  bool stream_timer_is_idle_ = false;
  absl::Time last_delta_at_;
  // Set when a stream timer cancelled the attempt.
  std::string stream_timeout_;
  CallCharge charge_;
  // Phase timing (CallObservation::Phases): when the loop started the call,
  // when the last attempt ended, when the charge went to the ledger.
  absl::Time run_at_;
  std::optional<absl::Time> attempt_done_at_;
  std::optional<absl::Time> commit_at_;
  CallObservation::Phases phases_;
  bool delivered_any_ = false;
  // Tool-call argument and refusal bytes forwarded (billing a broken stream).
  int64_t delivered_extra_bytes_ = 0;
  bool cancelled_ = false;
  bool cancelled_by_deadline_ = false;
  bool finished_ = false;
  GenerateResult result_;
  std::vector<ErrorClass> failure_classes_;
};

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_GENERATE_CALL_H_
