// Generate: one complete answer.
#include <memory>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "service/gateway_service.h"
#include "service/proto_convert.h"

namespace llmgw {
namespace {

class GenerateReactor : public grpc::ServerUnaryReactor {
 public:
  GenerateReactor(GatewayCore* core, grpc::CallbackServerContext* context,
                  const llmgateway::v1::GenerateRequest* request,
                  llmgateway::v1::GenerateResponse* response)
      : core_(core),
        context_(context),
        response_(response),
        arrival_(absl::Now()) {
    core_->metrics().RequestStarted("Generate");
    absl::StatusOr<GenerateInput> input =
        ToGenerateInput(*context, *request, arrival_, false);
    if (!input.ok()) {
      Complete(input.status());
      return;
    }
    request_id_ = input->request.request_id;
    call_ = GenerateCall::Create(core_->dispatch_deps(), *std::move(input),
                                 nullptr, [this](GenerateResult result) {
                                   if (result.status.ok()) {
                                     FillGenerateResponse(result, request_id_,
                                                          response_);
                                   }
                                   Complete(result.status, &result.attempts);
                                 });
    call_->Start();
  }

  void OnCancel() override {
    if (call_) call_->Cancel(absl::Now() >= DeadlineOf(*context_));
  }

  void OnDone() override { delete this; }

 private:
  void Complete(const absl::Status& status,
                const std::vector<AttemptRecord>* attempts = nullptr) {
    core_->metrics().RequestFinished("Generate",
                                     absl::StatusCodeToString(status.code()),
                                     absl::Now() - arrival_);
    Finish(ToGrpcStatus(status, attempts));
  }

  GatewayCore* const core_;
  grpc::CallbackServerContext* const context_;
  llmgateway::v1::GenerateResponse* const response_;
  const absl::Time arrival_;
  std::string request_id_;
  std::shared_ptr<GenerateCall> call_;
};

}  // namespace

grpc::ServerUnaryReactor* GatewayService::Generate(
    grpc::CallbackServerContext* context,
    const llmgateway::v1::GenerateRequest* request,
    llmgateway::v1::GenerateResponse* response) {
  return new GenerateReactor(core_, context, request, response);
}

}  // namespace llmgw
