#ifndef LLMGW_SERVICE_GATEWAY_SERVICE_H_
#define LLMGW_SERVICE_GATEWAY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "llmgateway/v1/gateway.grpc.pb.h"
#include "service/gateway_core.h"

namespace llmgw {

// The gRPC service, on the callback API. Each RPC lives in its own file
// (generate.cc, generate_stream.cc, status.cc, budget.cc, embed.cc). Handlers
// never block: Generate and GenerateStream hand the call to a GenerateCall on
// the event loop and return a reactor that the loop completes.
class GatewayService final
    : public llmgateway::v1::LlmGateway::CallbackService {
 public:
  explicit GatewayService(GatewayCore* core) : core_(core) {}

  grpc::ServerUnaryReactor* Generate(
      grpc::CallbackServerContext* context,
      const llmgateway::v1::GenerateRequest* request,
      llmgateway::v1::GenerateResponse* response) override;

  grpc::ServerWriteReactor<llmgateway::v1::GenerateStreamEvent>* GenerateStream(
      grpc::CallbackServerContext* context,
      const llmgateway::v1::GenerateRequest* request) override;

  grpc::ServerUnaryReactor* Status(
      grpc::CallbackServerContext* context,
      const llmgateway::v1::StatusRequest* request,
      llmgateway::v1::StatusResponse* response) override;

  grpc::ServerUnaryReactor* Budget(
      grpc::CallbackServerContext* context,
      const llmgateway::v1::BudgetRequest* request,
      llmgateway::v1::BudgetResponse* response) override;

  // embed.cc: through the same GenerateCall as Generate (operation kEmbed).
  grpc::ServerUnaryReactor* Embed(
      grpc::CallbackServerContext* context,
      const llmgateway::v1::EmbedRequest* request,
      llmgateway::v1::EmbedResponse* response) override;

 private:
  GatewayCore* const core_;
};

// Builds the Status response (also used for the health service's state).
void BuildStatusResponse(const GatewayCore& core,
                         llmgateway::v1::StatusResponse* response);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_GATEWAY_SERVICE_H_
