#ifndef LLMGW_SERVICE_HEALTH_REPORTER_H_
#define LLMGW_SERVICE_HEALTH_REPORTER_H_

#include <grpcpp/health_check_service_interface.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/event_loop.h"
#include "service/config_generation.h"

namespace llmgw {

class GatewayCore;

// Whether any configured provider of `gen` can be admitted now (circuit not
// OPEN and a healthy key). When not, `why` says what is missing.
bool AnyProviderCanServe(const ConfigGeneration& gen, absl::Time now,
                         std::string* why);

// Keeps grpc.health.v1 truthful: SERVING for "" and "llmgateway.v1.LlmGateway"
// while some configured provider can serve a call, NOT_SERVING otherwise
// (none configured, every circuit open, every key out). Evaluated on a
// periodic event-loop timer (cheap: a mutex and a few snapshots per
// provider) and on demand (Update, e.g. after a reload). Each transition
// writes one JSON log line ("health_serving" / "health_not_serving" with
// the reason). The name "liveness" is SERVING from start until the drain,
// for Kubernetes liveness probes. Draining is handled by
// GatewayServer::Shutdown, which stops the reporter and then shuts the health
// service down (NOT_SERVING for every name, frozen).
class HealthReporter : public std::enable_shared_from_this<HealthReporter> {
 public:
  static std::shared_ptr<HealthReporter> Start(
      GatewayCore* core, grpc::HealthCheckServiceInterface* health,
      absl::Duration period = absl::Seconds(1));

  HealthReporter(GatewayCore* core, grpc::HealthCheckServiceInterface* health,
                 absl::Duration period);

  // Re-evaluates now. Thread-safe.
  void Update();
  // Stops the timer; once it returns nothing touches the core or the health
  // service again. Thread-safe, idempotent; not from the loop thread.
  void Stop();

 private:
  void Schedule();
  void Tick();
  void EvaluateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  GatewayCore* const core_;
  grpc::HealthCheckServiceInterface* const health_;
  const absl::Duration period_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<bool> serving_ ABSL_GUARDED_BY(mu_);
  std::optional<http::EventLoop::TimerId> timer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmgw

#endif  // LLMGW_SERVICE_HEALTH_REPORTER_H_
