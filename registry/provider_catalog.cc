#include "registry/provider_catalog.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace llmgw {
namespace {

void DefaultEnvNames(ProviderSpec& spec, const std::string& prefix) {
  spec.api_key_env = prefix + "_API_KEY";
  spec.api_keys_env = prefix + "_API_KEYS";
  spec.model_env = prefix + "_MODEL";
  spec.base_url_env = prefix + "_API_BASE";
}

}  // namespace

ProviderSpec NewProviderSpec(absl::string_view name) {
  ProviderSpec spec;
  spec.name = std::string(name);
  DefaultEnvNames(spec, absl::AsciiStrToUpper(name));
  return spec;
}

void ApplyProviderOverride(const ProviderOverride& o, ProviderSpec& spec) {
  if (o.env_prefix) DefaultEnvNames(spec, absl::AsciiStrToUpper(*o.env_prefix));
  if (o.api_key_env) spec.api_key_env = *o.api_key_env;
  if (o.api_keys_env) spec.api_keys_env = *o.api_keys_env;
  if (o.model_env) spec.model_env = *o.model_env;
  if (o.base_url_env) spec.base_url_env = *o.base_url_env;
  if (o.requires_api_key) spec.requires_api_key = *o.requires_api_key;
  if (o.default_base_url) spec.default_base_url = *o.default_base_url;
  if (o.default_model) spec.default_model = *o.default_model;
  if (o.confidence_score) spec.confidence_score = *o.confidence_score;
  if (o.primary_rank) spec.primary_rank = *o.primary_rank;
  if (o.fallback_rank) spec.fallback_rank = *o.fallback_rank;
  if (o.max_retries) spec.max_retries = *o.max_retries;
  if (o.connect_timeout) spec.timeouts.connect = *o.connect_timeout;
  if (o.read_timeout) spec.timeouts.read = *o.read_timeout;
  if (!o.route_prefixes.empty()) spec.route_prefixes = o.route_prefixes;
  for (const auto& [k, v] : o.options) spec.options[k] = v;
  for (const ModelSpec& m : o.models) {
    auto it =
        std::find_if(spec.models.begin(), spec.models.end(),
                     [&](const ModelSpec& x) { return x.name == m.name; });
    if (it != spec.models.end()) {
      *it = m;
    } else {
      spec.models.push_back(m);
    }
  }
}

absl::StatusOr<std::vector<ProviderSpec>> ParseBuiltinCatalog(
    absl::string_view yaml_text, absl::string_view wire_format) {
  absl::StatusOr<std::vector<std::pair<std::string, ProviderOverride>>>
      entries = ParseProviderCatalog(yaml_text);
  if (!entries.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("built-in catalog of wire format '", wire_format,
                     "': ", entries.status().message()));
  }
  std::vector<ProviderSpec> specs;
  for (const auto& [name, o] : *entries) {
    auto bad = [&, name = name](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat("built-in catalog of wire format '", wire_format,
                       "': providers.", name, ": ", what));
    };
    if (o.base_url || !o.api_keys.empty() || !o.enabled) {
      return bad("base_url, api_keys and enabled belong in the config file");
    }
    if (o.wire_format && *o.wire_format != wire_format) {
      return bad("wire_format differs from the catalog's");
    }
    ProviderSpec spec = NewProviderSpec(name);
    spec.wire_format = std::string(wire_format);
    ApplyProviderOverride(o, spec);
    if (spec.default_base_url.empty() || spec.default_model.empty()) {
      return bad("needs default_base_url and default_model");
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace llmgw
