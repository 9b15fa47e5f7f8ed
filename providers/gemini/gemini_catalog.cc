#include "providers/gemini/gemini_catalog.h"

#include "absl/time/time.h"

namespace llmgw {

std::vector<ModelSpec> GeminiModelCatalog() {
  // List prices of the Gemini Developer API, paid tier, text/image/video
  // input; thinking tokens are billed as output. Nano-USD per million tokens:
  // $1.00 = 1'000'000'000.
  //
  // name, context window, max output tokens, input price, output price.
  return {
      // $1.25 / $5.00 (prompts up to 128k tokens).
      {"gemini-1.5-pro", 2'097'152, 8'192, 1'250'000'000, 5'000'000'000},
      // $0.075 / $0.30 (prompts up to 128k tokens).
      {"gemini-1.5-flash", 1'048'576, 8'192, 75'000'000, 300'000'000},
      // $0.0375 / $0.15 (prompts up to 128k tokens).
      {"gemini-1.5-flash-8b", 1'048'576, 8'192, 37'500'000, 150'000'000},
      // $0.10 / $0.40.
      {"gemini-2.0-flash", 1'048'576, 8'192, 100'000'000, 400'000'000},
      // $0.075 / $0.30.
      {"gemini-2.0-flash-lite", 1'048'576, 8'192, 75'000'000, 300'000'000},
      // $1.25 / $10.00 (prompts up to 200k tokens).
      {"gemini-2.5-pro", 1'048'576, 65'536, 1'250'000'000, 10'000'000'000},
      // $0.30 / $2.50.
      {"gemini-2.5-flash", 1'048'576, 65'536, 300'000'000, 2'500'000'000},
      // $0.10 / $0.40.
      {"gemini-2.5-flash-lite", 1'048'576, 65'536, 100'000'000, 400'000'000},
  };
}

ProviderSpec GeminiPresetSpec() {
  ProviderSpec spec;
  spec.name = "gemini";
  spec.wire_format = "gemini";
  spec.api_key_env = "GEMINI_API_KEY";
  spec.api_keys_env = "GEMINI_API_KEYS";
  spec.model_env = "GEMINI_MODEL";
  spec.base_url_env = "GEMINI_API_BASE";
  spec.requires_api_key = true;
  spec.default_base_url = "https://generativelanguage.googleapis.com/v1beta";
  spec.default_model = "gemini-1.5-pro";
  spec.models = GeminiModelCatalog();
  spec.route_prefixes = {"gemini"};
  spec.confidence_score = 0.8;
  spec.timeouts.connect = absl::Seconds(10);
  spec.timeouts.read = absl::Seconds(60);
  return spec;
}

}  // namespace llmgw
