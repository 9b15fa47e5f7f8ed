// Generate: one complete answer (service/unary_call_reactor.h).
#include "service/gateway_service.h"
#include "service/proto_convert.h"
#include "service/unary_call_reactor.h"

namespace llmgw {
namespace {

struct GenerateTraits {
  using Request = llmgateway::v1::GenerateRequest;
  using Response = llmgateway::v1::GenerateResponse;
  static constexpr char kMethod[] = "Generate";

  static absl::StatusOr<GenerateInput> Convert(
      const grpc::CallbackServerContext& context, const Request& request,
      absl::Time arrival) {
    return ToGenerateInput(context, request, arrival, /*stream=*/false);
  }
  static void Fill(const GenerateResult& result, const std::string& request_id,
                   Response* response) {
    FillGenerateResponse(result, request_id, response);
  }
};

}  // namespace

grpc::ServerUnaryReactor* GatewayService::Generate(
    grpc::CallbackServerContext* context,
    const llmgateway::v1::GenerateRequest* request,
    llmgateway::v1::GenerateResponse* response) {
  return new UnaryCallReactor<GenerateTraits>(core_, context, request,
                                              response);
}

}  // namespace llmgw
