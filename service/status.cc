// Status: overall health, providers (keys as fingerprints only), chain.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "service/gateway_service.h"

namespace llmgw {

namespace pb = ::llmgateway::v1;

void BuildStatusResponse(const GatewayCore& core, pb::StatusResponse* response) {
  const ProviderRegistry& registry = core.registry();
  for (const auto& entry : registry.entries()) {
    pb::ProviderStatus* p = response->add_providers();
    p->set_name(entry->spec.name);
    p->set_wire_format(entry->spec.wire_format);
    p->set_available(entry->configured);
    p->set_unavailable_reason(entry->unconfigured_reason);
    p->set_base_url(entry->base_url);
    p->set_default_model(entry->spec.default_model);
    for (const ModelSpec& m : entry->spec.models) {
      pb::ModelInfo* info = p->add_models();
      info->set_name(m.name);
      info->set_context_window(m.context_window);
      info->set_max_output_tokens(m.max_output_tokens);
      info->set_input_nano_usd_per_million(m.input_nano_usd_per_million);
      info->set_output_nano_usd_per_million(m.output_nano_usd_per_million);
    }
    p->set_confidence_score(entry->spec.confidence_score);
    p->set_in_fallback_chain(entry->in_fallback_chain);
    for (const std::string& fp : entry->key_fingerprints) {
      pb::KeyStatus* key = p->add_keys();
      key->set_fingerprint(fp);
      key->set_state(pb::KEY_STATE_HEALTHY);
    }
    p->set_circuit_state(entry->configured ? pb::CIRCUIT_STATE_CLOSED
                                           : pb::CIRCUIT_STATE_UNSPECIFIED);
  }
  std::vector<std::string> chain;
  for (const ProviderEntry* e : registry.fallback_chain()) {
    response->add_fallback_chain(e->spec.name);
    chain.push_back(e->spec.name);
  }
  if (registry.primary() != nullptr) {
    response->set_primary_provider(registry.primary()->spec.name);
  }
  if (!registry.AnyConfigured()) {
    response->set_state(pb::SERVING_STATE_NOT_SERVING);
    response->set_state_reason(registry.HowToConfigure());
  } else if (!registry.requested_primary().empty() &&
             (registry.primary() == nullptr ||
              registry.primary()->spec.name != registry.requested_primary())) {
    const ProviderEntry* wanted = registry.Find(registry.requested_primary());
    response->set_state(pb::SERVING_STATE_DEGRADED);
    response->set_state_reason(absl::StrCat(
        "primary provider '", registry.requested_primary(),
        "' is unavailable (",
        wanted == nullptr ? "unknown provider" : wanted->unconfigured_reason,
        "); serving from ", absl::StrJoin(chain, " -> ")));
  } else {
    response->set_state(pb::SERVING_STATE_SERVING);
    response->set_state_reason(
        absl::StrCat("serving from ", absl::StrJoin(chain, " -> ")));
  }
  response->set_version(kGatewayVersion);
  response->set_uptime_seconds(
      absl::ToInt64Seconds(absl::Now() - core.start_time()));
}

grpc::ServerUnaryReactor* GatewayService::Status(
    grpc::CallbackServerContext* context, const pb::StatusRequest* /*request*/,
    pb::StatusResponse* response) {
  core_->metrics().RequestStarted("Status");
  const absl::Time start = absl::Now();
  BuildStatusResponse(*core_, response);
  core_->metrics().RequestFinished("Status", "OK", absl::Now() - start);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace llmgw
