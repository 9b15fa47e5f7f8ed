#ifndef LLMGW_SERVICE_CALL_ADMISSION_H_
#define LLMGW_SERVICE_CALL_ADMISSION_H_

#include <grpcpp/grpcpp.h>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "auth/authenticator.h"
#include "dispatch/generate_call.h"
#include "service/gateway_core.h"

namespace llmgw {

// The gRPC side of auth/: every RPC handler calls AuthenticateCall first, at
// reactor construction, so nothing is validated or dispatched for a caller
// without a valid client key. grpc.health.v1 and reflection are separate
// services and stay open for probes.

// Reads the "authorization" metadata and authenticates it.
absl::StatusOr<Caller> AuthenticateCall(const GatewayCore& core,
                                        const grpc::CallbackServerContext& ctx);

// Binds a validated request to the caller: with client keys the budget
// client is the tenant (x-llmgw-client-id and metadata["client_id"] are
// ignored), the tenant's allowed models/providers are applied, then its rate
// limits. `done` runs exactly once, inline or on the event loop, with OK or
// the refusal (PERMISSION_DENIED, RESOURCE_EXHAUSTED/RATE_LIMITED).
void AdmitCall(const GatewayCore& core, const Caller& caller,
               GenerateInput& input,
               absl::AnyInvocable<void(absl::Status)> done);

// Adds a finished call's tokens to the tenant's tokens-per-minute window.
void RecordCallTokens(const GatewayCore& core, const Caller& caller,
                      const GenerateResult& result);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_CALL_ADMISSION_H_
