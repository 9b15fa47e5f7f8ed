// Pricing from detailed usage (cached input, cache writes, reasoning), the
// dearest-price worst case, the request estimates (embeddings, images, tool
// definitions), and what the ledger does when a call costs more than it
// reserved. Integer nano-USD throughout; every expected figure is worked out
// by hand in the comment next to it.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "budget/call_charge.h"
#include "budget/in_memory_ledger.h"
#include "budget/pricing.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

constexpr int64_t kUsd = 1'000'000'000;  // nano-USD per USD

// Anthropic-like prices per million tokens: input $3, cache read $0.30,
// cache write $3.75, output $15.
ModelSpec Claude() {
  ModelSpec m;
  m.name = "claude";
  m.input_nano_usd_per_million = 3 * kUsd;
  m.output_nano_usd_per_million = 15 * kUsd;
  m.cached_input_nano_usd_per_million = 3 * kUsd / 10;
  m.cache_write_nano_usd_per_million = 375 * kUsd / 100;
  return m;
}

TokenUsage Usage(int64_t in, int64_t out, int64_t cached = 0,
                 int64_t written = 0, int64_t reasoning = 0) {
  TokenUsage u;
  u.input_tokens = in;
  u.output_tokens = out;
  u.reported = true;
  u.cached_input_tokens = cached;
  u.cache_write_input_tokens = written;
  u.reasoning_tokens = reasoning;
  return u;
}

TEST(DetailedCostTest, CachedReadsAndWritesHaveTheirOwnPrices) {
  const ModelSpec m = Claude();
  // 1000 input = 100 plain + 600 cache reads + 300 cache writes; 200 output.
  //   100 * 3,000 = 300,000; 600 * 300 = 180,000; 300 * 3,750 = 1,125,000;
  //   200 * 15,000 = 3,000,000 (nano-USD per token = price / 1e6).
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1000, 200, 600, 300)), 4'605'000);
  // The same tokens without details cost the plain input price:
  //   1000 * 3,000 + 3,000,000.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1000, 200)), 6'000'000);
}

TEST(DetailedCostTest, UnsetDetailPricesFallBackToInputAndOutput) {
  ModelSpec m;
  m.input_nano_usd_per_million = 2 * kUsd;
  m.output_nano_usd_per_million = 8 * kUsd;
  // No cached/cache-write/reasoning prices: the split changes nothing.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1000, 500, 400, 100, 300)),
            CallCostNanoUsd(&m, Usage(1000, 500)));
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1000, 500)), 2'000'000 + 4'000'000);
}

TEST(DetailedCostTest, ReasoningTokensUseTheReasoningPrice) {
  ModelSpec m;
  m.input_nano_usd_per_million = 1 * kUsd;
  m.output_nano_usd_per_million = 4 * kUsd;
  m.reasoning_nano_usd_per_million = 12 * kUsd;
  // 10 input * 1,000 = 10,000; 200 visible output * 4,000 = 800,000;
  // 800 reasoning * 12,000 = 9,600,000.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(10, 1000, 0, 0, 800)), 10'410'000);
}

TEST(DetailedCostTest, EachComponentIsRoundedUpOnItsOwn) {
  // 1 nano-USD per million tokens: every non-empty component costs a
  // fraction of a nano-USD, rounded up to 1 separately (never undercharged).
  ModelSpec m;
  m.input_nano_usd_per_million = 1;
  m.output_nano_usd_per_million = 1;
  m.cached_input_nano_usd_per_million = 1;
  m.cache_write_nano_usd_per_million = 1;
  m.reasoning_nano_usd_per_million = 1;
  // plain 1, cached 1, written 1, visible output 1, reasoning 1.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(3, 2, 1, 1, 1)), 5);
  // Empty components cost nothing: only plain input and visible output.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(3, 2)), 2);
  // 1,000,001 cached tokens at 333 nano-USD per million: 333.000333 -> 334;
  // the plain input left over is empty and costs nothing.
  m.cached_input_nano_usd_per_million = 333;
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1'000'001, 0, 1'000'001)), 334);
}

TEST(DetailedCostTest, InconsistentDetailCountsAreClamped) {
  const ModelSpec m = Claude();
  // More cache reads than input: all 1000 input tokens are reads (300,000);
  // nothing is left for writes or plain input. Never negative.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1000, 0, 5000, 700)), 300'000);
  // Reads + writes above input: writes get what reads leave (400 * 3,750).
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1000, 0, 600, 900)),
            600 * 300 + 400 * 3750);
  // Negative details count as zero.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1000, 0, -5, -5)), 3'000'000);
  // More reasoning than output: all output is reasoning (at the output price
  // here, as the model sets no reasoning price).
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(0, 100, 0, 0, 1000)), 1'500'000);
  // Negative totals cost nothing.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(-10, -10, 5, 5, 5)), 0);
}

