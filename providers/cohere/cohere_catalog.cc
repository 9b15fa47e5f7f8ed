#include "providers/cohere/cohere_catalog.h"

#include "providers/cohere/catalog_yaml.h"
#include "registry/provider_catalog.h"

namespace llmgw {

absl::string_view CohereCatalogYaml() { return kCohereCatalogYaml; }

std::vector<ProviderSpec> CoherePresets() {
  return ParseBuiltinCatalog(CohereCatalogYaml(), "cohere").value();
}

}  // namespace llmgw
