#ifndef LLMGW_SERVICE_PROTO_CONVERT_H_
#define LLMGW_SERVICE_PROTO_CONVERT_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dispatch/generate_call.h"
#include "llmgateway/v1/gateway.pb.h"
#include "service/grpc_error.h"

namespace llmgw {

// Checks a GenerateRequest and converts it. INVALID_ARGUMENT names the field
// and says what is allowed. Fills a request id when the caller sent none.
// The caller identity is the gRPC metadata header "x-llmgw-client-id", else
// the request's metadata entry "client_id".
absl::StatusOr<GenerateInput> ToGenerateInput(
    const grpc::CallbackServerContext& context,
    const llmgateway::v1::GenerateRequest& request, absl::Time arrival,
    bool stream);

// The caller's deadline, or InfiniteFuture.
absl::Time DeadlineOf(const grpc::CallbackServerContext& context);

// Fills a unary response from a successful result.
void FillGenerateResponse(const GenerateResult& result,
                          const std::string& request_id,
                          llmgateway::v1::GenerateResponse* response);

// Fills the final stream event from a result.
void FillStreamSummary(const GenerateResult& result,
                       const std::string& request_id,
                       llmgateway::v1::StreamSummary* summary);

// One attempt as the API reports it.
void FillAttempt(const AttemptRecord& attempt, llmgateway::v1::Attempt* out);

llmgateway::v1::FinishReason ToProtoFinishReason(FinishReason reason);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_PROTO_CONVERT_H_