TEST(DetailedCostTest, HugeCountsSaturate) {
  ModelSpec m = Claude();
  m.reasoning_nano_usd_per_million = std::numeric_limits<int64_t>::max();
  const int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(big, big, big / 2, big / 4, big)),
            std::numeric_limits<int64_t>::max());
}

ProviderRequest Chat(std::string text, int32_t max_tokens) {
  ProviderRequest r;
  r.messages.push_back({MessageRole::kUser, std::move(text)});
  r.max_tokens = max_tokens;
  return r;
}

TEST(WorstCaseTest, UsesTheDearestInputAndOutputPrices) {
  ModelSpec m = Claude();  // cache writes ($3.75) dearer than input ($3)
  m.reasoning_nano_usd_per_million = 20 * kUsd;  // dearer than output
  const ProviderRequest r = Chat(std::string(300, 'x'), 100);
  const int64_t in = EstimateRequestInputTokens(r);
  ASSERT_EQ(in, 8 + 100);  // 8 per message + 300 bytes / 3
  // 108 * 3,750 + 100 * 20,000.
  EXPECT_EQ(WorstCaseCostNanoUsd(&m, r, 4096), 405'000 + 2'000'000);
  // No split of those tokens costs more than the worst case.
  for (int64_t cached = 0; cached <= in; cached += 27) {
    for (int64_t written = 0; written + cached <= in; written += 27) {
      for (int64_t reasoning = 0; reasoning <= 100; reasoning += 25) {
        EXPECT_LE(
            CallCostNanoUsd(&m, Usage(in, 100, cached, written, reasoning)),
            WorstCaseCostNanoUsd(&m, r, 4096));
      }
    }
  }
}

TEST(WorstCaseTest, CheaperDetailPricesDoNotLowerTheWorstCase) {
  ModelSpec m;
  m.input_nano_usd_per_million = 5 * kUsd;
  m.output_nano_usd_per_million = 10 * kUsd;
  m.cached_input_nano_usd_per_million = 1 * kUsd;  // cheaper: ignored
  m.reasoning_nano_usd_per_million = 2 * kUsd;     // cheaper: ignored
  const ProviderRequest r = Chat("abc", 10);       // 9 input tokens
  EXPECT_EQ(WorstCaseCostNanoUsd(&m, r, 4096), 9 * 5000 + 10 * 10000);
}

TEST(WorstCaseTest, EmbeddingsReserveInputOnly) {
  ModelSpec m;
  m.input_nano_usd_per_million = kUsd / 50;  // $0.02 per million
  m.output_nano_usd_per_million = 10 * kUsd;
  ProviderRequest r;
  r.operation = Operation::kEmbed;
  r.embed.inputs = {"abc", "abcdef", std::string(3000, 'z')};
  r.max_tokens = 500;  // ignored for embeddings
  // (8 + 1) + (8 + 2) + (8 + 1000) = 1027 tokens.
  EXPECT_EQ(EstimateRequestInputTokens(r), 1027);
  // 1027 * 20 nano-USD.
  EXPECT_EQ(WorstCaseCostNanoUsd(&m, r, 4096), 20'540);
  // An embedding reply bills its input tokens only.
  EXPECT_EQ(CallCostNanoUsd(&m, Usage(1000, 0)), 20'000);
}

TEST(EstimateTest, ImagesCountAFixedGenerousAmount) {
  Message m;
  m.role = MessageRole::kUser;
  m.parts.push_back({ContentPart::Kind::kText, "abc"});
  ContentPart image;
  image.kind = ContentPart::Kind::kImage;
  image.image.data = std::string(1'000'000, 'p');  // bytes are not text
  image.image.mime_type = "image/png";
  m.parts.push_back(image);
  m.parts.push_back(image);
  // 8 per message + 1 for "abc" + 2 images.
  EXPECT_EQ(EstimateInputTokens({m}), 8 + 1 + 2 * kImageTokenEstimate);
}

TEST(EstimateTest, ToolDefinitionsCallsAndSchemasAreCounted) {
  ProviderRequest r = Chat("", 1);
  ToolDefinition tool;
  tool.name = "get_weather";                             // 11 bytes
  tool.description = "Weather for a city";               // 18 bytes
  tool.parameters_json_schema = R"({"type":"object"})";  // 17 bytes
  r.tools.push_back(tool);
  r.response_format.type = ResponseFormat::Type::kJsonSchema;
  r.response_format.json_schema = R"({"type":"string"})";  // 17 bytes
  // 8 for the empty message + ceil((11 + 18 + 17 + 17) / 3) = 21.
  EXPECT_EQ(EstimateRequestInputTokens(r), 8 + 21);
  // An assistant turn's tool calls count as text: name + arguments.
  Message call;
  call.role = MessageRole::kAssistant;
  call.tool_calls.push_back({"call_1", "get_weather", R"({"city":"Oslo"})"});
  // 11 + 15 = 26 bytes -> 9 tokens, + 8.
  EXPECT_EQ(EstimateInputTokens({call}), 8 + 9);
}

// The reservation is an estimate: a provider may report more tokens than it
// assumed (a tokenizer that counts differently, an answer past the default
// output cap). The ledger then records the actual cost in full (money spent
// upstream is never dropped) and later reservations see it.
TEST(ChargeTest, ActualCostAboveTheReservationIsChargedInFull) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 10'000'000;  // $0.01
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  InMemoryLedger ledger(config, [&now] { return now; });
  const ModelSpec m = Claude();
  const ProviderRequest r = Chat("abc", 10);  // 9 in, 10 out
  CallCharge charge(&ledger, ledger.config());
  absl::Status reserved = absl::InternalError("no callback");
  charge.Reserve(r, {{"anthropic", "claude", &m}},
                 ChargeContext{"", now + absl::Minutes(1)},
                 [&](absl::Status s) { reserved = s; });
  ASSERT_TRUE(reserved.ok()) << reserved;
  // Worst case: 9 * 3,750 + 10 * 15,000.
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 33'750 + 150'000);
  // The provider reports 2,000 input (1,500 cached) and 500 output:
  //   500 * 3,000 + 1,500 * 300 + 500 * 15,000 = 9,450,000.
  Settlement settled;
  charge.Commit({"anthropic", "claude", &m}, Usage(2000, 500, 1500), 0, r,
                [&](Settlement s, absl::Status recorded) {
                  EXPECT_TRUE(recorded.ok()) << recorded;
                  settled = s;
                });
  EXPECT_EQ(settled.cost_nano_usd, 9'450'000);
  EXPECT_FALSE(settled.usage_estimated);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 0);
  EXPECT_EQ(ledger.Snapshot("")->spent_nano_usd, 9'450'000);
  EXPECT_EQ(ledger.Snapshot("model:claude")->spent_nano_usd, 9'450'000);
  // What is left (550,000) still holds the same worst case (183,750); a
  // second overspend then takes the window past its limit, and the next
  // reservation is refused.
  CallCharge second(&ledger, ledger.config());
  second.Reserve(r, {{"anthropic", "claude", &m}},
                 ChargeContext{"", now + absl::Minutes(1)},
                 [&](absl::Status s) { reserved = s; });
  ASSERT_TRUE(reserved.ok()) << reserved;
  second.Commit({"anthropic", "claude", &m}, Usage(2000, 500, 1500), 0, r,
                [](Settlement, absl::Status) {});
  EXPECT_EQ(ledger.Snapshot("")->spent_nano_usd, 18'900'000);
  CallCharge third(&ledger, ledger.config());
  third.Reserve(r, {{"anthropic", "claude", &m}},
                ChargeContext{"", now + absl::Minutes(1)},
                [&](absl::Status s) { reserved = s; });
  EXPECT_EQ(reserved.code(), absl::StatusCode::kResourceExhausted) << reserved;
}

