#ifndef LLMGW_SERVICE_EMBED_CONVERT_H_
#define LLMGW_SERVICE_EMBED_CONVERT_H_

// The Embed RPC's request and response conversion. An EmbedRequest becomes a
// GenerateInput whose ProviderRequest has operation kEmbed, so Embed runs
// through the same GenerateCall as Generate: auth, admission, rate limits,
// budget reservation and settlement, failover, the attempts trail and audit.

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dispatch/generate_call.h"
#include "llmgateway/v1/gateway.pb.h"

namespace llmgw {

// Bounds of EmbedRequest (proto/llmgateway/v1/gateway.proto).
inline constexpr int kMaxEmbedInputs = 2048;
inline constexpr size_t kMaxEmbedInputBytes = 1 << 20;
inline constexpr size_t kMaxEmbedTotalBytes = 8 << 20;
inline constexpr int kMaxEmbedDimensions = 65536;

// Checks and converts; INVALID_ARGUMENT with a BadRequest violation naming
// the field ("inputs[3]", "dimensions", ...). Fills a request id when the
// caller sent none. model "" is resolved by the attempt plan (the primary
// provider's default embedding model).
absl::StatusOr<GenerateInput> ToEmbedInput(
    const grpc::CallbackServerContext& context,
    const llmgateway::v1::EmbedRequest& request, absl::Time arrival);

// Fills the response of a successful call: one Embedding per input, in
// input order, usage, cost, provider, model, latency, attempts, request id.
void FillEmbedResponse(const GenerateResult& result,
                       const std::string& request_id,
                       llmgateway::v1::EmbedResponse* response);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_EMBED_CONVERT_H_
