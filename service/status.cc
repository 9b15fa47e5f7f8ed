// Status: overall health, providers (keys as fingerprints only), chain.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "service/call_admission.h"
#include "service/gateway_service.h"
#include "service/proto_convert.h"

namespace llmgw {

namespace pb = ::llmgateway::v1;

namespace {

pb::KeyState KeyStateProto(KeyHealth health) {
  switch (health) {
    case KeyHealth::kHealthy:
      return pb::KEY_STATE_HEALTHY;
    case KeyHealth::kCoolingDown:
      return pb::KEY_STATE_COOLING_DOWN;
    case KeyHealth::kFailedPermanently:
      return pb::KEY_STATE_FAILED_PERMANENTLY;
  }
  return pb::KEY_STATE_UNSPECIFIED;
}

pb::CircuitState CircuitStateProto(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return pb::CIRCUIT_STATE_CLOSED;
    case CircuitState::kOpen:
      return pb::CIRCUIT_STATE_OPEN;
    case CircuitState::kHalfOpen:
      return pb::CIRCUIT_STATE_HALF_OPEN;
  }
  return pb::CIRCUIT_STATE_UNSPECIFIED;
}

// One catalog model as Status reports it: prices (the detail prices only
// where the catalog sets them) and features.
void FillModelInfo(const ModelSpec& m, pb::ModelInfo* info) {
  info->set_name(m.name);
  info->set_context_window(m.context_window);
  info->set_max_output_tokens(m.max_output_tokens);
  info->set_input_nano_usd_per_million(m.input_nano_usd_per_million);
  info->set_output_nano_usd_per_million(m.output_nano_usd_per_million);
  if (m.cached_input_nano_usd_per_million) {
    info->set_cached_input_nano_usd_per_million(
        *m.cached_input_nano_usd_per_million);
  }
  if (m.cache_write_nano_usd_per_million) {
    info->set_cache_write_nano_usd_per_million(
        *m.cache_write_nano_usd_per_million);
  }
  if (m.reasoning_nano_usd_per_million) {
    info->set_reasoning_nano_usd_per_million(*m.reasoning_nano_usd_per_million);
  }
  for (const std::string& feature : m.features) info->add_features(feature);
}

}  // namespace

// One provider: its models, circuit state, and each key (by fingerprint) with
// its state, failure count and cooldown left. Returns "name: reason" when the
// provider is in the fallback chain and unavailable, else empty.
std::string FillProviderStatus(const ProviderEntry* entry,
                               const ConfigGeneration& generation,
                               absl::Time now, pb::ProviderStatus* p) {
  p->set_name(entry->spec.name);
  p->set_wire_format(entry->spec.wire_format);
  p->set_available(entry->configured);
  p->set_unavailable_reason(entry->unconfigured_reason);
  p->set_base_url(entry->base_url);
  p->set_default_model(entry->spec.default_model);
  for (const ModelSpec& m : entry->spec.models) {
    FillModelInfo(m, p->add_models());
  }
  p->set_confidence_score(entry->spec.confidence_score);
  p->set_in_fallback_chain(entry->in_fallback_chain);
  const ProviderHealth* health = generation.health->Find(entry->spec.name);
  if (health == nullptr || !entry->configured) {
    for (const std::string& fp : entry->key_fingerprints) {
      pb::KeyStatus* key = p->add_keys();
      key->set_fingerprint(fp);
      key->set_state(pb::KEY_STATE_HEALTHY);
    }
    p->set_circuit_state(entry->configured ? pb::CIRCUIT_STATE_CLOSED
                                           : pb::CIRCUIT_STATE_UNSPECIFIED);
    return {};
  }
  const ProviderHealthSnapshot snap = health->Snapshot(now);
  for (size_t i = 0; i < snap.keys.size(); ++i) {
    pb::KeyStatus* key = p->add_keys();
    key->set_fingerprint(snap.key_fingerprints[i]);
    key->set_state(KeyStateProto(snap.keys[i].health));
    key->set_failure_count(snap.keys[i].failure_count);
    key->set_cooldown_remaining_ms(
        absl::ToInt64Milliseconds(snap.keys[i].cooldown_remaining));
  }
  p->set_circuit_state(CircuitStateProto(snap.circuit));
  if (!snap.available) {
    p->set_available(false);
    p->set_unavailable_reason(snap.unavailable_reason);
    if (entry->in_fallback_chain) {
      return absl::StrCat(entry->spec.name, ": ", snap.unavailable_reason);
    }
  }
  return {};
}

