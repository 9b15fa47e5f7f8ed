#include "providers/minimax/minimax_catalog.h"

#include "providers/minimax/catalog_yaml.h"
#include "registry/provider_catalog.h"

namespace llmgw {

absl::string_view MiniMaxCatalogYaml() { return kMiniMaxCatalogYaml; }

std::vector<ProviderSpec> MiniMaxPresets() {
  return ParseBuiltinCatalog(MiniMaxCatalogYaml(), kMiniMaxWireFormat).value();
}

}  // namespace llmgw
