#include "config/gateway_config.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(GatewayConfigTest, ParsesProvidersBudgetAndChain) {
  auto config = ParseGatewayConfig(R"(
primary_provider: openai
fallback_chain: [fireworks, local]
read_timeout_seconds: 30
providers:
  openai:
    default_model: gpt-4o-mini
    read_timeout_seconds: 12.5
    models:
      - name: gpt-4o-mini
        input_usd_per_million: "0.15"
        output_usd_per_million: "0.60"
        context_window: 128000
  mycorp:
    wire_format: openai_compatible
    base_url: http://127.0.0.1:9/v1
    env_prefix: MYCORP
budget:
  hourly_budget: "5.00"
  allow_overage_percent: 10
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->primary_provider, "openai");
  EXPECT_EQ(config->fallback_chain,
            (std::vector<std::string>{"fireworks", "local"}));
  EXPECT_EQ(*config->default_read_timeout, absl::Seconds(30));
  const ProviderOverride& openai = config->providers.at("openai");
  EXPECT_EQ(*openai.read_timeout, absl::Milliseconds(12500));
  ASSERT_EQ(openai.models.size(), 1u);
  EXPECT_EQ(openai.models[0].input_nano_usd_per_million, 150'000'000);
  EXPECT_EQ(openai.models[0].output_nano_usd_per_million, 600'000'000);
  EXPECT_EQ(*config->providers.at("mycorp").wire_format, "openai_compatible");
  EXPECT_EQ(config->budget.hourly_budget_nano_usd, 5'000'000'000);
  EXPECT_EQ(config->budget.allow_overage_percent, 10);
}

TEST(GatewayConfigTest, UnknownKeysAndBadValuesAreNamed) {
  auto bad_key = ParseGatewayConfig("providers:\n  openai:\n    modle: x\n");
  EXPECT_EQ(bad_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_key.status().message().find("providers.openai.modle"),
            std::string::npos);
  auto bad_price = ParseGatewayConfig(
      "providers:\n  openai:\n    models:\n      - name: m\n"
      "        input_usd_per_million: -1\n");
  EXPECT_NE(bad_price.status().message().find("input_usd_per_million"),
            std::string::npos)
      << bad_price.status();
  EXPECT_FALSE(ParseGatewayConfig("[1, 2").ok());
}

TEST(GatewayConfigTest, EnvironmentOverridesTheFile) {
  auto config = LoadGatewayConfig(
      "", FixedEnvironment({{"CHAT_PROVIDER", "Anthropic"},
                            {"LLMGW_HOURLY_BUDGET", "1.25"},
                            {"LLMGW_FALLBACK_CHAIN", "openai, local"},
                            {"LLMGW_CONNECT_TIMEOUT", "2.5"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->primary_provider, "anthropic");
  EXPECT_EQ(config->budget.hourly_budget_nano_usd, 1'250'000'000);
  EXPECT_EQ(config->fallback_chain,
            (std::vector<std::string>{"openai", "local"}));
  EXPECT_EQ(*config->default_connect_timeout, absl::Milliseconds(2500));
  auto bad =
      LoadGatewayConfig("", FixedEnvironment({{"LLMGW_READ_TIMEOUT", "soon"}}));
  EXPECT_NE(bad.status().message().find("LLMGW_READ_TIMEOUT"),
            std::string::npos);
  EXPECT_EQ(LoadGatewayConfig("/nonexistent.yaml", FixedEnvironment({}))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace llmgw
