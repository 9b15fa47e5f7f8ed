#include "service/gateway_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_log.h"
#include "monitoring/gateway_metrics.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "service/grpc_callback_threads.h"
#include "service/health_reporter.h"
#include "service/reflection/reflection_v1.h"
#include "tests/grpc_health/health.pb.h"

namespace llmgw {
absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const GatewayConfig& config, const EnvLookup& env,
    const ServerOptions& options, std::unique_ptr<AuditLog> audit) {
  std::unique_ptr<GatewayServer> server(new GatewayServer());
  absl::StatusOr<std::unique_ptr<GatewayCore>> core =
      GatewayCore::Create(config, env, std::move(audit));
  if (!core.ok()) return core.status();
  server->core_ = *std::move(core);
  server->service_ = std::make_unique<GatewayService>(server->core_.get());

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      GrpcServerCredentials(options.tls);
  if (!credentials.ok()) return credentials.status();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_address, *credentials,
                           &server->grpc_port_);
  builder.RegisterService(server->service_.get());
  // Reflection v1 (v1alpha comes from gRPC's plugin above).
  server->reflection_v1_ =
      std::make_unique<ReflectionV1Service>(std::vector<std::string>{
          "llmgateway.v1.LlmGateway", "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection"});
  builder.RegisterService(server->reflection_v1_.get());
  // LLM prompts can be large; replies are streamed.
  builder.SetMaxReceiveMessageSize(16 << 20);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE,
                             options.grpc_bdp_probe ? 1 : 0);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->grpc_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", options.grpc_address,
                     " (address in use or not allowed?)"));
  }
  server->HoldSurplusCallbackThreads(options.grpc_callback_threads);
  // Reflection describes grpc.health.v1 too: its descriptor is linked in.
  grpc::health::v1::HealthCheckRequest::descriptor();
  server->health_reporter_ = HealthReporter::Start(
      server->core_.get(), server->server_->GetHealthCheckService());

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
        front::FrontServer::Start(server->core_.get(), front_options,
                                  server->core_->metrics_registry().get());
    if (!front.ok()) {
      server->Shutdown(absl::ZeroDuration());
      return front.status();
    }
    server->front_ = *std::move(front);
  }
  return server;
}

void GatewayServer::HoldSurplusCallbackThreads(int serving) {
  callback_thread_hold_ = GrpcCallbackThreadHold::Start(server_.get(), serving);
  const int pool = callback_thread_hold_->pool_threads();
  const int held = callback_thread_hold_->held();
  auto& threads = prometheus::BuildGauge()
                      .Name("llmgw_grpc_callback_threads")
                      .Help(
                          "gRPC callback threads by state: serving calls, "
                          "or held out of gRPC's pool "
                          "(--grpc_callback_threads)")
                      .Register(*core_->metrics_registry());
  threads.Add({{"state", "serving"}}).Set(pool - held);
  threads.Add({{"state", "held"}}).Set(held);
  LogFields fields = {{"pool", absl::StrCat(pool)},
                      {"serving", absl::StrCat(pool - held)},
                      {"held", absl::StrCat(held)}};
  if (!callback_thread_hold_->not_held_reason().empty()) {
    fields.emplace_back("not_held", callback_thread_hold_->not_held_reason());
  }
  LogInfo("grpc_callback_threads", fields);
}

absl::Status GatewayServer::Reload(const GatewayConfig& config,
                                   const EnvLookup& env) {
  absl::Status status = core_->Reload(config, env);
  if (status.ok() && health_reporter_ != nullptr) health_reporter_->Update();
  return status;
}

void GatewayServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  const absl::Time deadline = absl::Now() + grace;
  if (front_ != nullptr) front_->BeginShutdown();
  if (health_reporter_ != nullptr) health_reporter_->Stop();
  // Every callback thread helps drain.
  if (callback_thread_hold_ != nullptr) callback_thread_hold_->Release();
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
  callback_thread_hold_.reset();
  server_.reset();
  service_.reset();
  reflection_v1_.reset();
  core_.reset();
}

}  // namespace llmgw
