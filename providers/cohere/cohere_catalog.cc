#include "providers/cohere/cohere_catalog.h"

#include <cstdint>

#include "absl/time/time.h"

namespace llmgw {
namespace {

// USD per million tokens, in nano-USD per million tokens.
constexpr int64_t Usd(double usd_per_million) {
  return static_cast<int64_t>(usd_per_million * 1'000'000'000 + 0.5);
}

}  // namespace

// Sources: docs.cohere.com/v2/docs/models (context and output limits) and
// cohere.com/pricing (standard per-token prices), as stored in November 2026.
// Not listed because no public per-token price was found: command-a-plus-
// 05-2026 (128K context, 64K output) and command-a-reasoning-08-2025 (256K,
// 32K); they still work through this wire format, unpriced.
std::vector<ModelSpec> CohereModelCatalog() {
  return {
      {"command-a-03-2025", 256'000, 8'000, Usd(2.50), Usd(10.00)},
      {"command-r-plus-08-2024", 128'000, 4'000, Usd(2.50), Usd(10.00)},
      // Alias of the current Command R+ snapshot; priced like it.
      {"command-r-plus", 128'000, 4'000, Usd(2.50), Usd(10.00)},
      {"command-r-08-2024", 128'000, 4'000, Usd(0.15), Usd(0.60)},
      // Alias of the current Command R snapshot; priced like it.
      {"command-r", 128'000, 4'000, Usd(0.15), Usd(0.60)},
      {"command-r7b-12-2024", 128'000, 4'000, Usd(0.0375), Usd(0.15)},
  };
}

std::vector<ProviderSpec> CoherePresets() {
  ProviderSpec spec;
  spec.name = "cohere";
  spec.wire_format = "cohere";
  spec.api_key_env = "COHERE_API_KEY";
  spec.api_keys_env = "COHERE_API_KEYS";
  spec.model_env = "COHERE_MODEL";
  spec.base_url_env = "COHERE_API_BASE";
  spec.requires_api_key = true;
  // The reference names https://api.cohere.ai/v1 (the v1 API); this wire
  // format speaks v2, served at api.cohere.com.
  spec.default_base_url = "https://api.cohere.com/v2";
  spec.default_model = "command-r-plus";
  spec.models = CohereModelCatalog();
  spec.route_prefixes = {"command", "c4ai-"};
  spec.confidence_score = 0.8;
  spec.max_retries = 3;
  spec.timeouts.connect = absl::Seconds(10);
  spec.timeouts.read = absl::Seconds(60);
  return {spec};
}

}  // namespace llmgw
