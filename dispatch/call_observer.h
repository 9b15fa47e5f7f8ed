#ifndef LLMGW_DISPATCH_CALL_OBSERVER_H_
#define LLMGW_DISPATCH_CALL_OBSERVER_H_

// What a GenerateCall reports as it goes: its attempts, retries, fallbacks
// and settlement. The call knows nothing of metrics or audit logs; the
// gateway hands it an observer (dispatch/call_observers.h: Prometheus
// metrics and audit events) and tests hand it a recording one.
//
// Every method runs on the event loop thread and must not block. String
// views and references live only for the duration of the call.

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "dispatch/attempt.h"
#include "monitoring/gateway_metrics.h"

namespace llmgw {

// The call an event belongs to.
struct CallInfo {
  absl::string_view request_id;
  // An Embed call (operation kEmbed) rather than Generate / GenerateStream.
  bool embed = false;
};

// A retry round was scheduled after a failed round.
struct RetryEvent {
  // The last failed attempt ("" fields when the round only skipped).
  absl::string_view provider;
  absl::string_view model;
  absl::string_view key_fingerprint;
  // "provider/model" of the last failure and its text, which starts with its
  // outcome label ("rate_limited HTTP 429: ...") or "skipped: <reason>".
  absl::string_view from;
  absl::string_view reason;
  int retry = 0;
  int max_retries = 0;
  absl::Duration delay;
};

// The call moved on from a failed (or skipped) target to another one.
struct FallbackEvent {
  absl::string_view from;  // "provider/model"
  absl::string_view provider;
  absl::string_view model;
  absl::string_view key_fingerprint;
  absl::string_view reason;  // as in RetryEvent
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // A target was skipped without a request; `skipped.detail` says why.
  virtual void AttemptSkipped(const CallInfo& call,
                              const AttemptRecord& skipped) {}
  // An attempt was made and ended. For failures `reason` is
  // "<outcome>[ HTTP <status>][: <message>]"; empty on success.
  virtual void AttemptFinished(const CallInfo& call,
                               const AttemptRecord& attempt,
                               absl::string_view reason) {}
  virtual void RetryScheduled(const CallInfo& call, const RetryEvent& retry) {}
  virtual void FellBack(const CallInfo& call, const FallbackEvent& fallback) {}
  // Once, when the call is settled, just before its result is delivered.
  virtual void CallSettled(const CallInfo& call,
                           const CallObservation& observation) {}
};

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_CALL_OBSERVER_H_
