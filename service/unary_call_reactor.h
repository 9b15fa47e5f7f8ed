#ifndef LLMGW_SERVICE_UNARY_CALL_REACTOR_H_
#define LLMGW_SERVICE_UNARY_CALL_REACTOR_H_

// The unary RPCs that run one GenerateCall (Generate, Embed): authenticate
// the caller, convert and validate the request, admit it (tenant policy,
// rate limits; inline or on the loop after a Redis check), run the call and
// finish with its response or its precise status. Nothing blocks: the
// reactor is driven by gRPC's callbacks and the call's completion on the
// event loop.
//
//   struct EmbedTraits {
//     using Request = pb::EmbedRequest;
//     using Response = pb::EmbedResponse;
//     static constexpr char kMethod[] = "Embed";
//     static absl::StatusOr<GenerateInput> Convert(
//         const grpc::CallbackServerContext&, const Request&, absl::Time);
//     static void Fill(const GenerateResult&, const std::string& request_id,
//                      Response*);
//   };
//   return new UnaryCallReactor<EmbedTraits>(core_, context, request,
//   response);

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "service/call_admission.h"
#include "service/call_cancel_gate.h"
#include "service/gateway_core.h"
#include "service/proto_convert.h"

namespace llmgw {

template <typename Traits>
class UnaryCallReactor : public grpc::ServerUnaryReactor {
 public:
  using Request = typename Traits::Request;
  using Response = typename Traits::Response;

  UnaryCallReactor(GatewayCore* core, grpc::CallbackServerContext* context,
                   const Request* request, Response* response)
      : core_(core),
        context_(context),
        response_(response),
        arrival_(absl::Now()) {
    core_->metrics().RequestStarted(Traits::kMethod);
    absl::StatusOr<Caller> caller = AuthenticateCall(*core_, *context);
    if (!caller.ok()) {
      Complete(caller.status());
      return;
    }
    caller_ = *std::move(caller);
    absl::StatusOr<GenerateInput> input =
        Traits::Convert(*context, *request, arrival_);
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
    cancel_gate_.Cancel(absl::Now() >= DeadlineOf(*context_));
  }

  void OnDone() override { delete this; }

  // OnCancel only posts to the loop and OnDone only deletes this, so gRPC
  // may run both on whichever thread completes the call (usually the loop,
  // right after Finish writes the reply) instead of handing each call to its
  // executor thread: one thread wake-up less per call. gRPC calls this hook
  // "not API"; if a gRPC upgrade drops it, `override` stops the build.
  bool InternalInlineable() override { return true; }

 private:
  // Runs once admitted (inline, or on the loop after a Redis rate check).
  // The reply is filled on the loop when the call is settled, and handed to
  // gRPC once its charge is recorded, from the thread that learns it (the
  // SQLite ledger's writer): no hop back to the loop on the way out.
  void StartCall() {
    request_id_ = input_->request.request_id;
    std::shared_ptr<GenerateCall> call = GenerateCall::CreateReleasedOffLoop(
        core_->dispatch_deps(), *std::move(input_),
        [this](const GenerateResult& result) -> GenerateCall::Release {
          RecordCallTokens(*core_, caller_, result);
          if (result.status.ok()) Traits::Fill(result, request_id_, response_);
          // Settled: a late cancel has nothing left to do, and the reactor
          // need not keep the call alive. (The call may still end on the
          // ledger's writer thread; the core, not the call, destroys a
          // replaced generation and its ledger: GatewayCore.)
          cancel_gate_.Forget();
          return [this, code = result.status.code(),
                  status = ToGrpcStatus(result.status, &result.attempts)]() {
            FinishWith(code, status);
          };
        });
    // The call may finish (and delete this) before Start returns.
    cancel_gate_.Start(std::move(call), absl::Now() >= DeadlineOf(*context_));
  }

  void Complete(const absl::Status& status) {
    FinishWith(status.code(), ToGrpcStatus(status, nullptr));
  }

  // Thread-safe: the loop, a gRPC thread or the ledger's writer thread.
  void FinishWith(absl::StatusCode code, const grpc::Status& status) {
    core_->metrics().RequestFinished(Traits::kMethod,
                                     absl::StatusCodeToString(code),
                                     absl::Now() - arrival_);
    Finish(status);
  }

  GatewayCore* const core_;
  grpc::CallbackServerContext* const context_;
  Response* const response_;
  const absl::Time arrival_;
  std::string request_id_;
  Caller caller_;
  std::optional<GenerateInput> input_;
  CallCancelGate cancel_gate_;
};

}  // namespace llmgw

#endif  // LLMGW_SERVICE_UNARY_CALL_REACTOR_H_
