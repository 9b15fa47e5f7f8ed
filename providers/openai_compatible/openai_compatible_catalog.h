#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CATALOG_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CATALOG_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "registry/provider_spec.h"

namespace llmgw {

inline constexpr absl::string_view kOpenAiCompatibleWireFormat =
    "openai_compatible";

// ProviderSpec::options key of the "local" preset: the registry appends this
// suffix to LOCAL_LLM_URL when the URL does not already end with it (Ollama,
// vLLM and TGI all serve /v1/chat/completions, and the reference documents
// give LOCAL_LLM_URL without /v1).
inline constexpr absl::string_view kBaseUrlSuffixOption = "base_url_suffix";

// The built-in presets of the "openai_compatible" wire format, in this order:
// openai, fireworks, openrouter, groq, deepseek, together, huggingface, local.
// Names, environment variables, default models and confidence scores follow
// the reference documents; base URLs, model catalogs and list prices follow
// each provider's public documentation (see README.md for the sources and
// dates). Adding an OpenAI-compatible provider is one more entry here (or a
// YAML config entry at runtime).
std::vector<ProviderSpec> OpenAiCompatiblePresets();

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMPATIBLE_CATALOG_H_
