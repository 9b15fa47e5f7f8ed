#include "registry/provider_catalog.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(ProviderCatalogTest, ParsesEntriesInDocumentOrderWithExactPrices) {
  auto specs = ParseBuiltinCatalog(R"yaml(
providers:
  zeta:
    default_base_url: https://zeta.test/v1
    default_model: z-1
    confidence_score: 0.7
    primary_rank: 3
    models:
      - {name: z-1, context_window: 8000, max_output_tokens: 1000, input_usd_per_million: 0.075, output_usd_per_million: 0.3}
  alpha:
    env_prefix: ALPHA_AI
    default_base_url: https://alpha.test/v1
    default_model: a-1
    options: {header.x-team: core}
)yaml",
                                   "some_format");
  ASSERT_TRUE(specs.ok()) << specs.status();
  ASSERT_EQ(specs->size(), 2u);
  const ProviderSpec& zeta = (*specs)[0];
  EXPECT_EQ(zeta.name, "zeta");
  EXPECT_EQ(zeta.wire_format, "some_format");
  EXPECT_EQ(zeta.api_key_env, "ZETA_API_KEY");
  EXPECT_EQ(zeta.base_url_env, "ZETA_API_BASE");
  EXPECT_EQ(zeta.primary_rank, 3);
  EXPECT_EQ(zeta.fallback_rank, 0);
  EXPECT_DOUBLE_EQ(zeta.confidence_score, 0.7);
  const ModelSpec* z1 = zeta.FindModel("z-1");
  ASSERT_NE(z1, nullptr);
  // Decimal prices are exact: no binary floating point on the way.
  EXPECT_EQ(z1->input_nano_usd_per_million, 75'000'000);
  EXPECT_EQ(z1->output_nano_usd_per_million, 300'000'000);
  const ProviderSpec& alpha = (*specs)[1];
  EXPECT_EQ(alpha.api_keys_env, "ALPHA_AI_API_KEYS");
  EXPECT_EQ(alpha.options.at("header.x-team"), "core");
}

TEST(ProviderCatalogTest, RejectsWhatACatalogMayNotSay) {
  struct Case {
    const char* yaml;
    const char* expected;
  };
  for (const Case& c : {
           Case{"providers:\n  p:\n    default_model: m\n    "
                "default_base_url: u\n    colour: red\n",
                "providers.p.colour: unknown key"},
           Case{"providers:\n  p:\n    default_model: m\n    base_url: u\n",
                "belong in the config file"},
           Case{"providers:\n  p:\n    default_base_url: u\n",
                "needs default_base_url and default_model"},
           Case{"providers:\n  p:\n    default_model: m\n    "
                "default_base_url: u\n    primary_rank: -1\n",
                "expected 0 or more"},
           Case{"models: []\n", "catalogs only hold providers"},
           Case{"providers:\n  p: {default_model: m, default_base_url: u}\n"
                "  P: {default_model: m, default_base_url: u}\n",
                "duplicate"},
       }) {
    auto specs = ParseBuiltinCatalog(c.yaml, "f");
    ASSERT_FALSE(specs.ok()) << c.yaml;
    EXPECT_EQ(specs.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(specs.status().message().find(c.expected), std::string::npos)
        << specs.status();
  }
}

}  // namespace
}  // namespace llmgw
