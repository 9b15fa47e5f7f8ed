#ifndef LLMGW_SERVICE_GRPC_ERROR_H_
#define LLMGW_SERVICE_GRPC_ERROR_H_

// The one place where an absl::Status becomes a gRPC status.
//
// The status code is the absl code (they are numerically gRPC codes). The
// message is kept human and capped at kMaxErrorMessageBytes. The payloads of
// the error-details contract (common/error_details.h) become google.rpc
// details in `grpc-status-details-bin` (a serialized google.rpc.Status):
//   ErrorInfo   always: reason (llmgw/reason, or one derived from the code),
//               domain "llmgateway.v1", metadata from llmgw/meta/*.
//   RetryInfo   when llmgw/retry_after_ms is set.
//   BadRequest  when llmgw/field_violation is set.
//   llmgateway.v1.AttemptTrail  when `attempts` is non-empty; oldest first,
//               as many as fit kMaxTrailBytes (the rest counted in
//               `truncated`), each detail capped.
// The whole status stays well under gRPC's default 8 KiB metadata limit, so a
// client never sees a misleading RESOURCE_EXHAUSTED instead.

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "dispatch/attempt.h"

namespace llmgw {

inline constexpr size_t kMaxErrorMessageBytes = 1024;
inline constexpr size_t kMaxTrailBytes = 2048;
inline constexpr size_t kMaxAttemptDetailBytes = 200;
inline constexpr char kErrorDomain[] = "llmgateway.v1";

grpc::Status ToGrpcStatus(const absl::Status& status,
                          const std::vector<AttemptRecord>* attempts = nullptr);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_GRPC_ERROR_H_
