// Feature-aware routing through a whole GenerateCall on a manual clock:
// targets the catalog says cannot serve the request are skipped before any
// request, reservation or retry (dispatch/attempt_plan.h).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "budget/in_memory_ledger.h"
#include "common/error_details.h"
#include "config/env_lookup.h"
#include "dispatch/generate_call.h"
#include "dispatch/testing/fake_provider.h"
#include "dispatch/testing/manual_event_loop.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

using testing::FakeProviderOf;
using testing::FakeReply;
using testing::ManualEventLoop;

// alpha/a-1 has no vision, beta/b-1 has; alpha/a-embed only embeds.
constexpr char kConfig[] = R"yaml(
providers:
  alpha:
    models:
      - {name: a-1, features: [chat, tools], input_usd_per_million: 1, output_usd_per_million: 2}
      - {name: a-embed, features: [embeddings], input_usd_per_million: 0.5}
  beta:
    models:
      - {name: b-1, features: [chat, vision], input_usd_per_million: 2, output_usd_per_million: 4}
)yaml";

class SkippedRecorder : public CallObserver {
 public:
  void AttemptSkipped(const CallInfo&, const AttemptRecord& a) override {
    skipped.push_back(absl::StrCat(a.provider, ": ", a.detail));
  }
  std::vector<std::string> skipped;
};

class GenerateCallFeaturesTest : public ::testing::Test {
 protected:
  GenerateCallFeaturesTest() {
    config_ = *ParseGatewayConfig(kConfig);
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
    deps_.observer = &recorder_;
    deps_.loop = &loop_;
    deps_.budget = config_.budget;
    deps_.resilience = config_.resilience;
  }

  GenerateInput ImageInput(std::string model) {
    GenerateInput input;
    input.request.model = std::move(model);
    Message m;
    m.parts.push_back({ContentPart::Kind::kText, "what is this?"});
    ContentPart image;
    image.kind = ContentPart::Kind::kImage;
    image.image.data = "\x89PNG";
    image.image.mime_type = "image/png";
    m.parts.push_back(image);
    input.request.messages.push_back(m);
    input.request.max_tokens = 100;
    input.request.request_id = "req_features";
    input.arrival = loop_.Now();
    return input;
  }

  const GenerateResult& Run(GenerateInput input) {
    call_ = GenerateCall::Create(
        deps_, std::move(input), [](absl::string_view) {},
        [this](GenerateResult r) { result_ = std::move(r); });
    call_->Start();
    loop_.RunUntilIdle();
    for (int i = 0; i < 50 && !result_ && loop_.FireNextTimer(); ++i) {
    }
    EXPECT_TRUE(result_.has_value()) << "the call did not settle";
    absl::StatusOr<BudgetSnapshot> s = ledger_->Snapshot("global");
    EXPECT_EQ(s->reserved_nano_usd, 0) << "a reservation leaked";
    return *result_;
  }

  GatewayConfig config_;
  ManualEventLoop loop_;
  std::unique_ptr<ProviderRegistry> registry_;
  std::unique_ptr<InMemoryLedger> ledger_;
  SkippedRecorder recorder_;
  DispatchDeps deps_;
  std::shared_ptr<GenerateCall> call_;
  std::optional<GenerateResult> result_;
};

TEST_F(GenerateCallFeaturesTest, ImageGoesPastAModelWithoutVision) {
  FakeProviderOf(*registry_, "beta")->Enqueue(FakeReply::Answer("a cat"));
  const GenerateResult& r = Run(ImageInput(""));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.provider, "beta");
  EXPECT_EQ(r.reply.text, "a cat");
  EXPECT_TRUE(FakeProviderOf(*registry_, "alpha")->requests().empty());
  ASSERT_FALSE(r.attempts.empty());
  EXPECT_EQ(r.attempts[0].outcome, AttemptOutcome::kSkipped);
  EXPECT_EQ(r.attempts[0].detail, "a-1 on alpha does not support vision");
  EXPECT_EQ(
      recorder_.skipped,
      std::vector<std::string>{"alpha: a-1 on alpha does not support vision"});
}

TEST_F(GenerateCallFeaturesTest, NoCapableModelIsFailedPrecondition) {
  GenerateInput input = ImageInput("alpha/a-1");
  input.fallback_models = {"alpha/a-embed"};
  const GenerateResult& r = Run(std::move(input));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kFailedPrecondition) << r.status;
  EXPECT_EQ(ErrorReason(r.status), "FEATURE_UNSUPPORTED");
  EXPECT_TRUE(absl::StrContains(r.status.message(), "supports all of chat, vision"))
      << r.status;
  EXPECT_TRUE(FakeProviderOf(*registry_, "alpha")->requests().empty());
  EXPECT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.cost_nano_usd, 0);
}

TEST_F(GenerateCallFeaturesTest, EmbedWithoutModelUsesTheEmbeddingModel) {
  GenerateInput input;
  input.request.operation = Operation::kEmbed;
  input.request.embed.inputs = {"hello", "world"};
  input.request.request_id = "req_embed";
  input.arrival = loop_.Now();
  const GenerateResult& r = Run(std::move(input));
  ASSERT_TRUE(r.status.ok()) << r.status;
  const auto& requests = FakeProviderOf(*registry_, "alpha")->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].model, "a-embed");
  EXPECT_TRUE(FakeProviderOf(*registry_, "beta")->requests().empty());
}

}  // namespace
}  // namespace llmgw
