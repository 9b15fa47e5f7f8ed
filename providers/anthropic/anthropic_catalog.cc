#include "providers/anthropic/anthropic_catalog.h"

#include "providers/anthropic/catalog_yaml.h"
#include "registry/provider_catalog.h"

namespace llmgw {

absl::string_view AnthropicCatalogYaml() { return kAnthropicCatalogYaml; }

std::vector<ProviderSpec> AnthropicPresets() {
  return ParseBuiltinCatalog(AnthropicCatalogYaml(), "anthropic").value();
}

}  // namespace llmgw
