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

// Pieces shared by Generate and Embed (service/embed_convert.cc), each
// INVALID_ARGUMENT naming the field:
//   - the caller id (x-llmgw-client-id header, else metadata["client_id"]);
absl::Status ConvertCaller(
    const grpc::CallbackServerContext& context,
    const google::protobuf::Map<std::string, std::string>& metadata,
    GenerateInput& input);
//   - the model string (at most 256 bytes; "" = the default);
absl::Status ConvertModel(const std::string& model, GenerateInput& input);
//   - fallback_models, metadata bounds and request_id (filled when empty).
absl::Status ConvertSharedRouting(
    const google::protobuf::RepeatedPtrField<std::string>& fallback_models,
    const google::protobuf::Map<std::string, std::string>& metadata,
    const std::string& request_id, GenerateInput& input);

// The context-free part of ToGenerateInput (what the request itself says:
// messages, sampling, routing, the rich options), into `input`. Used by
// ToGenerateInput and by fuzz/generate_request_fuzzer.cc.
absl::Status ConvertGenerateRequest(
    const llmgateway::v1::GenerateRequest& request, GenerateInput& input);

// The caller's deadline, or InfiniteFuture.
absl::Time DeadlineOf(const grpc::CallbackServerContext& context);

// Usage as the API reports it (detail fields included).
void FillUsage(const GenerateResult& result, llmgateway::v1::Usage* usage);

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
