#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CATALOG_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CATALOG_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "registry/provider_spec.h"

namespace llmgw {

// The built-in catalog of this wire format as data:
// providers/openai_compatible/catalog.yaml (names, environment variables, base
// URLs, default models, model prices, route prefixes, automatic-order ranks),
// compiled into the binary. The registry reads it through the factory; the
// config file overrides it.
absl::string_view OpenAiCompatibleCatalogYaml();

// The same catalog parsed into schema entries, for tests and tools. Aborts if
// the embedded catalog does not parse (openai_compatible's catalog test checks
// that it does); the server itself gets parse errors as a startup status
// instead.
std::vector<ProviderSpec> OpenAiCompatiblePresets();

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CATALOG_H_
