#include "service/gateway_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "monitoring/gateway_metrics.h"
#include "prometheus/exposer.h"

namespace llmgw {
namespace {

constexpr char kServiceName[] = "llmgateway.v1.LlmGateway";

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const GatewayConfig& config, const EnvLookup& env,
    const ServerOptions& options, std::unique_ptr<AuditLog> audit) {
  std::unique_ptr<GatewayServer> server(new GatewayServer());
  absl::StatusOr<std::unique_ptr<GatewayCore>> core =
      GatewayCore::Create(config, env, std::move(audit));
  if (!core.ok()) return core.status();
  server->core_ = *std::move(core);
  server->service_ = std::make_unique<GatewayService>(server->core_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_address,
                           grpc::InsecureServerCredentials(),
                           &server->grpc_port_);
  builder.RegisterService(server->service_.get());
  // LLM prompts can be large; replies are streamed.
  builder.SetMaxReceiveMessageSize(16 << 20);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->grpc_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", options.grpc_address,
                     " (address in use or not allowed?)"));
  }
  const bool serving = server->core_->registry().AnyConfigured();
  grpc::HealthCheckServiceInterface* health =
      server->server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  health->SetServingStatus(kServiceName, serving);

  if (!options.metrics_address.empty()) {
    absl::StatusOr<std::unique_ptr<prometheus::Exposer>> exposer =
        StartMetricsExposer(options.metrics_address,
                            server->core_->metrics_collectables(),
                            &server->metrics_port_);
    if (!exposer.ok()) {
      server->Shutdown(absl::ZeroDuration());
      return exposer.status();
    }
    server->exposer_ = *std::move(exposer);
  }
  if (!options.http_address.empty()) {
    front::FrontOptions front_options;
    front_options.address = options.http_address;
    absl::StatusOr<std::unique_ptr<front::FrontServer>> front =
        front::FrontServer::Start(server->core_->dispatch_deps(), front_options,
                                  server->core_->metrics_registry().get());
    if (!front.ok()) {
      server->Shutdown(absl::ZeroDuration());
      return front.status();
    }
    server->front_ = *std::move(front);
  }
  return server;
}

void GatewayServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  const absl::Time deadline = absl::Now() + grace;
  if (front_ != nullptr) front_->BeginShutdown();
  if (server_ != nullptr) {
    grpc::HealthCheckServiceInterface* health =
        server_->GetHealthCheckService();
    if (health != nullptr) health->Shutdown();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_->Wait();
  }
  if (front_ != nullptr) front_->FinishShutdown(deadline);
}

GatewayServer::~GatewayServer() {
  Shutdown(absl::ZeroDuration());
  exposer_.reset();
  front_.reset();
  server_.reset();
  service_.reset();
  core_.reset();
}

}  // namespace llmgw
