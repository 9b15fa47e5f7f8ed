#ifndef LLMGW_PROVIDERS_COHERE_COHERE_CATALOG_H_
#define LLMGW_PROVIDERS_COHERE_COHERE_CATALOG_H_

#include <vector>

#include "registry/provider_spec.h"

namespace llmgw {

// Cohere Command models with context window, max output tokens and list
// prices (nano-USD per million tokens). See cohere_catalog.cc for sources and
// caveats.
std::vector<ModelSpec> CohereModelCatalog();

// The built-in schema entries of the "cohere" wire format: one preset,
// "cohere" (COHERE_API_KEY / COHERE_API_KEYS / COHERE_MODEL /
// COHERE_API_BASE, https://api.cohere.com/v2, default model command-r-plus as
// in the reference, route prefixes "command" and "c4ai-", confidence 0.8).
std::vector<ProviderSpec> CoherePresets();

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COHERE_COHERE_CATALOG_H_
