#ifndef LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_CATALOG_H_
#define LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_CATALOG_H_

#include <vector>

#include "registry/provider_spec.h"

namespace llmgw {

// Claude models with context window, max output tokens and list prices
// (nano-USD per million tokens), from Anthropic's models overview and pricing
// pages. See anthropic_catalog.cc for sources and caveats.
std::vector<ModelSpec> AnthropicModelCatalog();

// The built-in schema entries of the "anthropic" wire format: one preset,
// "anthropic" (ANTHROPIC_API_KEY / ANTHROPIC_API_KEYS / ANTHROPIC_MODEL /
// ANTHROPIC_API_BASE, https://api.anthropic.com/v1, default model
// claude-3-5-sonnet-20241022 as in the reference, route prefix "claude",
// confidence 0.85).
std::vector<ProviderSpec> AnthropicPresets();

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_ANTHROPIC_ANTHROPIC_CATALOG_H_
