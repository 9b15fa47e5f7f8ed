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

// Each rejection names the key path: unknown keys at every level, bad types,
// out-of-range values and unknown enum values.
TEST(GatewayConfigTest, RejectionsNameTheKeyPath) {
  struct Case {
    const char* yaml;
    const char* path;  // expected in the message
  };
  const Case cases[] = {
      {"primry_provider: openai\n", "primry_provider: unknown key"},
      {"http_port: 70000\n", "http_port: expected a port"},
      {"http_port: eighty\n", "http_port: expected an integer"},
      {"shutdown_grace_seconds: -1\n", "shutdown_grace_seconds: must be"},
      // Found by the config fuzzer: a double beyond int64 milliseconds.
      {"shutdown_grace_seconds: 1.8e91\n", "shutdown_grace_seconds: must be"},
      {"shutdown_grace_seconds: .nan\n",
       "shutdown_grace_seconds: expected a number"},
      {"providers:\n  openai:\n    modle: x\n",
       "providers.openai.modle: unknown key"},
      {"providers:\n  openai:\n    requires_api_key: maybe\n",
       "providers.openai.requires_api_key: expected true or false"},
      {"providers:\n  openai:\n    enabled: [1]\n",
       "providers.openai.enabled: expected true or false"},
      {"providers:\n  openai:\n    confidence_score: 1.5\n",
       "providers.openai.confidence_score: expected a number from 0 to 1"},
      {"providers:\n  openai:\n    max_retries: 99\n",
       "providers.openai.max_retries: expected 0 to 10"},
      {"providers:\n  openai:\n    primary_rank: -1\n",
       "providers.openai.primary_rank: expected 0 or more"},
      {"providers:\n  openai:\n    options: {a: [1]}\n",
       "providers.openai.options.a: expected a scalar"},
      {"providers:\n  openai:\n    models: [{name: m, context_window: -5}]\n",
       "providers.openai.models[0].context_window: expected 0 or more"},
      {"providers:\n  openai:\n    models: [{nam: m}]\n",
       "providers.openai.models[0].nam: unknown key"},
      {"budget:\n  hourly_budgte: 1\n", "budget.hourly_budgte: unknown key"},
      {"budget:\n  backend: mongo\n", "budget.backend: unknown backend"},
      {"budget:\n  allow_overage_percent: 101\n",
       "budget.allow_overage_percent: must be 0..100"},
      {"budget:\n  default_max_output_tokens: -1\n",
       "budget.default_max_output_tokens: expected an integer from 0"},
      {"budget:\n  redis_timeout_ms: 0\n", "budget.redis_timeout_ms"},
      {"budget:\n  model_prices: {m: {input_usd_per_million: 1}}\n",
       "budget.model_prices.m: needs both"},
      {"budget:\n  scope_budgets: {team: 1}\n",
       "budget.scope_budgets.team: scope must be"},
      {"resilience:\n  max_retrys: 2\n", "resilience.max_retrys: unknown key"},
      {"resilience:\n  max_retries: -2\n",
       "resilience.max_retries: expected an integer from 0 to 1000"},
      {"resilience:\n  failure_threshold: 5000\n",
       "resilience.failure_threshold: expected an integer from 0 to 1000"},
      {"resilience:\n  enabled: yes please\n",
       "resilience.enabled: expected true or false"},
      {"auth:\n  client_keyz: []\n", "auth.client_keyz: unknown key"},
      {"tenants:\n  acme:\n    hourly_budgte: 1\n",
       "tenants.acme.hourly_budgte: unknown key"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<GatewayConfig> parsed = ParseGatewayConfig(c.yaml);
    ASSERT_FALSE(parsed.ok()) << c.yaml;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << c.yaml;
    EXPECT_NE(parsed.status().message().find(c.path), std::string::npos)
        << c.yaml << " -> " << parsed.status();
  }
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
