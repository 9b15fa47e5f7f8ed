#ifndef LLMGW_REGISTRY_PROVIDER_SPEC_H_
#define LLMGW_REGISTRY_PROVIDER_SPEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace llmgw {

// One model of a provider's catalog. Prices are integer nano-USD per million
// tokens (1 USD per million tokens = 1,000,000,000).
struct ModelSpec {
  std::string name;
  int64_t context_window = 0;
  int64_t max_output_tokens = 0;
  int64_t input_nano_usd_per_million = 0;
  int64_t output_nano_usd_per_million = 0;
  // Where the provider bills them differently (unset: cached input and cache
  // writes at the input price, reasoning at the output price).
  std::optional<int64_t> cached_input_nano_usd_per_million;
  std::optional<int64_t> cache_write_nano_usd_per_million;
  std::optional<int64_t> reasoning_nano_usd_per_million;
  // Catalog names of what the model supports ("chat", "tools", "vision",
  // "json_object", "json_schema", "embeddings"; see ModelFeatureName).
  // Empty means not declared: every chat feature is assumed and the
  // provider's answer decides (entries in older config files).
  std::vector<std::string> features;
};

// Per-provider timeouts (reference defaults: connect 10 s, read 60 s).
struct ProviderTimeouts {
  absl::Duration connect = absl::Seconds(10);
  // Longest silence while waiting for the response or between chunks.
  absl::Duration read = absl::Seconds(60);
  // Streams: longest silence between two deltas once output has started
  // (keep-alive bytes do not count), and longest wait for the first delta.
  absl::Duration stream_idle = absl::Seconds(60);
  absl::Duration first_token = absl::Seconds(60);
};

// One entry of the data-driven provider schema: everything the gateway needs
// to discover, configure, route to and describe a provider. Built-in entries
// come from each wire format's factory (presets); the YAML config may add or
// override entries; the environment overrides both.
struct ProviderSpec {
  // Registry name, lower case: "openai", "fireworks", "local"...
  std::string name;
  // Which ProviderFactory implements it: "openai_compatible", "anthropic"...
  std::string wire_format;

  // Environment variables (reference scheme). Empty means "not used".
  std::string api_key_env;   // e.g. "OPENAI_API_KEY"
  std::string api_keys_env;  // e.g. "OPENAI_API_KEYS" (comma-separated, wins)
  std::string model_env;     // e.g. "OPENAI_MODEL"
  std::string base_url_env;  // e.g. "OPENAI_API_BASE"

  // False for servers that take no key (local Ollama/vLLM/TGI). Such a
  // provider is configured when its base URL variable is set.
  bool requires_api_key = true;
  // Base URL up to and including the version segment, no trailing slash:
  // "https://api.openai.com/v1".
  std::string default_base_url;
  std::string default_model;
  std::vector<ModelSpec> models;
  // Model-name prefixes routed to this provider when no provider is pinned
  // (the reference's PROVIDER_MAP), matched case-insensitively.
  std::vector<std::string> route_prefixes;
  // The reference's confidence score, reported in Status and used by
  // GenerateRequest.min_confidence.
  double confidence_score = 0.8;
  // Place in the automatic primary order, used when CHAT_PROVIDER is unset:
  // the configured provider with the lowest rank >= 1 is primary; 0 = only
  // after every ranked provider, in catalog order.
  int primary_rank = 0;
  // Place in the automatic fallback chain after the primary (1 first); 0 =
  // not in the automatic chain (an explicit fallback_chain may still name it).
  int fallback_rank = 0;
  int max_retries = 3;
  ProviderTimeouts timeouts;
  // Wire-format specific settings (e.g. "anthropic_version").
  std::map<std::string, std::string> options;

  // Returns the catalog entry for `model`, or nullptr.
  const ModelSpec* FindModel(const std::string& model) const {
    for (const ModelSpec& m : models) {
      if (m.name == model) return &m;
    }
    return nullptr;
  }
};

}  // namespace llmgw

#endif  // LLMGW_REGISTRY_PROVIDER_SPEC_H_
