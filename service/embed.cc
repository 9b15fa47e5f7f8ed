// Embed: a batch of texts as vectors, through the same GenerateCall as
// Generate (operation kEmbed): auth, admission and rate limits, budget
// reservation and settlement, failover, the attempts trail and audit
// (service/unary_call_reactor.h).
#include "service/embed_convert.h"
#include "service/gateway_service.h"
#include "service/unary_call_reactor.h"

namespace llmgw {
namespace {

struct EmbedTraits {
  using Request = llmgateway::v1::EmbedRequest;
  using Response = llmgateway::v1::EmbedResponse;
  static constexpr char kMethod[] = "Embed";

  static absl::StatusOr<GenerateInput> Convert(
      const grpc::CallbackServerContext& context, const Request& request,
      absl::Time arrival) {
    return ToEmbedInput(context, request, arrival);
  }
  static void Fill(const GenerateResult& result, const std::string& request_id,
                   Response* response) {
    FillEmbedResponse(result, request_id, response);
  }
};

}  // namespace

grpc::ServerUnaryReactor* GatewayService::Embed(
    grpc::CallbackServerContext* context,
    const llmgateway::v1::EmbedRequest* request,
    llmgateway::v1::EmbedResponse* response) {
  return new UnaryCallReactor<EmbedTraits>(core_, context, request, response);
}

}  // namespace llmgw
