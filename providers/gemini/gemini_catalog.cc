#include "providers/gemini/gemini_catalog.h"

#include "providers/gemini/catalog_yaml.h"
#include "registry/provider_catalog.h"

namespace llmgw {

absl::string_view GeminiCatalogYaml() { return kGeminiCatalogYaml; }

std::vector<ProviderSpec> GeminiPresets() {
  return ParseBuiltinCatalog(GeminiCatalogYaml(), "gemini").value();
}

}  // namespace llmgw