// The overall state: NOT_SERVING when nothing is configured or every chain
// provider is unavailable, DEGRADED when the requested primary or some chain
// provider is unavailable, else SERVING.
void SetServingState(const ProviderRegistry& registry,
                     const std::vector<std::string>& chain_unavailable,
                     const std::vector<std::string>& chain,
                     pb::StatusResponse* response) {
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
  } else if (!chain_unavailable.empty() &&
             chain_unavailable.size() >= chain.size()) {
    response->set_state(pb::SERVING_STATE_NOT_SERVING);
    response->set_state_reason(
        absl::StrCat("every provider is unavailable: ",
                     absl::StrJoin(chain_unavailable, "; ")));
  } else if (!chain_unavailable.empty()) {
    response->set_state(pb::SERVING_STATE_DEGRADED);
    response->set_state_reason(
        absl::StrCat("unavailable: ", absl::StrJoin(chain_unavailable, "; "),
                     "; serving from ", absl::StrJoin(chain, " -> ")));
  } else {
    response->set_state(pb::SERVING_STATE_SERVING);
    response->set_state_reason(
        absl::StrCat("serving from ", absl::StrJoin(chain, " -> ")));
  }
}

// Per provider (FillProviderStatus) and overall (SetServingState). A
// configured provider whose circuit is open or which has no healthy key is
// reported unavailable with the reason; the overall state is DEGRADED when any
// provider of the fallback chain is unavailable (NOT_SERVING when none is).
void BuildStatusResponse(const GatewayCore& core,
                         pb::StatusResponse* response) {
  // One generation for the whole answer, even if a reload races it.
  const std::shared_ptr<const ConfigGeneration> gen = core.current();
  const ProviderRegistry& registry = *gen->registry;
  const absl::Time now = absl::Now();
  std::vector<std::string> chain_unavailable;
  for (const auto& entry : registry.entries()) {
    std::string unavailable =
        FillProviderStatus(entry.get(), *gen, now, response->add_providers());
    if (!unavailable.empty())
      chain_unavailable.push_back(std::move(unavailable));
  }
  std::vector<std::string> chain;
  for (const ProviderEntry* e : registry.fallback_chain()) {
    response->add_fallback_chain(e->spec.name);
    chain.push_back(e->spec.name);
  }
  if (registry.primary() != nullptr) {
    response->set_primary_provider(registry.primary()->spec.name);
  }
  SetServingState(registry, chain_unavailable, chain, response);
  response->set_version(kGatewayVersion);
  response->set_uptime_seconds(
      absl::ToInt64Seconds(absl::Now() - core.start_time()));
}

grpc::ServerUnaryReactor* GatewayService::Status(
    grpc::CallbackServerContext* context, const pb::StatusRequest* /*request*/,
    pb::StatusResponse* response) {
  core_->metrics().RequestStarted("Status");
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = AuthenticateCall(*core_, *context);
  if (!caller.ok()) {
    core_->metrics().RequestFinished(
        "Status", absl::StatusCodeToString(caller.status().code()),
        absl::Now() - start);
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  BuildStatusResponse(*core_, response);
  if (!core_->gatekeeper().MayReadDetails(*caller)) {
    // Providers, base URLs, key fingerprints and reasons need an admin key.
    pb::StatusResponse summary;
    summary.set_state(response->state());
    summary.set_version(response->version());
    summary.set_uptime_seconds(response->uptime_seconds());
    summary.set_state_reason("details need an admin client key");
    *response = std::move(summary);
  }
  core_->metrics().RequestFinished("Status", "OK", absl::Now() - start);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace llmgw
