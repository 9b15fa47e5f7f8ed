#include "providers/anthropic/anthropic_catalog.h"

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "providers/anthropic/anthropic_codec.h"

namespace llmgw {
namespace {

// USD per million tokens, in nano-USD per million tokens.
constexpr int64_t Usd(double usd_per_million) {
  return static_cast<int64_t>(usd_per_million * 1'000'000'000 + 0.5);
}

constexpr int64_t k1M = 1'000'000;

}  // namespace

// Sources: platform.claude.com/docs/en/models/overview, the per-model pages
// (models/<family>/overview) and model-deprecations, as of November 2026.
// Prices are the standard (non-batch, non-cached) input/output list prices.
std::vector<ModelSpec> AnthropicModelCatalog() {
  return {
      // Current lineup.
      {"claude-fable-5-1", k1M, 128'000, Usd(10), Usd(50)},
      {"claude-opus-5-5", k1M, 128'000, Usd(4), Usd(20)},
      {"claude-sonnet-5-5", k1M, 128'000, Usd(2), Usd(10)},
      // Tiered: $0.10/$0.50 up to 100K prompt tokens, $0.50/$2.50 above.
      // The schema has one price per direction; the lower tier is listed.
      {"claude-haiku-5-5", k1M, 128'000, Usd(0.10), Usd(0.50)},

      // Legacy, still served.
      {"claude-fable-5", k1M, 128'000, Usd(10), Usd(50)},
      {"claude-opus-5", k1M, 128'000, Usd(5), Usd(25)},
      {"claude-sonnet-5", k1M, 128'000, Usd(2), Usd(10)},
      {"claude-haiku-4-5-20251001", 200'000, 64'000, Usd(1), Usd(5)},
      {"claude-haiku-4-5", 200'000, 64'000, Usd(1), Usd(5)},
      // Deprecated; retires 2026-11-30.
      {"claude-sonnet-4-5-20250929", 200'000, 64'000, Usd(3), Usd(15)},
      {"claude-sonnet-4-5", 200'000, 64'000, Usd(3), Usd(15)},

      // The models the reference documents name (its default among them).
      // Anthropic has retired them; calls now fail with not_found_error
      // (kModelNotFound). Kept so configured names still price correctly in
      // budgets and reports.
      {"claude-3-5-sonnet-20241022", 200'000, 8'192, Usd(3), Usd(15)},
      {"claude-3-5-sonnet-20240620", 200'000, 8'192, Usd(3), Usd(15)},
      {"claude-3-opus-20240229", 200'000, 4'096, Usd(15), Usd(75)},
      {"claude-3-haiku-20240307", 200'000, 4'096, Usd(0.25), Usd(1.25)},
  };
}

std::vector<ProviderSpec> AnthropicPresets() {
  ProviderSpec spec;
  spec.name = "anthropic";
  spec.wire_format = "anthropic";
  spec.api_key_env = "ANTHROPIC_API_KEY";
  spec.api_keys_env = "ANTHROPIC_API_KEYS";
  spec.model_env = "ANTHROPIC_MODEL";
  spec.base_url_env = "ANTHROPIC_API_BASE";
  spec.requires_api_key = true;
  spec.default_base_url = "https://api.anthropic.com/v1";
  // The reference documents name claude-3-5-sonnet-20241022, which Anthropic
  // has retired (calls get 404); it stays in the catalog for callers that pin
  // it, and the default is a current Sonnet.
  spec.default_model = "claude-sonnet-4-5";
  spec.models = AnthropicModelCatalog();
  spec.route_prefixes = {"claude"};
  spec.confidence_score = 0.85;
  spec.max_retries = 3;
  spec.timeouts.connect = absl::Seconds(10);
  spec.timeouts.read = absl::Seconds(60);
  spec.options[std::string(kAnthropicVersionOption)] =
      std::string(kDefaultAnthropicVersion);
  return {spec};
}

}  // namespace llmgw
