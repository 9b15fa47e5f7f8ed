#ifndef LLMGW_MONITORING_GATEWAY_METRICS_H_
#define LLMGW_MONITORING_GATEWAY_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace prometheus {
class Collectable;
class Registry;
class Exposer;
}  // namespace prometheus

namespace llmgw {

// What a settled Generate / GenerateStream / Embed call reports, once, when
// it ends. String views need only live for the duration of CallSettled().
struct CallObservation {
  bool stream = false;
  // An Embed call (its method series is "Embed"); `embed_inputs` texts were
  // embedded when it succeeded.
  bool embed = false;
  int64_t embed_inputs = 0;
  bool ok = false;
  // The provider and the routed (catalog) model that answered, and the
  // model the provider says answered. Empty when nothing was charged.
  absl::string_view provider;
  absl::string_view request_model;
  absl::string_view response_model;
  // Arrival to settlement.
  absl::Duration latency;
  // Sum of the durations of every upstream attempt made.
  absl::Duration upstream;
  // Sum of the retry backoffs waited (deliberate waits, not overhead).
  absl::Duration backoff;
  // Arrival to the first delta forwarded (streams; zero when none was).
  absl::Duration time_to_first_token;
  // Duration of the attempt that answered.
  absl::Duration answer_latency;
  // Charged (committed) figures; zero when nothing was charged.
  int64_t cost_nano_usd = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  // Where the gateway's own time went, phase by phase (unset: the call did
  // not go through that phase). llmgw_call_phase_seconds, which also has
  // an "upstream" phase (`upstream` above, for calls that made an attempt).
  struct Phases {
    // Arrival to the event loop starting the call: the gRPC thread's
    // conversion and admission, and the hand-off to the loop.
    std::optional<absl::Duration> queued;
    // The loop starting the call to its first upstream request handed to
    // the HTTP client: plan, reservation, request body.
    std::optional<absl::Duration> dispatch;
    // The last attempt's end to the charge handed to the ledger: reply
    // decoding is in the attempt; this is pricing and the reply's fill.
    std::optional<absl::Duration> settle;
    // The charge handed to the ledger to the ledger saying it is recorded
    // (with SQLite: durable, including the wait for the writer's batch).
    std::optional<absl::Duration> commit;
    // Unary calls: handing the reply to gRPC (Finish writes it).
    std::optional<absl::Duration> reply;
  };
  Phases phases;
};

// The gateway's Prometheus metrics, named llmgw_* and labelled after the
// OpenTelemetry GenAI semantic conventions (gen_ai.provider.name ->
// provider, gen_ai.request.model -> request_model, gen_ai.response.model ->
// response_model, gen_ai.token.type -> token_type, error.type -> error_type).
// docs/operations.md lists every metric, its labels, the panels and alerts
// built on it and what an operator does about it.
//
// Label values are bounded: providers come from the registry; models are the
// provider's catalog and default models (anything else is reported as
// "other"); response models are the first 8 distinct values seen per
// provider/model (later ones fold into "other"); outcomes, error types,
// reasons and codes come from fixed sets; methods are the constants callers
// pass (Generate, GenerateStream, Status, Budget, Embed exist from the start;
// other front ends add theirs on first use). API keys never appear.
//
// The series of every declared provider/model exist from the start at zero,
// so increase() and rate() see the first event. Recording a call looks up
// cached child metrics (no label maps, no allocation on the hot path).
//
// Thread-safe.
class GatewayMetrics {
 public:
  virtual ~GatewayMetrics() = default;

  // Creates, at zero, every per-provider series of `provider` for each of
  // `models` (plus "other"). Call at start for each configured provider;
  // undeclared providers get their series on first use.
  virtual void DeclareProvider(absl::string_view provider,
                               const std::vector<std::string>& models) = 0;

  // A gRPC call started / ended with `code` (e.g. "OK", "UNAVAILABLE").
  virtual void RequestStarted(absl::string_view method) = 0;
  virtual void RequestFinished(absl::string_view method, absl::string_view code,
                               absl::Duration latency) = 0;
  // One upstream attempt ended with `outcome` (AttemptOutcomeName: "success",
  // "rate_limited", ...).
  virtual void UpstreamAttempt(absl::string_view provider,
                               absl::string_view model,
                               absl::string_view outcome,
                               absl::Duration latency) = 0;
  // A provider was skipped without a request; `reason` is the admission's
  // text ("circuit open ..." or "no healthy key: ...").
  virtual void UpstreamSkipped(absl::string_view provider,
                               absl::string_view model,
                               absl::string_view reason) = 0;
  // A retry round was scheduled after a failure on `from` ("provider/model"
  // or "provider"); `reason` is the failure's text, which starts with its
  // outcome name ("rate_limited HTTP 429: ...") or "skipped: <admission
  // reason>".
  virtual void Retry(absl::string_view from, absl::string_view reason) = 0;
  // The call moved on from `from` ("provider/model") after a failure
  // (`reason` as for Retry).
  virtual void Fallback(absl::string_view from, absl::string_view reason) = 0;
  // The call was settled.
  virtual void CallSettled(const CallObservation& call) = 0;
};

// Metrics registered in `registry` (which must outlive the result).
// `known_model` decides whether a model of an undeclared provider/model pair
// is used as a label value (otherwise "other"); it is asked only on the
// first sight of a pair.
std::unique_ptr<GatewayMetrics> NewPrometheusMetrics(
    std::shared_ptr<prometheus::Registry> registry,
    std::function<bool(absl::string_view provider, absl::string_view model)>
        known_model);

// Serves every collectable at http://<address>/metrics. Port 0 picks a free
// port; the bound port is returned through `bound_port`.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> StartMetricsExposer(
    const std::string& address,
    const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables,
    int* bound_port);

// Buckets shared by the metrics and their docs.
const std::vector<double>& LatencyBuckets();
const std::vector<double>& OverheadBuckets();
const std::vector<double>& PhaseBuckets();

}  // namespace llmgw

#endif  // LLMGW_MONITORING_GATEWAY_METRICS_H_
