// GenerateCall and the rich contract (issue #13): streamed tool-call and
// refusal pieces, billing a broken stream that delivered tool calls, and
// embedding calls (operation kEmbed) with the one-vector-per-input check.
// Manual clock, scripted providers (dispatch/testing/).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "budget/in_memory_ledger.h"
#include "budget/pricing.h"
#include "dispatch/generate_call.h"
#include "dispatch/testing/fake_provider.h"
#include "dispatch/testing/manual_event_loop.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

using testing::FakeProviderOf;
using testing::FakeReply;
using testing::ManualEventLoop;

class GenerateCallRichTest : public ::testing::Test {
 protected:
  GenerateCallRichTest() {
    registry_ = *ProviderRegistry::Create(
        config_,
        FixedEnvironment({{"ALPHA_API_KEY", "ka"}, {"BETA_API_KEY", "kb"}}),
        nullptr);
    for (const char* name : {"alpha", "beta"}) {
      FakeProviderOf(*registry_, name)->set_loop(&loop_);
    }
    ledger_ = std::make_unique<InMemoryLedger>(config_.budget,
                                               [this] { return loop_.Now(); });
    deps_.registry = registry_.get();
    deps_.ledger = ledger_.get();
    deps_.loop = &loop_;
    deps_.budget = config_.budget;
  }

  testing::FakeProvider& Fake(const char* name) {
    return *FakeProviderOf(*registry_, name);
  }

  GenerateInput Chat(bool stream) {
    GenerateInput input;
    input.request.messages.push_back({MessageRole::kUser, "weather?"});
    input.request.tools.push_back({"get_weather", "", ""});
    input.request.max_tokens = 100;
    input.request.request_id = "req_rich";
    input.arrival = loop_.Now();
    input.stream = stream;
    return input;
  }

  GenerateInput Embed(int inputs) {
    GenerateInput input;
    input.request.operation = Operation::kEmbed;
    input.request.model = "a-1";
    input.fallback_models = {"beta/b-1"};
    for (int i = 0; i < inputs; ++i) {
      input.request.embed.inputs.push_back("text " + std::to_string(i));
    }
    input.request.request_id = "req_embed";
    input.arrival = loop_.Now();
    return input;
  }

  const GenerateResult& Run(GenerateInput input) {
    result_.reset();
    events_.clear();
    call_ = GenerateCall::Create(
        deps_, std::move(input),
        [this](absl::string_view d) {
          events_.push_back("text:" + std::string(d));
        },
        [this](GenerateResult r) { result_ = std::move(r); });
    call_->SetRichDeltaCallbacks(
        [this](const ToolCallDelta& d) {
          events_.push_back("tool:" + std::to_string(d.index) + ":" + d.id +
                            ":" + d.name + ":" + d.arguments_json_delta);
        },
        [this](absl::string_view r) {
          events_.push_back("refusal:" + std::string(r));
        });
    call_->Start();
    loop_.RunUntilIdle();
    for (int i = 0; i < 50 && !result_ && loop_.FireNextTimer(); ++i) {
    }
    EXPECT_TRUE(result_.has_value());
    return *result_;
  }

  GatewayConfig config_;
  ManualEventLoop loop_;
  std::unique_ptr<ProviderRegistry> registry_;
  std::unique_ptr<InMemoryLedger> ledger_;
  DispatchDeps deps_;
  std::shared_ptr<GenerateCall> call_;
  std::optional<GenerateResult> result_;
  std::vector<std::string> events_;
};

TEST_F(GenerateCallRichTest, ToolAndRefusalPiecesReachTheCallerInOrder) {
  FakeReply reply =
      FakeReply::Stream({"Let me check. "}, FakeReply::Answer(""));
  reply.tool_deltas = {{0, "call_1", "get_weather", ""},
                       {0, "", "", "{\"city\":"},
                       {0, "", "", "\"Paris\"}"}};
  reply.refusal = "no";
  Fake("alpha").Enqueue(reply);
  const GenerateResult& r = Run(Chat(true));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(events_,
            (std::vector<std::string>{
                "text:Let me check. ", "tool:0:call_1:get_weather:",
                "tool:0:::{\"city\":", "tool:0:::\"Paris\"}", "refusal:no"}));
  ASSERT_EQ(r.reply.tool_calls.size(), 1u);
  EXPECT_EQ(r.reply.tool_calls[0].arguments_json, "{\"city\":\"Paris\"}");
  EXPECT_GT(r.time_to_first_token, absl::ZeroDuration());
}

TEST_F(GenerateCallRichTest, AToolDeltaIsOutputStartedNoFailoverAndItIsBilled) {
  // Only tool pieces, then the stream breaks: no failover to beta (the
  // caller has output), and the estimate bills the delivered argument bytes.
  FakeReply broken = FakeReply::Stream(
      {}, FakeReply::Error(ErrorClass::kTransient, 0, "stream cut"));
  const std::string args = "{\"city\":\"" + std::string(290, 'x') + "\"}";
  broken.tool_deltas = {{0, "call_1", "get_weather", args}};
  Fake("alpha").Enqueue(broken);
  const GenerateResult& r = Run(Chat(true));
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(Fake("beta").requests().size(), 0u);
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_TRUE(r.usage_estimated);
  EXPECT_EQ(r.reply.usage.output_tokens,
            EstimateOutputTokens(static_cast<int64_t>(
                args.size() + std::string("get_weather").size())));
  EXPECT_GT(r.cost_nano_usd, 0);
}

TEST_F(GenerateCallRichTest, EmbeddingsReplyWithTheWrongCountFailsOver) {
  FakeReply short_reply = FakeReply::Answer("");
  short_reply.embeddings = {{0.1f, 0.2f}};  // one vector for two inputs
  short_reply.usage = TokenUsage{4, 0, true};
  Fake("alpha").Enqueue(short_reply);
  FakeReply good = FakeReply::Answer("");
  good.embeddings = {{0.1f, 0.2f}, {0.3f, 0.4f}};
  good.usage = TokenUsage{4, 0, true};
  Fake("beta").Enqueue(good);
  const GenerateResult& r = Run(Embed(2));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].outcome, AttemptOutcome::kTransientError);
  EXPECT_NE(r.attempts[0].detail.find("1 vectors for 2 inputs"),
            std::string::npos)
      << r.attempts[0].detail;
  EXPECT_EQ(r.provider, "beta");
  EXPECT_EQ(r.reply.embeddings.size(), 2u);
  // Priced like generation: 4 input tokens of b-1 at $2 per million.
  EXPECT_EQ(r.cost_nano_usd, 4 * 2000);
  absl::StatusOr<BudgetSnapshot> budget = ledger_->Snapshot("global");
  ASSERT_TRUE(budget.ok());
  EXPECT_EQ(budget->spent_nano_usd, r.cost_nano_usd);
  EXPECT_EQ(budget->reserved_nano_usd, 0);
}

}  // namespace
}  // namespace llmgw
