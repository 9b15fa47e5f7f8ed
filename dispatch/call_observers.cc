#include "dispatch/call_observers.h"

#include <string>
#include <utility>

namespace llmgw {
namespace {

// Embed calls say so in their events ("operation": "embed"); chat events keep
// their fields as they were.
nlohmann::json Tagged(const CallInfo& call, nlohmann::json fields) {
  if (call.embed) fields["operation"] = "embed";
  return fields;
}

}  // namespace

void MetricsCallObserver::AttemptSkipped(const CallInfo&,
                                         const AttemptRecord& skipped) {
  metrics_->UpstreamSkipped(skipped.provider, skipped.model, skipped.detail);
}

void MetricsCallObserver::AttemptFinished(const CallInfo&,
                                          const AttemptRecord& attempt,
                                          absl::string_view) {
  metrics_->UpstreamAttempt(attempt.provider, attempt.model,
                            AttemptOutcomeName(attempt.outcome),
                            attempt.latency);
}

void MetricsCallObserver::RetryScheduled(const CallInfo&,
                                         const RetryEvent& retry) {
  metrics_->Retry(retry.from, retry.reason);
}

void MetricsCallObserver::FellBack(const CallInfo&,
                                   const FallbackEvent& fallback) {
  metrics_->Fallback(fallback.from, fallback.reason);
}

void MetricsCallObserver::CallSettled(const CallInfo&,
                                      const CallObservation& observation) {
  metrics_->CallSettled(observation);
}

void AuditCallObserver::AttemptFinished(const CallInfo& call,
                                        const AttemptRecord& attempt,
                                        absl::string_view reason) {
  // The caller's own cancellations (and deadlines) are not provider errors.
  if (attempt.outcome == AttemptOutcome::kSuccess ||
      attempt.outcome == AttemptOutcome::kCancelled) {
    return;
  }
  audit_->Write(
      "llm_error",
      Tagged(call,
             {{"request_id", std::string(call.request_id)},
              {"provider", attempt.provider},
              {"model", attempt.model},
              {"key", attempt.key_fingerprint},
              {"outcome", std::string(AttemptOutcomeName(attempt.outcome))},
              {"http_status", attempt.http_status},
              {"latency_ms", absl::ToInt64Milliseconds(attempt.latency)},
              {"reason", std::string(reason)}}));
}

void AuditCallObserver::RetryScheduled(const CallInfo& call,
                                       const RetryEvent& retry) {
  audit_->Write(
      "llm_retry",
      Tagged(call, {{"request_id", std::string(call.request_id)},
                    {"provider", std::string(retry.provider)},
                    {"model", std::string(retry.model)},
                    {"key", std::string(retry.key_fingerprint)},
                    {"retry", retry.retry},
                    {"max_retries", retry.max_retries},
                    {"delay_ms", absl::ToInt64Milliseconds(retry.delay)},
                    {"reason", std::string(retry.reason)}}));
}

void AuditCallObserver::FellBack(const CallInfo& call,
                                 const FallbackEvent& fallback) {
  audit_->Write("cascade",
                Tagged(call, {{"request_id", std::string(call.request_id)},
                              {"from", std::string(fallback.from)},
                              {"provider", std::string(fallback.provider)},
                              {"model", std::string(fallback.model)},
                              {"key", std::string(fallback.key_fingerprint)},
                              {"reason", std::string(fallback.reason)}}));
}

void CallObserverList::AttemptSkipped(const CallInfo& call,
                                      const AttemptRecord& skipped) {
  for (auto& o : list_) o->AttemptSkipped(call, skipped);
}

void CallObserverList::AttemptFinished(const CallInfo& call,
                                       const AttemptRecord& attempt,
                                       absl::string_view reason) {
  for (auto& o : list_) o->AttemptFinished(call, attempt, reason);
}

void CallObserverList::RetryScheduled(const CallInfo& call,
                                      const RetryEvent& retry) {
  for (auto& o : list_) o->RetryScheduled(call, retry);
}

void CallObserverList::FellBack(const CallInfo& call,
                                const FallbackEvent& fallback) {
  for (auto& o : list_) o->FellBack(call, fallback);
}

void CallObserverList::CallSettled(const CallInfo& call,
                                   const CallObservation& observation) {
  for (auto& o : list_) o->CallSettled(call, observation);
}

std::unique_ptr<CallObserver> NewGatewayCallObserver(GatewayMetrics* metrics,
                                                     AuditLog* audit) {
  std::vector<std::unique_ptr<CallObserver>> list;
  if (metrics != nullptr) {
    list.push_back(std::make_unique<MetricsCallObserver>(metrics));
  }
  if (audit != nullptr) {
    list.push_back(std::make_unique<AuditCallObserver>(audit));
  }
  return std::make_unique<CallObserverList>(std::move(list));
}

}  // namespace llmgw
