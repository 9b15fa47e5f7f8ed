#include "providers/minimax/minimax_catalog.h"

#include <cstdint>
#include <string>
#include <utility>

namespace llmgw {
namespace {

// US dollars per million tokens as integer nano-USD ($0.30 -> 300'000'000).
constexpr int64_t Usd(double dollars_per_million) {
  return static_cast<int64_t>(dollars_per_million * 1e9 + 0.5);
}

// Every current MiniMax text model has a 204,800-token context window
// (platform.minimax.io/docs/guides/text-generation) and up to 128K output
// tokens (reasoning included).
constexpr int64_t kContextWindow = 204'800;
constexpr int64_t kMaxOutputTokens = 131'072;

ModelSpec Model(std::string name, int64_t input_price, int64_t output_price) {
  return ModelSpec{std::move(name), kContextWindow, kMaxOutputTokens,
                   input_price, output_price};
}

}  // namespace

ProviderSpec MiniMaxPreset() {
  ProviderSpec spec;
  spec.name = "minimax";
  spec.wire_format = std::string(kMiniMaxWireFormat);
  spec.api_key_env = "MINIMAX_API_KEY";
  spec.api_keys_env = "MINIMAX_API_KEYS";
  spec.model_env = "MINIMAX_MODEL";
  spec.base_url_env = "MINIMAX_API_BASE";
  spec.default_base_url = "https://api.minimax.io/v1";
  spec.default_model = "MiniMax-M2.7";
  // Pay-as-you-go list prices (platform.minimax.io/docs/guides/pricing-paygo).
  spec.models = {
      Model("MiniMax-M2.7", Usd(0.30), Usd(1.20)),
      Model("MiniMax-M2.7-highspeed", Usd(0.60), Usd(2.40)),
      Model("MiniMax-M2.5", Usd(0.30), Usd(1.20)),
      Model("MiniMax-M2.5-highspeed", Usd(0.60), Usd(2.40)),
      Model("MiniMax-M2.1", Usd(0.30), Usd(1.20)),
      Model("MiniMax-M2", Usd(0.30), Usd(1.20)),
  };
  spec.route_prefixes = {"minimax", "abab6"};
  spec.confidence_score = 0.8;
  return spec;
}

}  // namespace llmgw
