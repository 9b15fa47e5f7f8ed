// The built-in Anthropic catalog: features and cache prices per model.

#include "providers/anthropic/anthropic_catalog.h"

#include <algorithm>
#include <string>

#include "gtest/gtest.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

bool Has(const ModelSpec& model, const std::string& feature) {
  return std::find(model.features.begin(), model.features.end(), feature) !=
         model.features.end();
}

TEST(AnthropicCatalogTest, EveryModelDeclaresFeaturesAndCachePrices) {
  const ProviderSpec spec = AnthropicPresets().front();
  ASSERT_FALSE(spec.models.empty());
  for (const ModelSpec& model : spec.models) {
    SCOPED_TRACE(model.name);
    EXPECT_TRUE(Has(model, "chat"));
    EXPECT_TRUE(Has(model, "tools"));
    EXPECT_TRUE(Has(model, "vision"));
    // No schema-less JSON mode, no embeddings in the Messages API.
    EXPECT_FALSE(Has(model, "json_object"));
    EXPECT_FALSE(Has(model, "embeddings"));
    // Structured outputs from the 4.5 generation on.
    EXPECT_EQ(Has(model, "json_schema"), model.name.rfind("claude-3", 0) != 0);
    ASSERT_TRUE(model.cache_write_nano_usd_per_million.has_value());
    ASSERT_TRUE(model.cached_input_nano_usd_per_million.has_value());
    // Claude Haiku 3's published cache prices ($0.30 / $0.03) are rounded
    // cents, not exact multiples of its $0.25 input price.
    if (model.name == "claude-3-haiku-20240307") continue;
    // 5-minute cache writes are 1.25x input on every model.
    ASSERT_TRUE(model.cache_write_nano_usd_per_million.has_value());
    EXPECT_EQ(*model.cache_write_nano_usd_per_million * 4,
              model.input_nano_usd_per_million * 5);
    // Cache reads are at most 0.1x input (less on the newest models).
    ASSERT_TRUE(model.cached_input_nano_usd_per_million.has_value());
    EXPECT_GT(*model.cached_input_nano_usd_per_million, 0);
    EXPECT_LE(*model.cached_input_nano_usd_per_million * 10,
              model.input_nano_usd_per_million);
    EXPECT_FALSE(model.reasoning_nano_usd_per_million.has_value());
  }
}

TEST(AnthropicCatalogTest, PublishedCacheReadPrices) {
  const ProviderSpec spec = AnthropicPresets().front();
  // $ per million -> nano-USD per million.
  EXPECT_EQ(
      *spec.FindModel("claude-sonnet-4-5")->cached_input_nano_usd_per_million,
      300'000'000);
  EXPECT_EQ(
      *spec.FindModel("claude-opus-5-5")->cached_input_nano_usd_per_million,
      200'000'000);
  EXPECT_EQ(
      *spec.FindModel("claude-fable-5-1")->cached_input_nano_usd_per_million,
      250'000'000);
  EXPECT_EQ(
      *spec.FindModel("claude-haiku-5-5")->cache_write_nano_usd_per_million,
      125'000'000);
}

}  // namespace
}  // namespace llmgw
