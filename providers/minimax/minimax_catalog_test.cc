#include "providers/minimax/minimax_catalog.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

TEST(MiniMaxCatalogTest, Preset) {
  const ProviderSpec spec = MiniMaxPresets().front();
  EXPECT_EQ(spec.name, "minimax");
  EXPECT_EQ(spec.wire_format, "minimax");
  EXPECT_EQ(spec.api_key_env, "MINIMAX_API_KEY");
  EXPECT_EQ(spec.api_keys_env, "MINIMAX_API_KEYS");
  EXPECT_EQ(spec.model_env, "MINIMAX_MODEL");
  EXPECT_EQ(spec.base_url_env, "MINIMAX_API_BASE");
  EXPECT_TRUE(spec.requires_api_key);
  EXPECT_EQ(spec.default_base_url, "https://api.minimax.io/v1");
  EXPECT_EQ(spec.default_model, "MiniMax-M2.7");
  EXPECT_EQ(spec.route_prefixes,
            (std::vector<std::string>{"minimax", "abab6"}));
  EXPECT_DOUBLE_EQ(spec.confidence_score, 0.8);
  EXPECT_EQ(spec.max_retries, 3);
  EXPECT_EQ(spec.timeouts.connect, absl::Seconds(10));
  EXPECT_EQ(spec.timeouts.read, absl::Seconds(60));
}

TEST(MiniMaxCatalogTest, Models) {
  const ProviderSpec spec = MiniMaxPresets().front();
  const ModelSpec* flagship = spec.FindModel(spec.default_model);
  ASSERT_NE(flagship, nullptr);
  EXPECT_EQ(flagship->context_window, 204'800);
  EXPECT_EQ(flagship->max_output_tokens, 131'072);
  EXPECT_EQ(flagship->input_nano_usd_per_million, 300'000'000);
  EXPECT_EQ(flagship->output_nano_usd_per_million, 1'200'000'000);

  const ModelSpec* fast = spec.FindModel("MiniMax-M2.7-highspeed");
  ASSERT_NE(fast, nullptr);
  EXPECT_EQ(fast->input_nano_usd_per_million, 600'000'000);
  EXPECT_EQ(fast->output_nano_usd_per_million, 2'400'000'000);

  std::vector<std::string> names;
  for (const ModelSpec& model : spec.models) names.push_back(model.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"MiniMax-M2.7", "MiniMax-M2.7-highspeed",
                                      "MiniMax-M2.5", "MiniMax-M2.5-highspeed",
                                      "MiniMax-M2.1", "MiniMax-M2"}));
}

}  // namespace
}  // namespace llmgw
