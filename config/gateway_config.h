#ifndef LLMGW_CONFIG_GATEWAY_CONFIG_H_
#define LLMGW_CONFIG_GATEWAY_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auth/auth_config.h"
#include "config/budget_config.h"
#include "config/env_lookup.h"
#include "config/resilience_config.h"
#include "registry/provider_spec.h"

namespace llmgw {

// Settings for one provider from the YAML file. Every field is optional: it
// overrides the built-in schema entry of the same name, or, with wire_format
// set, defines a new provider (e.g. another OpenAI-compatible endpoint).
struct ProviderOverride {
  std::optional<std::string> wire_format;
  // Prefix of the provider's environment variables (default: upper-cased
  // name): <PREFIX>_API_KEY, <PREFIX>_API_KEYS, <PREFIX>_MODEL,
  // <PREFIX>_API_BASE.
  std::optional<std::string> env_prefix;
  // Environment variable names, when they do not follow <PREFIX>_... (the
  // "local" preset reads LOCAL_LLM_URL and LOCAL_LLM_MODEL). "" = not read.
  std::optional<std::string> api_key_env;
  std::optional<std::string> api_keys_env;
  std::optional<std::string> model_env;
  std::optional<std::string> base_url_env;
  std::optional<bool> requires_api_key;
  // Keys in the file are allowed but discouraged; the environment wins.
  std::vector<std::string> api_keys;
  // The base URL in effect; setting it configures a keyless provider.
  std::optional<std::string> base_url;
  // The base URL used when neither base_url nor <PREFIX>_API_BASE is set
  // (built-in catalogs); does not by itself configure a keyless provider.
  std::optional<std::string> default_base_url;
  std::optional<std::string> default_model;
  std::optional<double> confidence_score;
  // Places in the automatic orders (ProviderSpec::primary_rank and
  // fallback_rank): 1 first, 0 never.
  std::optional<int> primary_rank;
  std::optional<int> fallback_rank;
  std::optional<int> max_retries;
  std::optional<absl::Duration> connect_timeout;
  std::optional<absl::Duration> read_timeout;
  std::vector<std::string> route_prefixes;
  // Replaces or adds catalog entries by model name (prices in nano-USD).
  std::vector<ModelSpec> models;
  std::map<std::string, std::string> options;
  // false removes a built-in provider entirely.
  bool enabled = true;
};

// The whole gateway configuration: YAML file, then environment overrides.
struct GatewayConfig {
  // CHAT_PROVIDER.
  std::string primary_provider;
  // Explicit chain; empty = primary then the reference's reliability order.
  std::vector<std::string> fallback_chain;
  std::map<std::string, ProviderOverride> providers;
  BudgetConfig budget;
  ResilienceConfig resilience;
  // Client keys, tenants, fingerprint secret (auth/auth_config.h).
  AuthConfig auth;
  // Default timeouts for every provider (LLMGW_CONNECT_TIMEOUT /
  // LLMGW_READ_TIMEOUT, seconds); a provider's own settings win.
  std::optional<absl::Duration> default_connect_timeout;
  std::optional<absl::Duration> default_read_timeout;
  // Grace period for draining in-flight calls on SIGTERM.
  absl::Duration shutdown_grace = absl::Seconds(15);
  // Where durable state (ledger, audit log) lives.
  std::string data_dir;
  // OpenAI-compatible HTTP front port (docs/http-front.md): unset = off
  // unless --http_port says otherwise; 0 picks a free port, -1 disables.
  std::optional<int64_t> http_port;
};

// Parses YAML text into a config. Errors name the offending key.
absl::StatusOr<GatewayConfig> ParseGatewayConfig(absl::string_view yaml_text);

// A provider catalog: YAML whose only top-level key is `providers`, a mapping
// by provider name in the same shape as the config file's `providers`
// section. Returns the entries in document order (names lower-cased).
// Built-in catalogs (providers/<wire format>/catalog.yaml) use this format.
absl::StatusOr<std::vector<std::pair<std::string, ProviderOverride>>>
ParseProviderCatalog(absl::string_view yaml_text);

// Applies the gateway-wide environment overrides listed below to `config`.
absl::Status ApplyEnvironmentOverrides(const EnvLookup& env,
                                       GatewayConfig& config);

// Loads `path` ("" = defaults only) and applies the gateway-wide environment
// overrides (CHAT_PROVIDER, LLMGW_HOURLY_BUDGET, LLMGW_HARD_SAFETY_CAP,
// LLMGW_FALLBACK_CHAIN, LLMGW_CONNECT_TIMEOUT, LLMGW_READ_TIMEOUT).
// Per-provider settings (keys, model, base URL,
// LLMGW_<PROVIDER>_{CONNECT,READ}_TIMEOUT) are read from the environment by the
// registry.
absl::StatusOr<GatewayConfig> LoadGatewayConfig(const std::string& path,
                                                const EnvLookup& env);

}  // namespace llmgw

#endif  // LLMGW_CONFIG_GATEWAY_CONFIG_H_
