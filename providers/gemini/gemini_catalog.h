#ifndef LLMGW_PROVIDERS_GEMINI_GEMINI_CATALOG_H_
#define LLMGW_PROVIDERS_GEMINI_GEMINI_CATALOG_H_

#include <vector>

#include "registry/provider_spec.h"

namespace llmgw {

// The built-in "gemini" preset: wire format "gemini", GEMINI_API_KEY /
// GEMINI_API_KEYS / GEMINI_MODEL / GEMINI_API_BASE, base URL
// https://generativelanguage.googleapis.com/v1beta, default model
// gemini-1.5-pro (the reference documents' default), route prefix "gemini",
// confidence 0.8, connect/read timeouts 10 s / 60 s, and the catalog below.
ProviderSpec GeminiPresetSpec();

// Common Gemini API text models with context window, output limit and list
// prices (paid tier, prompts up to 128k tokens for 1.5 and 200k for 2.5 Pro;
// the higher long-prompt rates are not modelled).
std::vector<ModelSpec> GeminiModelCatalog();

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_GEMINI_GEMINI_CATALOG_H_
