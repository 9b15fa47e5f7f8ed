#ifndef LLMGW_MONITORING_GATEWAY_METRICS_H_
#define LLMGW_MONITORING_GATEWAY_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace prometheus {
class Registry;
class Exposer;
}  // namespace prometheus

namespace llmgw {

// The gateway's Prometheus metrics. Label values are bounded: providers and
// models come from the registry's schema (unknown models are reported as
// "other"), outcomes and codes from fixed enums. API keys never appear.
//
//   llmgw_requests_total{method, code}                      counter
//   llmgw_request_duration_seconds{method}                  histogram
//   llmgw_requests_in_flight{method}                        gauge
//   llmgw_upstream_requests_total{provider, model, outcome} counter
//   llmgw_upstream_request_duration_seconds{provider}       histogram
//   llmgw_cost_nano_usd_total{provider, model}              counter
//   llmgw_tokens_total{provider, model, direction}          counter
//
// Thread-safe.
class GatewayMetrics {
 public:
  virtual ~GatewayMetrics() = default;

  // A gRPC call started / ended with `code` (e.g. "OK", "UNAVAILABLE").
  virtual void RequestStarted(absl::string_view method) = 0;
  virtual void RequestFinished(absl::string_view method, absl::string_view code,
                               absl::Duration latency) = 0;
  // One upstream attempt ended with `outcome` (e.g. "success",
  // "rate_limited").
  virtual void UpstreamAttempt(absl::string_view provider,
                               absl::string_view model,
                               absl::string_view outcome,
                               absl::Duration latency) = 0;
  // A charge was committed.
  virtual void Charged(absl::string_view provider, absl::string_view model,
                       int64_t cost_nano_usd, int64_t input_tokens,
                       int64_t output_tokens) = 0;
};

// Metrics registered in `registry` (which must outlive the result).
// `known_model` decides whether a model name is used as a label value.
std::unique_ptr<GatewayMetrics> NewPrometheusMetrics(
    std::shared_ptr<prometheus::Registry> registry,
    std::function<bool(absl::string_view provider, absl::string_view model)>
        known_model);

// Serves `registry` at http://<address>/metrics. Port 0 picks a free port;
// the bound port is returned through `bound_port`.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> StartMetricsExposer(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry,
    int* bound_port);

}  // namespace llmgw

#endif  // LLMGW_MONITORING_GATEWAY_METRICS_H_
