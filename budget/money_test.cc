#include "budget/money.h"

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
  EXPECT_EQ(TokenCostNanoUsd(std::numeric_limits<int64_t>::max(),
                             75'000'000'000),
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

}  // namespace
}  // namespace llmgw
