// Embed: a batch of texts as vectors, through the same GenerateCall as
// Generate (operation kEmbed): auth, admission and rate limits, budget
// reservation and settlement, failover, the attempts trail and audit.
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "service/call_admission.h"
#include "service/embed_convert.h"
#include "service/gateway_service.h"
#include "service/proto_convert.h"

namespace llmgw {
namespace {

namespace pb = ::llmgateway::v1;

constexpr char kMethod[] = "Embed";

class EmbedReactor : public grpc::ServerUnaryReactor {
 public:
  EmbedReactor(GatewayCore* core, grpc::CallbackServerContext* context,
               const pb::EmbedRequest* request, pb::EmbedResponse* response)
      : core_(core),
        context_(context),
        response_(response),
        arrival_(absl::Now()) {
    core_->metrics().RequestStarted(kMethod);
    absl::StatusOr<Caller> caller = AuthenticateCall(*core_, *context);
    if (!caller.ok()) {
      Complete(caller.status());
      return;
    }
    caller_ = *std::move(caller);
    absl::StatusOr<GenerateInput> input =
        ToEmbedInput(*context, *request, arrival_);
    if (!input.ok()) {
      Complete(input.status());
      return;
    }
    input_ = *std::move(input);
    AdmitCall(*core_, caller_, *input_, [this](absl::Status admitted) {
      if (!admitted.ok()) {
        Complete(admitted);
        return;
      }
      StartCall();
    });
  }

  void OnCancel() override {
    std::shared_ptr<GenerateCall> call;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      call = call_;
    }
    if (call) call->Cancel(absl::Now() >= DeadlineOf(*context_));
  }

  void OnDone() override { delete this; }

 private:
  // Runs once admitted (inline, or on the loop after a Redis rate check).
  void StartCall() {
    request_id_ = input_->request.request_id;
    std::shared_ptr<GenerateCall> call = GenerateCall::Create(
        core_->dispatch_deps(), *std::move(input_), nullptr,
        [this](GenerateResult result) {
          RecordCallTokens(*core_, caller_, result);
          if (result.status.ok()) {
            FillEmbedResponse(result, request_id_, response_);
          }
          Complete(result.status, &result.attempts);
        });
    bool cancelled;
    {
      absl::MutexLock lock(&mu_);
      call_ = call;
      cancelled = cancelled_;
    }
    // on_done may run (and delete this) before Start returns.
    const bool by_deadline = absl::Now() >= DeadlineOf(*context_);
    call->Start();
    if (cancelled) call->Cancel(by_deadline);
  }

  void Complete(const absl::Status& status,
                const std::vector<AttemptRecord>* attempts = nullptr) {
    core_->metrics().RequestFinished(kMethod,
                                     absl::StatusCodeToString(status.code()),
                                     absl::Now() - arrival_);
    Finish(ToGrpcStatus(status, attempts));
  }

  GatewayCore* const core_;
  grpc::CallbackServerContext* const context_;
  pb::EmbedResponse* const response_;
  const absl::Time arrival_;
  std::string request_id_;
  Caller caller_;
  std::optional<GenerateInput> input_;
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<GenerateCall> call_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerUnaryReactor* GatewayService::Embed(
    grpc::CallbackServerContext* context, const pb::EmbedRequest* request,
    pb::EmbedResponse* response) {
  return new EmbedReactor(core_, context, request, response);
}

}  // namespace llmgw
