#ifndef LLMGW_SERVICE_GATEWAY_SERVER_H_
#define LLMGW_SERVICE_GATEWAY_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/tls.h"
#include "config/gateway_config.h"
#include "front/front_server.h"
#include "service/gateway_core.h"
#include "service/gateway_service.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace llmgw {

class GrpcCallbackThreadHold;
class HealthReporter;
class ReflectionV1Service;

struct ServerOptions {
  // "127.0.0.1:0", "0.0.0.0:50051"... port 0 picks a free port.
  std::string grpc_address = "0.0.0.0:50051";
  // Empty disables the metrics endpoint.
  std::string metrics_address = "0.0.0.0:9464";
  // TLS / mTLS for the gRPC port (off when empty); see auth/tls.h.
  TlsSettings tls;
  // OpenAI-compatible HTTP front (docs/http-front.md); empty disables it.
  std::string http_address;
  // gRPC's HTTP/2 bandwidth-delay-product probe: a PING after the data of
  // each call, its ack, and a timer, to grow the receive window on links
  // with a high bandwidth-delay product. Off by default: it cost ~9% of the
  // CPU per unary call at 5,000 calls/s over 1,000 connections
  // (docs/benchmarks.md). Off, each stream's window stays at gRPC's 64 KB
  // (64 MB/s per stream at 1 ms RTT); turn it on for callers across a WAN
  // that send large prompts.
  bool grpc_bdp_probe = false;
  // How many of gRPC's callback threads serve calls; the rest of its pool is
  // held out of the pool's turn-taking (service/grpc_callback_threads.h). 0
  // leaves the pool as gRPC sized it. One keeps up with the gateway's one
  // event loop, and saves a context switch per request and per reply.
  int grpc_callback_threads = 1;
};

// A running gateway: the core, the gRPC server (with grpc.health.v1 and
// server reflection) and the metrics exposer. Used by main.cc and by
// in-process tests.
class GatewayServer {
 public:
  // `audit` replaces the default audit log (tests).
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const GatewayConfig& config, const EnvLookup& env,
      const ServerOptions& options, std::unique_ptr<AuditLog> audit = nullptr);
  ~GatewayServer();

  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  // 0 when the HTTP front is off.
  int http_port() const { return front_ ? front_->port() : 0; }
  GatewayCore& core() { return *core_; }
  // The hold on gRPC's surplus callback threads (never null while running).
  const GrpcCallbackThreadHold& callback_thread_hold() const {
    return *callback_thread_hold_;
  }

  // Swaps in a new configuration for new calls (GatewayCore::Reload) and
  // re-evaluates health. On error the old configuration keeps serving.
  absl::Status Reload(const GatewayConfig& config, const EnvLookup& env);

  // Stops accepting calls, lets in-flight calls finish for up to `grace`, then
  // cancels the rest. Health reports NOT_SERVING from the first moment.
  void Shutdown(absl::Duration grace);

 private:
  GatewayServer() = default;
  // Starts callback_thread_hold_, exports its gauge and logs it.
  void HoldSurplusCallbackThreads(int serving);

  std::unique_ptr<GatewayCore> core_;
  std::unique_ptr<GatewayService> service_;
  std::unique_ptr<ReflectionV1Service> reflection_v1_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcCallbackThreadHold> callback_thread_hold_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<HealthReporter> health_reporter_;
  std::unique_ptr<front::FrontServer> front_;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  bool shut_down_ = false;
};

}  // namespace llmgw

#endif  // LLMGW_SERVICE_GATEWAY_SERVER_H_
