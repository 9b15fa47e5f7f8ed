#include "providers/gemini/gemini_catalog.h"

#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(GeminiPresetTest, SchemaEntry) {
  ProviderSpec spec = GeminiPresets().front();
  EXPECT_EQ(spec.name, "gemini");
  EXPECT_EQ(spec.wire_format, "gemini");
  EXPECT_EQ(spec.api_key_env, "GEMINI_API_KEY");
  EXPECT_EQ(spec.api_keys_env, "GEMINI_API_KEYS");
  EXPECT_EQ(spec.model_env, "GEMINI_MODEL");
  EXPECT_EQ(spec.base_url_env, "GEMINI_API_BASE");
  EXPECT_TRUE(spec.requires_api_key);
  EXPECT_EQ(spec.default_base_url,
            "https://generativelanguage.googleapis.com/v1beta");
  EXPECT_EQ(spec.default_model, "gemini-1.5-pro");
  EXPECT_EQ(spec.route_prefixes, std::vector<std::string>{"gemini"});
  EXPECT_DOUBLE_EQ(spec.confidence_score, 0.8);
  EXPECT_EQ(spec.timeouts.connect, absl::Seconds(10));
  EXPECT_EQ(spec.timeouts.read, absl::Seconds(60));
  EXPECT_NE(spec.FindModel(spec.default_model), nullptr);
}

TEST(GeminiPresetTest, CatalogPrices) {
  ProviderSpec spec = GeminiPresets().front();
  const ModelSpec* flash = spec.FindModel("gemini-2.0-flash");
  ASSERT_NE(flash, nullptr);
  EXPECT_EQ(flash->input_nano_usd_per_million, 100'000'000);   // $0.10
  EXPECT_EQ(flash->output_nano_usd_per_million, 400'000'000);  // $0.40
  const ModelSpec* pro = spec.FindModel("gemini-2.5-pro");
  ASSERT_NE(pro, nullptr);
  EXPECT_EQ(pro->input_nano_usd_per_million, 1'250'000'000);    // $1.25
  EXPECT_EQ(pro->output_nano_usd_per_million, 10'000'000'000);  // $10.00
  EXPECT_EQ(pro->max_output_tokens, 65'536);
  const ModelSpec* old_pro = spec.FindModel("gemini-1.5-pro");
  ASSERT_NE(old_pro, nullptr);
  EXPECT_EQ(old_pro->context_window, 2'097'152);
}

TEST(GeminiPresetTest, CachedPricesFeaturesAndEmbeddingModels) {
  ProviderSpec spec = GeminiPresets().front();
  const ModelSpec* flash = spec.FindModel("gemini-2.5-flash");
  ASSERT_NE(flash, nullptr);
  EXPECT_EQ(flash->cached_input_nano_usd_per_million, 30'000'000);  // $0.03
  EXPECT_FALSE(flash->reasoning_nano_usd_per_million.has_value());
  EXPECT_FALSE(flash->cache_write_nano_usd_per_million.has_value());
  EXPECT_EQ(flash->features,
            (std::vector<std::string>{"chat", "tools", "vision", "json_object",
                                      "json_schema"}));
  const ModelSpec* flash2 = spec.FindModel("gemini-2.0-flash");
  ASSERT_NE(flash2, nullptr);
  EXPECT_EQ(flash2->cached_input_nano_usd_per_million, 25'000'000);  // $0.025
  const ModelSpec* embed = spec.FindModel("gemini-embedding-001");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->input_nano_usd_per_million, 150'000'000);  // $0.15
  EXPECT_EQ(embed->output_nano_usd_per_million, 0);
  EXPECT_EQ(embed->features, std::vector<std::string>{"embeddings"});
}

TEST(GeminiPresetTest, CatalogIsWellFormed) {
  std::set<std::string> names;
  const ProviderSpec spec = GeminiPresets().front();
  for (const ModelSpec& model : spec.models) {
    EXPECT_TRUE(names.insert(model.name).second) << "duplicate " << model.name;
    EXPECT_FALSE(model.features.empty()) << model.name;
    if (model.features == std::vector<std::string>{"embeddings"}) {
      EXPECT_EQ(model.output_nano_usd_per_million, 0) << model.name;
      continue;
    }
    EXPECT_EQ(model.name.rfind("gemini-", 0), 0u) << model.name;
    if (model.cached_input_nano_usd_per_million.has_value()) {
      EXPECT_LT(*model.cached_input_nano_usd_per_million,
                model.input_nano_usd_per_million)
          << model.name;
    }
    EXPECT_GT(model.context_window, model.max_output_tokens) << model.name;
    EXPECT_GT(model.max_output_tokens, 0) << model.name;
    EXPECT_GT(model.input_nano_usd_per_million, 0) << model.name;
    EXPECT_GT(model.output_nano_usd_per_million,
              model.input_nano_usd_per_million)
        << model.name;
  }
  EXPECT_GE(names.size(), 8u);
}

}  // namespace
}  // namespace llmgw
