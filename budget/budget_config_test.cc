#include "config/budget_config.h"

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(BudgetConfigTest, ParsesEverySetting) {
  YAML::Node node = YAML::Load(R"(
hourly_budget: 1.25
hard_safety_cap: 10
reservation_timeout_seconds: 45
allow_overage_percent: 10
scope_budgets:
  "client:batch": 0.25
  "provider:openai": 0.5
  "model:gpt-4o": 0.000000001
default_price: {input_usd_per_million: 3, output_usd_per_million: 15}
model_prices:
  local: {input_usd_per_million: 0, output_usd_per_million: 0}
backend: sqlite
sqlite_path: /tmp/x.db
sqlite_synchronous: full
redis_address: 10.0.0.1:6380
redis_key_prefix: prod:budget
)");
  BudgetConfig b;
  ASSERT_TRUE(ParseBudgetSection(node, b).ok());
  EXPECT_EQ(b.hourly_budget_nano_usd, 1'250'000'000);
  EXPECT_EQ(b.hard_safety_cap_nano_usd, 10'000'000'000);
  EXPECT_EQ(b.reservation_timeout, absl::Seconds(45));
  EXPECT_EQ(b.allow_overage_percent, 10);
  EXPECT_EQ(b.scope_budgets.at("client:batch"), 250'000'000);
  EXPECT_EQ(b.scope_budgets.at("model:gpt-4o"), 1);
  ASSERT_TRUE(b.default_price.has_value());
  EXPECT_EQ(b.default_price->output_nano_usd_per_million, 15'000'000'000);
  EXPECT_EQ(b.model_prices.at("local").input_nano_usd_per_million, 0);
  EXPECT_EQ(b.backend, LedgerBackend::kSqlite);
  EXPECT_EQ(b.sqlite_path, "/tmp/x.db");
  EXPECT_TRUE(b.sqlite_synchronous_full);
  EXPECT_EQ(b.redis_address, "10.0.0.1:6380");
  EXPECT_EQ(b.redis_key_prefix, "prod:budget");
}

TEST(BudgetConfigTest, DefaultsAndStrictPricing) {
  BudgetConfig b;
  EXPECT_EQ(b.reservation_timeout, absl::Seconds(30));
  EXPECT_EQ(b.backend, LedgerBackend::kAuto);
  ASSERT_TRUE(ParseBudgetSection(YAML::Load("default_price: none"), b).ok());
  EXPECT_FALSE(b.default_price.has_value());
}

TEST(BudgetConfigTest, RejectsMistakesWithTheKey) {
  BudgetConfig b;
  absl::Status s =
      ParseBudgetSection(YAML::Load("scope_budgets: {team:x: 1}"), b);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("budget.scope_budgets.team:x"), std::string::npos)
      << s;
  s = ParseBudgetSection(YAML::Load("backend: etcd"), b);
  EXPECT_NE(s.message().find("unknown backend 'etcd'"), std::string::npos) << s;
  s = ParseBudgetSection(
      YAML::Load("model_prices: {x: {input_usd_per_million: 1}}"), b);
  EXPECT_NE(s.message().find("output_usd_per_million"), std::string::npos) << s;
  s = ParseBudgetSection(YAML::Load("hourly_budget: -1"), b);
  EXPECT_FALSE(s.ok());
}

TEST(BudgetConfigTest, EnvironmentChoosesTheSharedLedger) {
  BudgetConfig b;
  ASSERT_TRUE(ApplyBudgetEnvironment(
                  FixedEnvironment({{"LLMGW_HOURLY_BUDGET", "2.5"},
                                    {"LLMGW_BUDGET_REDIS", "127.0.0.1:7000"}}),
                  b)
                  .ok());
  EXPECT_EQ(b.hourly_budget_nano_usd, 2'500'000'000);
  EXPECT_EQ(b.backend, LedgerBackend::kRedis);
  EXPECT_EQ(b.redis_address, "127.0.0.1:7000");
  ASSERT_TRUE(ApplyBudgetEnvironment(
                  FixedEnvironment({{"LLMGW_BUDGET_BACKEND", "memory"}}), b)
                  .ok());
  EXPECT_EQ(b.backend, LedgerBackend::kMemory);
  EXPECT_FALSE(ApplyBudgetEnvironment(
                   FixedEnvironment({{"LLMGW_BUDGET_BACKEND", "x"}}), b)
                   .ok());
}

// Every field counts: a reload that changes any of them builds a new ledger.
TEST(BudgetConfigTest, SameBudgetSettingsComparesEveryField) {
  const BudgetConfig base;
  EXPECT_TRUE(SameBudgetSettings(base, base));
  std::vector<std::pair<const char*, std::function<void(BudgetConfig&)>>>
      changes = {
          {"hourly_budget",
           [](BudgetConfig& b) { b.hourly_budget_nano_usd++; }},
          {"hard_safety_cap",
           [](BudgetConfig& b) { b.hard_safety_cap_nano_usd++; }},
          {"reservation_timeout",
           [](BudgetConfig& b) { b.reservation_timeout += absl::Seconds(1); }},
          {"allow_overage_percent",
           [](BudgetConfig& b) { b.allow_overage_percent++; }},
          {"window", [](BudgetConfig& b) { b.window += absl::Minutes(1); }},
          {"default_max_output_tokens",
           [](BudgetConfig& b) { b.default_max_output_tokens++; }},
          {"scope_budgets", [](BudgetConfig& b) { b.scope_budgets["x"] = 1; }},
          {"default_price", [](BudgetConfig& b) { b.default_price.reset(); }},
          {"model_prices",
           [](BudgetConfig& b) {
             b.model_prices["m"] = TokenPrice{1, 2};
           }},
          {"backend",
           [](BudgetConfig& b) { b.backend = LedgerBackend::kRedis; }},
          {"sqlite_path", [](BudgetConfig& b) { b.sqlite_path = "/x.db"; }},
          {"sqlite_synchronous_full",
           [](BudgetConfig& b) { b.sqlite_synchronous_full = true; }},
          {"redis_address", [](BudgetConfig& b) { b.redis_address = "h:1"; }},
          {"redis_key_prefix",
           [](BudgetConfig& b) { b.redis_key_prefix = "other"; }},
          {"redis_timeout_ms",
           [](BudgetConfig& b) { b.redis_timeout = absl::Milliseconds(5); }},
          {"redis_fail_open",
           [](BudgetConfig& b) { b.redis_fail_open = true; }},
          {"journal_path", [](BudgetConfig& b) { b.journal_path = "/j.db"; }},
      };
  for (const auto& [field, change] : changes) {
    BudgetConfig changed;
    change(changed);
    EXPECT_FALSE(SameBudgetSettings(base, changed)) << field;
    EXPECT_FALSE(SameBudgetSettings(changed, base)) << field;
    // Limits and prices change in place (SpendLedger::UpdateBudget); the
    // rest names another store.
    const bool store_field =
        std::set<std::string>{"window",           "backend",
                              "sqlite_path",      "sqlite_synchronous_full",
                              "redis_address",    "redis_key_prefix",
                              "redis_timeout_ms", "redis_fail_open",
                              "journal_path"}
            .count(field) > 0;
    EXPECT_EQ(SameLedgerStore(base, changed), !store_field) << field;
    EXPECT_EQ(SameLedgerStore(changed, base), !store_field) << field;
  }
}

}  // namespace
}  // namespace llmgw
