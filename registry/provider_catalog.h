#ifndef LLMGW_REGISTRY_PROVIDER_CATALOG_H_
#define LLMGW_REGISTRY_PROVIDER_CATALOG_H_

// Provider catalogs as data. Each wire format ships its built-in providers
// (names, environment variables, base URLs, default models, model prices,
// route prefixes, automatic-order ranks, options) as a YAML file in its
// directory, compiled into the binary (tools/embed_text.bzl). The file has the
// shape of the config file's `providers` section, so the config file can
// override any built-in value with the same keys, and adding an
// OpenAI-compatible provider is one entry in
// providers/openai_compatible/catalog.yaml (or in the config file).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/gateway_config.h"
#include "registry/provider_spec.h"

namespace llmgw {

// Parses a catalog (see ParseProviderCatalog) into schema entries of
// `wire_format`, in document order. Environment variable names default to
// <PREFIX>_API_KEY, _API_KEYS, _MODEL and _API_BASE with PREFIX the
// upper-cased name (or env_prefix). A catalog entry may not set base_url or
// api_keys (those configure a provider; catalogs only describe one).
absl::StatusOr<std::vector<ProviderSpec>> ParseBuiltinCatalog(
    absl::string_view yaml_text, absl::string_view wire_format);

// A fresh schema entry named `name` with the default environment names.
ProviderSpec NewProviderSpec(absl::string_view name);

// Applies every field `o` sets to `spec` (models replace or add entries by
// name; options are merged key by key).
void ApplyProviderOverride(const ProviderOverride& o, ProviderSpec& spec);

}  // namespace llmgw

#endif  // LLMGW_REGISTRY_PROVIDER_CATALOG_H_
