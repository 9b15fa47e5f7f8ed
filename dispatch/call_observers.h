#ifndef LLMGW_DISPATCH_CALL_OBSERVERS_H_
#define LLMGW_DISPATCH_CALL_OBSERVERS_H_

// The gateway's CallObservers: Prometheus metrics (monitoring/) and audit
// events (audit/), and the pair of them.

#include <memory>
#include <vector>

#include "audit/audit_log.h"
#include "dispatch/call_observer.h"
#include "monitoring/gateway_metrics.h"

namespace llmgw {

// UpstreamAttempt / UpstreamSkipped / Retry / Fallback / CallSettled.
class MetricsCallObserver : public CallObserver {
 public:
  explicit MetricsCallObserver(GatewayMetrics* metrics) : metrics_(metrics) {}
  void AttemptSkipped(const CallInfo& call,
                      const AttemptRecord& skipped) override;
  void AttemptFinished(const CallInfo& call, const AttemptRecord& attempt,
                       absl::string_view reason) override;
  void RetryScheduled(const CallInfo& call, const RetryEvent& retry) override;
  void FellBack(const CallInfo& call, const FallbackEvent& fallback) override;
  void CallSettled(const CallInfo& call,
                   const CallObservation& observation) override;

 private:
  GatewayMetrics* const metrics_;
};

// Audit events (docs/resilience.md): "llm_error" for a failed attempt (not
// for the caller's cancellations), "llm_retry", "cascade".
class AuditCallObserver : public CallObserver {
 public:
  explicit AuditCallObserver(AuditLog* audit) : audit_(audit) {}
  void AttemptFinished(const CallInfo& call, const AttemptRecord& attempt,
                       absl::string_view reason) override;
  void RetryScheduled(const CallInfo& call, const RetryEvent& retry) override;
  void FellBack(const CallInfo& call, const FallbackEvent& fallback) override;

 private:
  AuditLog* const audit_;
};

// Forwards every event to each observer, in order.
class CallObserverList : public CallObserver {
 public:
  explicit CallObserverList(std::vector<std::unique_ptr<CallObserver>> list)
      : list_(std::move(list)) {}
  void AttemptSkipped(const CallInfo& call,
                      const AttemptRecord& skipped) override;
  void AttemptFinished(const CallInfo& call, const AttemptRecord& attempt,
                       absl::string_view reason) override;
  void RetryScheduled(const CallInfo& call, const RetryEvent& retry) override;
  void FellBack(const CallInfo& call, const FallbackEvent& fallback) override;
  void CallSettled(const CallInfo& call,
                   const CallObservation& observation) override;

 private:
  std::vector<std::unique_ptr<CallObserver>> list_;
};

// Metrics then audit; either may be null (then it is left out).
std::unique_ptr<CallObserver> NewGatewayCallObserver(GatewayMetrics* metrics,
                                                     AuditLog* audit);

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_CALL_OBSERVERS_H_
