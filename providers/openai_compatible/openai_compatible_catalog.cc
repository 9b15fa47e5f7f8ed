#include "providers/openai_compatible/openai_compatible_catalog.h"

#include "providers/openai_compatible/catalog_yaml.h"
#include "providers/openai_compatible/openai_compatible_codec.h"
#include "registry/provider_catalog.h"

namespace llmgw {

absl::string_view OpenAiCompatibleCatalogYaml() {
  return kOpenAiCompatibleCatalogYaml;
}

std::vector<ProviderSpec> OpenAiCompatiblePresets() {
  return ParseBuiltinCatalog(OpenAiCompatibleCatalogYaml(),
                             kOpenAiCompatibleWireFormat)
      .value();
}

}  // namespace llmgw
