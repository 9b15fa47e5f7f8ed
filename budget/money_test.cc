#include "common/money.h"

#include <limits>

#include "budget/pricing.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(ParseUsdTest, ParsesExactDecimals) {
  EXPECT_EQ(*ParseUsd("2.50"), 2'500'000'000);
  EXPECT_EQ(*ParseUsd("10"), 10'000'000'000);
  EXPECT_EQ(*ParseUsd("0.000000001"), 1);
  EXPECT_EQ(*ParseUsd("$0.15"), 150'000'000);
  EXPECT_EQ(*ParseUsd(".5"), 500'000'000);
  EXPECT_EQ(*ParseUsd(" 3. "), 3'000'000'000);
}

TEST(ParseUsdTest, RejectsWhatIsNotAnExactAmount) {
  EXPECT_FALSE(ParseUsd("").ok());
  EXPECT_FALSE(ParseUsd("-1").ok());
  EXPECT_FALSE(ParseUsd("1e3").ok());
  EXPECT_FALSE(ParseUsd("0.0000000001").ok());  // finer than a nano-USD
  EXPECT_FALSE(ParseUsd("abc").ok());
  EXPECT_FALSE(ParseUsd(".").ok());
  EXPECT_EQ(ParseUsd("99999999999999999999").status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST(FormatUsdTest, FormatsNineDecimals) {
  EXPECT_EQ(FormatUsd(0), "$0.000000000");
  EXPECT_EQ(FormatUsd(1234), "$0.000001234");
  EXPECT_EQ(FormatUsd(2'500'000'000), "$2.500000000");
  EXPECT_EQ(FormatUsd(-5), "-$0.000000005");
  EXPECT_EQ(FormatUsd(std::numeric_limits<int64_t>::min()),
            "-$9223372036.854775808");
}

TEST(TokenCostTest, RoundsUpAndNeverUndercharges) {
  // gpt-4o-mini input: $0.15 per million tokens = 150 nano-USD per token.
  EXPECT_EQ(TokenCostNanoUsd(1, 150'000'000), 150);
  EXPECT_EQ(TokenCostNanoUsd(1'000'000, 150'000'000), 150'000'000);
  // $0.02 per million = 20 nano-USD per token.
  EXPECT_EQ(TokenCostNanoUsd(3, 20'000'000), 60);
  // $0.00002 per million = 0.02 nano-USD per token: fractions round up.
  EXPECT_EQ(TokenCostNanoUsd(1, 20'000), 1);
  EXPECT_EQ(TokenCostNanoUsd(50, 20'000), 1);
  EXPECT_EQ(TokenCostNanoUsd(51, 20'000), 2);
  EXPECT_EQ(TokenCostNanoUsd(0, 150'000'000), 0);
  EXPECT_EQ(TokenCostNanoUsd(100, 0), 0);
}

TEST(TokenCostTest, LargeCountsDoNotOverflow) {
  // 10^12 tokens at $75 per million = $75,000,000.
  EXPECT_EQ(TokenCostNanoUsd(1'000'000'000'000, 75'000'000'000),
            75'000'000'000'000'000);
  EXPECT_EQ(
      TokenCostNanoUsd(std::numeric_limits<int64_t>::max(), 75'000'000'000),
      std::numeric_limits<int64_t>::max());
}

TEST(PricingTest, CallCostAddsInputAndOutput) {
  ModelSpec model{"m", 128000, 16384, 150'000'000, 600'000'000};
  EXPECT_EQ(CallCostNanoUsd(&model, TokenUsage{1000, 500, true}),
            150'000 + 300'000);
  EXPECT_EQ(CallCostNanoUsd(nullptr, TokenUsage{1000, 500, true}), 0);
}

TEST(PricingTest, WorstCaseUsesMaxTokensThenModelLimitThenDefault) {
  ModelSpec model{"m", 128000, 1000, 1'000'000'000, 2'000'000'000};
  ProviderRequest request;
  request.messages.push_back({MessageRole::kUser, "hello there"});
  const int64_t input = EstimateInputTokens(request.messages);
  EXPECT_EQ(input, 8 + 4);
  request.max_tokens = 10;
  EXPECT_EQ(WorstCaseCostNanoUsd(&model, request, 4096),
            input * 1000 + 10 * 2000);
  request.max_tokens = 0;
  EXPECT_EQ(WorstCaseCostNanoUsd(&model, request, 4096),
            input * 1000 + 1000 * 2000);
  model.max_output_tokens = 0;
  EXPECT_EQ(WorstCaseCostNanoUsd(&model, request, 4096),
            input * 1000 + 4096 * 2000);
}

TEST(TokenCostTest, CheapModelsCostFractionsOfAMicroDollarExactly) {
  // gpt-4.1-nano input: $0.10 per million = 100 nano-USD per token.
  EXPECT_EQ(TokenCostNanoUsd(7, *ParseUsd("0.10")), 700);
  // groq llama-3.1-8b-instant: $0.05 / $0.08 per million.
  ModelSpec groq{"llama-3.1-8b-instant", 0, 0, *ParseUsd("0.05"),
                 *ParseUsd("0.08")};
  EXPECT_EQ(CallCostNanoUsd(&groq, TokenUsage{13, 3, true}), 13 * 50 + 3 * 80);
  // $0.075 per million = 75 nano-USD per token (a third of a cent per
  // 44,444 tokens): exact for any count.
  EXPECT_EQ(TokenCostNanoUsd(44'444, *ParseUsd("0.075")), 3'333'300);
  // $0.0001 per million = 0.1 nano-USD per token: the component rounds up
  // once, so a call is never free and is over-charged by < 1 nano-USD.
  EXPECT_EQ(TokenCostNanoUsd(1, 100'000), 1);
  EXPECT_EQ(TokenCostNanoUsd(10, 100'000), 1);
  EXPECT_EQ(TokenCostNanoUsd(11, 100'000), 2);
  EXPECT_EQ(TokenCostNanoUsd(123'456'789, 100'000), 12'345'679);
}

TEST(TokenCostTest, SumsOfManyCallsStayExact) {
  // A million calls of 1,234 + 567 tokens on gpt-4o ($2.50 / $10.00): an
  // integer sum, identical to the per-call cost times the count.
  ModelSpec gpt4o{"gpt-4o", 0, 0, *ParseUsd("2.50"), *ParseUsd("10.00")};
  const int64_t one = CallCostNanoUsd(&gpt4o, TokenUsage{1234, 567, true});
  EXPECT_EQ(one, 1234 * 2500 + 567 * 10'000);
  int64_t total = 0;
  for (int i = 0; i < 1'000'000; ++i) total += one;
  EXPECT_EQ(total, one * 1'000'000);
  EXPECT_EQ(FormatUsd(total), "$8755.000000000");
}

TEST(PricingTest, CallCostSaturatesInsteadOfWrapping) {
  ModelSpec dear{"m", 0, 0, std::numeric_limits<int64_t>::max(),
                 std::numeric_limits<int64_t>::max()};
  EXPECT_EQ(CallCostNanoUsd(
                &dear, TokenUsage{std::numeric_limits<int64_t>::max(),
                                  std::numeric_limits<int64_t>::max(), true}),
            std::numeric_limits<int64_t>::max());
}

TEST(PricingTest, WorstCaseNeverExceedsWhatTheModelCanProduce) {
  ModelSpec model{"m", 128000, 1000, 1'000'000'000, 2'000'000'000};
  ProviderRequest request;
  request.messages.push_back({MessageRole::kUser, "hello there"});  // 12
  request.max_tokens = 50'000;  // more than the model's 1,000
  EXPECT_EQ(WorstCaseCostNanoUsd(&model, request, 4096),
            12 * 1000 + 1000 * 2000);
  model.max_output_tokens = 100'000;
  request.max_tokens = 0;  // capped at default_max_output_tokens
  EXPECT_EQ(WorstCaseCostNanoUsd(&model, request, 4096),
            12 * 1000 + 4096 * 2000);
}

TEST(PricingTest, ResolvePricePrefersCatalogThenModelThenProviderThenDefault) {
  BudgetConfig budget;
  budget.model_prices["fireworks/my-model"] = TokenPrice{1, 2};
  budget.model_prices["local"] = TokenPrice{0, 0};
  ModelSpec catalog{"gpt-4o", 0, 16384, 5, 6};
  auto p = ResolvePrice("openai", "gpt-4o", &catalog, budget);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->input_nano_usd_per_million, 5);
  EXPECT_EQ(p->max_output_tokens, 16384);
  p = ResolvePrice("fireworks", "my-model", nullptr, budget);
  EXPECT_EQ(p->output_nano_usd_per_million, 2);
  p = ResolvePrice("local", "anything", nullptr, budget);
  EXPECT_EQ(p->input_nano_usd_per_million, 0);
  EXPECT_EQ(p->output_nano_usd_per_million, 0);
  p = ResolvePrice("openai", "gpt-9", nullptr, budget);
  EXPECT_EQ(p->input_nano_usd_per_million, 15'000'000'000);
  EXPECT_EQ(p->output_nano_usd_per_million, 75'000'000'000);
  budget.default_price.reset();
  p = ResolvePrice("openai", "gpt-9", nullptr, budget);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(p.status().message(),
            "model 'gpt-9' of provider openai has no price: it is not in the "
            "provider's catalog and budget.default_price is \"none\"; add "
            "budget.model_prices[\"openai/gpt-9\"] (or "
            "providers.openai.models[] with input_usd_per_million and "
            "output_usd_per_million)");
}

}  // namespace
}  // namespace llmgw