// Within the estimate, a detailed commit never exceeds the reservation.
TEST(ChargeTest, DetailedCommitWithinTheEstimateStaysUnderTheReservation) {
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  InMemoryLedger ledger(BudgetConfig{}, [&now] { return now; });
  const ModelSpec m = Claude();
  const ProviderRequest r = Chat(std::string(3000, 'a'), 50);  // 1008 in
  CallCharge charge(&ledger, ledger.config());
  absl::Status reserved = absl::InternalError("no callback");
  charge.Reserve(r, {{"anthropic", "claude", &m}},
                 ChargeContext{"", now + absl::Minutes(1)},
                 [&](absl::Status s) { reserved = s; });
  ASSERT_TRUE(reserved.ok());
  const int64_t held = ledger.Snapshot("")->reserved_nano_usd;
  EXPECT_EQ(held, 1008 * 3750 + 50 * 15000);
  Settlement settled;
  // Everything written to the cache (the dearest input) and all output.
  charge.Commit({"anthropic", "claude", &m}, Usage(1008, 50, 0, 1008), 0, r,
                [&](Settlement s, absl::Status) { settled = s; });
  EXPECT_EQ(settled.cost_nano_usd, held);
  EXPECT_LE(ledger.Snapshot("")->spent_nano_usd, held);
}

}  // namespace
}  // namespace llmgw
