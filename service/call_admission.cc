#include "service/call_admission.h"

#include <optional>
#include <utility>

namespace llmgw {

absl::StatusOr<Caller> AuthenticateCall(
    const GatewayCore& core, const grpc::CallbackServerContext& ctx) {
  std::optional<absl::string_view> authorization;
  const auto& headers = ctx.client_metadata();
  if (auto it = headers.find("authorization"); it != headers.end()) {
    authorization = absl::string_view(it->second.data(), it->second.size());
  }
  return core.gatekeeper().Authenticate(authorization);
}

void AdmitCall(const GatewayCore& core, const Caller& caller,
               GenerateInput& input,
               absl::AnyInvocable<void(absl::Status)> done) {
  if (caller.open) {
    done(absl::OkStatus());
    return;
  }
  input.client_id = caller.tenant;
  // The generation's registry routes the models (held while checking).
  std::shared_ptr<const ConfigGeneration> generation = core.current();
  absl::Status allowed = core.gatekeeper().ApplyModelPolicy(
      caller, *generation->registry, input.request, input.fallback_models);
  if (!allowed.ok()) {
    done(std::move(allowed));
    return;
  }
  core.gatekeeper().Admit(caller, std::move(done));
}

void RecordCallTokens(const GatewayCore& core, const Caller& caller,
                      const GenerateResult& result) {
  if (caller.open) return;
  core.gatekeeper().RecordTokens(caller, result.reply.usage.input_tokens +
                                             result.reply.usage.output_tokens);
}

}  // namespace llmgw
