#ifndef LLMGW_DISPATCH_GENERATE_CALL_H_
#define LLMGW_DISPATCH_GENERATE_CALL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "audit/audit_log.h"
#include "budget/call_charge.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"
#include "http/event_loop.h"
#include "monitoring/gateway_metrics.h"
#include "registry/provider.h"
#include "registry/provider_registry.h"

namespace llmgw {

// What the dispatcher needs from the gateway core. All pointers outlive every
// call.
struct DispatchDeps {
  const ProviderRegistry* registry = nullptr;
  SpendLedger* ledger = nullptr;
  GatewayMetrics* metrics = nullptr;  // optional
  AuditLog* audit = nullptr;          // optional
  http::EventLoop* loop = nullptr;
  BudgetConfig budget;
  // Keys tried per provider before moving on (reference: max_key_attempts).
  int max_key_attempts = 3;
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

// How one attempt ended (mirrors llmgateway.v1.AttemptOutcome).
enum class AttemptOutcome {
  kSuccess,
  kTransientError,
  kRateLimited,
  kAuthError,
  kInvalidRequest,
  kSkipped,
  kCancelled,
  kTimeout,
  kModelNotFound,
  kFailedPrecondition,
};

// Stable lower_snake name, used as the metrics label.
absl::string_view AttemptOutcomeName(AttemptOutcome outcome);

struct AttemptRecord {
  std::string provider;
  std::string model;
  std::string key_fingerprint;
  AttemptOutcome outcome = AttemptOutcome::kSkipped;
  absl::Duration latency;
  int http_status = 0;
  std::string detail;
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
// worst-case cost, tries providers and keys in order, forwards stream deltas,
// and settles the reservation (commit actual cost, or release).
//
// A state machine on the event loop: no thread waits on it. Streams fail over
// only until the first delta has been forwarded.
class GenerateCall : public std::enable_shared_from_this<GenerateCall>,
                     public StreamSink {
 public:
  // Called on the loop thread for each delta, in order (streams only).
  using DeltaCallback = std::function<void(absl::string_view text)>;
  // Called once, on the loop thread, when the call is settled.
  using DoneCallback = absl::AnyInvocable<void(GenerateResult result)>;

  // Creates a call; nothing happens until Start().
  static std::shared_ptr<GenerateCall> Create(const DispatchDeps& deps,
                                              GenerateInput input,
                                              DeltaCallback on_delta,
                                              DoneCallback on_done);

  // Begins work on the loop thread. Thread-safe; call once. `on_done` may run
  // before Start returns.
  void Start();

  // Aborts the call: the upstream request is cancelled at once and no retry
  // or fallback follows. `deadline` selects DEADLINE_EXCEEDED over CANCELLED.
  // Thread-safe, idempotent.
  void Cancel(bool deadline);

  // StreamSink (loop thread).
  void OnDelta(absl::string_view text) override;

  GenerateCall(const DispatchDeps& deps, GenerateInput input,
               DeltaCallback on_delta, DoneCallback on_done);

 private:
  struct Target {
    const ProviderEntry* entry = nullptr;
    std::string model;
  };

  void Run();
  absl::Status BuildPlan();
  void NextAttempt();
  void StartAttempt(const Target& target, size_t key_index);
  void OnAttemptDone(ProviderOutcome outcome);
  void FinishAllFailed();
  void Finish(absl::Status status);
  void Settle();
  ChargeTarget ChargeTargetFor(const Target& target) const;

  const DispatchDeps deps_;
  GenerateInput input_;
  DeltaCallback on_delta_;
  DoneCallback on_done_;

  // Loop-thread state.
  std::vector<Target> plan_;
  size_t target_index_ = 0;
  size_t key_index_ = 0;
  int keys_tried_ = 0;
  std::shared_ptr<ProviderCall> current_;
  absl::Time attempt_start_;
  std::string attempt_key_fingerprint_;
  CallCharge charge_;
  bool delivered_any_ = false;
  bool cancelled_ = false;
  bool cancelled_by_deadline_ = false;
  bool finished_ = false;
  GenerateResult result_;
  std::vector<ErrorClass> failure_classes_;
};

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_GENERATE_CALL_H_
