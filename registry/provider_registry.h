#ifndef LLMGW_REGISTRY_PROVIDER_REGISTRY_H_
#define LLMGW_REGISTRY_PROVIDER_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/gateway_config.h"
#include "http/http_client.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {

// One provider known to the gateway, configured or not.
struct ProviderEntry {
  // Resolved schema entry: built-in preset + YAML overrides + environment.
  ProviderSpec spec;
  std::string base_url;
  // Secret: never log, export or return these. Use key_fingerprints.
  std::vector<std::string> api_keys;
  std::vector<std::string> key_fingerprints;
  // Configured = has its keys (or, for keyless providers, its URL) and a
  // wire format implementation linked into the binary.
  bool configured = false;
  // Why it is not configured, phrased as what to do ("set OPENAI_API_KEY or
  // OPENAI_API_KEYS"). Empty when configured.
  std::string unconfigured_reason;
  bool in_fallback_chain = false;
  // Null unless configured.
  std::unique_ptr<ILLMProvider> provider;
};

// Where a model name leads.
struct Route {
  const ProviderEntry* entry = nullptr;
  // The provider's own model id.
  std::string model;
  // How the route was chosen: "pinned", "catalog", "prefix", "primary".
  std::string rule;
};

// The set of providers the gateway can call, built data-driven from the
// provider schema (every linked wire format's presets), the YAML config and
// the environment, following the reference's zero-configuration discovery:
//   <PROVIDER>_API_KEYS (comma-separated, wins) or <PROVIDER>_API_KEY,
//   <PROVIDER>_MODEL, <PROVIDER>_API_BASE, LOCAL_LLM_URL / LOCAL_LLM_MODEL,
//   LLMGW_<PROVIDER>_CONNECT_TIMEOUT / _READ_TIMEOUT / _STREAM_IDLE_TIMEOUT /
//   _FIRST_TOKEN_TIMEOUT, CHAT_PROVIDER.
// Immutable after Create; safe to read from any thread.
class ProviderRegistry {
 public:
  static absl::StatusOr<std::unique_ptr<ProviderRegistry>> Create(
      const GatewayConfig& config, const EnvLookup& env,
      http::HttpClient* http_client);

  // Every known provider, in schema order.
  const std::vector<std::unique_ptr<ProviderEntry>>& entries() const {
    return entries_;
  }
  // By name (aliases such as "google" resolve to "gemini"); null if unknown.
  const ProviderEntry* Find(absl::string_view name) const;

  // The provider used for an empty model and unmatched names; null when
  // nothing is configured.
  const ProviderEntry* primary() const { return primary_; }
  // What CHAT_PROVIDER / primary_provider asked for ("" = not set).
  const std::string& requested_primary() const { return requested_primary_; }
  // Configured providers in the order they are tried: the primary, then the
  // reference's reliability order (fireworks, openai, local) or the
  // configured chain.
  const std::vector<const ProviderEntry*>& fallback_chain() const {
    return chain_;
  }
  bool AnyConfigured() const { return primary_ != nullptr; }

  // Resolves a request's model name:
  //   "provider/model"  pins a known provider (the rest is its model id);
  //   exact catalog match of a configured provider;
  //   model-name prefix rules (the reference's PROVIDER_MAP);
  //   otherwise the primary provider;
  //   ""                the primary provider's default model.
  // NOT_FOUND (with what to set) when the model leads to a provider that is
  // not configured, or nothing is configured.
  absl::StatusOr<Route> Resolve(absl::string_view model) const;

  // A human sentence for logs and Status when nothing is configured, naming
  // the variables to set.
  std::string HowToConfigure() const;

 private:
  ProviderRegistry() = default;

  std::vector<std::unique_ptr<ProviderEntry>> entries_;
  const ProviderEntry* primary_ = nullptr;
  std::string requested_primary_;
  std::vector<const ProviderEntry*> chain_;
};

}  // namespace llmgw

#endif  // LLMGW_REGISTRY_PROVIDER_REGISTRY_H_
