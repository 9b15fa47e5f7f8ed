// Feature-aware attempt plans on a real ProviderRegistry of the scripted
// providers (alpha, beta, gamma: dispatch/testing/fake_provider.h), whose
// catalogs a YAML config extends with feature declarations.
#include "dispatch/attempt_plan.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/error_details.h"
#include "config/env_lookup.h"
#include "config/gateway_config.h"
#include "dispatch/testing/fake_provider.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

// alpha: a-1 chat+tools (no vision), a-embed embeddings only.
// beta:  b-1 chat+tools+vision+json_schema, no embedding model.
// gamma: g-1 declares nothing; g-embed embeddings.
constexpr char kConfig[] = R"yaml(
providers:
  alpha:
    models:
      - {name: a-1, features: [chat, tools]}
      - {name: a-embed, features: [embeddings], input_usd_per_million: 0.02}
  beta:
    models:
      - {name: b-1, features: [chat, tools, vision, json_schema]}
  gamma:
    models:
      - {name: g-embed, features: [embeddings]}
)yaml";

class AttemptPlanTest : public ::testing::Test {
 protected:
  void Build(std::map<std::string, std::string> env,
             const char* yaml = kConfig) {
    absl::StatusOr<GatewayConfig> config = ParseGatewayConfig(yaml);
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::unique_ptr<ProviderRegistry>> registry =
        ProviderRegistry::Create(*config, FixedEnvironment(env), nullptr);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
  }
  void BuildAll() {
    Build({{"ALPHA_API_KEY", "ka"},
           {"BETA_API_KEY", "kb"},
           {"GAMMA_API_KEY", "kg"}});
  }

  // "provider/model" of each planned target.
  static std::vector<std::string> Names(const std::vector<PlanTarget>& plan) {
    std::vector<std::string> names;
    for (const PlanTarget& t : plan) {
      names.push_back(t.entry->spec.name + "/" + t.model);
    }
    return names;
  }

  std::unique_ptr<ProviderRegistry> registry_;
  std::vector<AttemptRecord> skipped_;
};

ProviderRequest ChatWithImage(std::string model) {
  ProviderRequest r;
  r.model = std::move(model);
  Message m;
  m.parts.push_back(ContentPart{ContentPart::Kind::kText, "what is this?"});
  ContentPart image;
  image.kind = ContentPart::Kind::kImage;
  image.image.url = "https://example.com/cat.png";
  m.parts.push_back(image);
  r.messages.push_back(m);
  return r;
}

ProviderRequest Embed(std::string model) {
  ProviderRequest r;
  r.model = std::move(model);
  r.operation = Operation::kEmbed;
  r.embed.inputs = {"hello"};
  return r;
}

TEST(FeatureFunctionsTest, MissingFeaturesOnlyForDeclaredCatalogModels) {
  ProviderSpec spec;
  spec.name = "openai";
  spec.models.push_back(ModelSpec{"gpt-3.5-turbo"});
  spec.models.back().features = {"chat", "tools", "json_object"};
  spec.models.push_back(ModelSpec{"legacy"});  // declares nothing
  const std::vector<ModelFeature> need = {
      ModelFeature::kChat, ModelFeature::kVision, ModelFeature::kTools,
      ModelFeature::kJsonSchema};
  EXPECT_EQ(MissingFeatures(spec, "gpt-3.5-turbo", need),
            (std::vector<ModelFeature>{ModelFeature::kVision,
                                       ModelFeature::kJsonSchema}));
  EXPECT_TRUE(MissingFeatures(spec, "legacy", need).empty());
  EXPECT_TRUE(MissingFeatures(spec, "not-in-catalog", need).empty());
  EXPECT_TRUE(MissingFeatures(spec, "gpt-3.5-turbo",
                              {ModelFeature::kChat, ModelFeature::kTools})
                  .empty());
}

TEST(FeatureFunctionsTest, SkipDetailNamesModelProviderAndFeatures) {
  EXPECT_EQ(
      FeatureSkipDetail("gpt-3.5-turbo", "openai", {ModelFeature::kVision}),
      "gpt-3.5-turbo on openai does not support vision");
  EXPECT_EQ(FeatureSkipDetail(
                "m", "p", {ModelFeature::kTools, ModelFeature::kJsonObject}),
            "m on p does not support tools, json_object");
}

TEST(FeatureFunctionsTest, DefaultEmbeddingModelIsFirstDeclared) {
  ProviderSpec spec;
  spec.models.push_back(ModelSpec{"chat-model"});
  spec.models.back().features = {"chat"};
  EXPECT_EQ(DefaultEmbeddingModel(spec), "");
  spec.models.push_back(ModelSpec{"embed-small"});
  spec.models.back().features = {"embeddings"};
  spec.models.push_back(ModelSpec{"embed-large"});
  spec.models.back().features = {"embeddings"};
  EXPECT_EQ(DefaultEmbeddingModel(spec), "embed-small");
}

TEST(FeatureFunctionsTest, UnsupportedStatusCarriesReasonAndMeta) {
  AttemptRecord r;
  r.provider = "openai";
  r.model = "gpt-3.5-turbo";
  r.detail = "gpt-3.5-turbo on openai does not support vision";
  absl::Status s = FeatureUnsupportedStatus({ModelFeature::kVision}, {r});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(s), "FEATURE_UNSUPPORTED");
  EXPECT_TRUE(absl::StrContains(s.message(), "supports vision")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), r.detail)) << s;
  EXPECT_EQ(s.GetPayload("llmgw/meta/feature")->Flatten(), "vision");
  EXPECT_EQ(s.GetPayload("llmgw/meta/model")->Flatten(), "gpt-3.5-turbo");
}

TEST_F(AttemptPlanTest, ImageRequestSkipsModelsWithoutVision) {
  BuildAll();
  auto plan = BuildAttemptPlan(*registry_, ChatWithImage(""), {}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // a-1 lacks vision; b-1 declares it; g-1 declares nothing (tried).
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"beta/b-1", "gamma/g-1"}));
  // The routed target (alpha/a-1) was skipped: no target is the routed one.
  EXPECT_FALSE((*plan)[0].routed);
  ASSERT_EQ(skipped_.size(), 1u);
  EXPECT_EQ(skipped_[0].provider, "alpha");
  EXPECT_EQ(skipped_[0].model, "a-1");
  EXPECT_EQ(skipped_[0].outcome, AttemptOutcome::kSkipped);
  EXPECT_EQ(skipped_[0].detail, "a-1 on alpha does not support vision");
}

TEST_F(AttemptPlanTest, PlainChatKeepsTheOldPlan) {
  BuildAll();
  ProviderRequest r;
  r.messages.push_back(Message{MessageRole::kUser, "hi"});
  auto plan = BuildAttemptPlan(*registry_, r, {}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Names(*plan),
            (std::vector<std::string>{"alpha/a-1", "beta/b-1", "gamma/g-1"}));
  EXPECT_TRUE(skipped_.empty());
  EXPECT_TRUE((*plan)[0].routed);
  EXPECT_FALSE((*plan)[1].routed);
}

TEST_F(AttemptPlanTest, EveryTargetSkippedIsFailedPrecondition) {
  BuildAll();
  ProviderRequest r = ChatWithImage("alpha/a-1");
  auto plan = BuildAttemptPlan(*registry_, r, {"alpha/a-embed"}, &skipped_);
  ASSERT_FALSE(plan.ok());
  const absl::Status& s = plan.status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(ErrorReason(s), "FEATURE_UNSUPPORTED");
  EXPECT_TRUE(absl::StrContains(s.message(), "a-1 on alpha")) << s;
  EXPECT_TRUE(absl::StrContains(
      s.message(), "a-embed on alpha does not support chat, vision"))
      << s;
  EXPECT_EQ(s.GetPayload("llmgw/meta/feature")->Flatten(), "chat,vision");
  EXPECT_EQ(skipped_.size(), 2u);
}

TEST_F(AttemptPlanTest, ChatNeverRoutesToAnEmbeddingsOnlyModel) {
  Build({{"ALPHA_API_KEY", "ka"}, {"ALPHA_MODEL", "a-embed"}});
  ProviderRequest r;
  r.messages.push_back(Message{MessageRole::kUser, "hi"});
  auto plan = BuildAttemptPlan(*registry_, r, {}, &skipped_);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(plan.status().message(),
                                "a-embed on alpha does not support chat"))
      << plan.status();
}

TEST_F(AttemptPlanTest, ToolsAndSchemaAreRequiredFromTheCatalog) {
  BuildAll();
  ProviderRequest r;
  r.messages.push_back(Message{MessageRole::kUser, "extract"});
  r.response_format.type = ResponseFormat::Type::kJsonSchema;
  r.response_format.json_schema = "{}";
  auto plan = BuildAttemptPlan(*registry_, r, {}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"beta/b-1", "gamma/g-1"}));
  ASSERT_EQ(skipped_.size(), 1u);
  EXPECT_EQ(skipped_[0].detail, "a-1 on alpha does not support json_schema");
}

TEST_F(AttemptPlanTest, ExplicitFallbacksAreCheckedToo) {
  BuildAll();
  auto plan = BuildAttemptPlan(*registry_, ChatWithImage("alpha/a-1"),
                               {"alpha/a-embed", "gamma/g-1"}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // The explicit list replaces the automatic chain (beta is not tried).
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"gamma/g-1"}));
  ASSERT_EQ(skipped_.size(), 2u);
  EXPECT_EQ(skipped_[0].detail, "a-1 on alpha does not support vision");
  EXPECT_EQ(skipped_[1].detail,
            "a-embed on alpha does not support chat, vision");
}

TEST_F(AttemptPlanTest, EmbedDefaultsToEmbeddingModelsOnly) {
  BuildAll();
  auto plan = BuildAttemptPlan(*registry_, Embed(""), {}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // beta has no embedding model: not in the embed chain, and no skip record.
  EXPECT_EQ(Names(*plan),
            (std::vector<std::string>{"alpha/a-embed", "gamma/g-embed"}));
  EXPECT_TRUE(skipped_.empty());
}

TEST_F(AttemptPlanTest, EmbedDefaultFallsToFirstChainProviderWithOne) {
  Build({{"BETA_API_KEY", "kb"}, {"GAMMA_API_KEY", "kg"}});
  ASSERT_EQ(registry_->primary()->spec.name, "beta");
  auto plan = BuildAttemptPlan(*registry_, Embed(""), {}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"gamma/g-embed"}));
}

TEST_F(AttemptPlanTest, EmbedWithoutAnyEmbeddingModelSaysWhatToDo) {
  Build({{"BETA_API_KEY", "kb"}});
  auto plan = BuildAttemptPlan(*registry_, Embed(""), {}, &skipped_);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(plan.status()), "FEATURE_UNSUPPORTED");
  EXPECT_TRUE(absl::StrContains(plan.status().message(), "embedding model"))
      << plan.status();
}

TEST_F(AttemptPlanTest, EmbedNamedModelIsUsedAsGiven) {
  BuildAll();
  // Not in the catalog: tried as given, then the embed chain.
  auto plan =
      BuildAttemptPlan(*registry_, Embed("beta/b-embed-new"), {}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Names(*plan),
            (std::vector<std::string>{"beta/b-embed-new", "alpha/a-embed",
                                      "gamma/g-embed"}));
  // In the catalog without embeddings: skipped.
  skipped_.clear();
  plan = BuildAttemptPlan(*registry_, Embed("beta/b-1"), {}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Names(*plan),
            (std::vector<std::string>{"alpha/a-embed", "gamma/g-embed"}));
  ASSERT_EQ(skipped_.size(), 1u);
  EXPECT_EQ(skipped_[0].detail, "b-1 on beta does not support embeddings");
}

TEST(FeatureFunctionsTest, MinInputTokensIsALowerBound) {
  ProviderRequest r;
  r.messages.push_back(Message{MessageRole::kUser, std::string(800, 'x')});
  EXPECT_EQ(MinInputTokens(r), 100);
  ToolDefinition tool;
  tool.description = std::string(80, 'd');
  r.tools.push_back(tool);
  r.response_format.json_schema = std::string(80, 's');
  EXPECT_EQ(MinInputTokens(r), 120);
  ProviderRequest embed = Embed("");
  // Each input meets the embedding model's window on its own: a batch of
  // many short texts is bounded by its largest, not by their sum.
  embed.embed.inputs = {std::string(16, 'a'), std::string(32, 'b'),
                        std::string(16, 'c')};
  EXPECT_EQ(MinInputTokens(embed), 4);
  embed.embed.inputs.assign(1000, std::string(800, 'x'));
  EXPECT_EQ(MinInputTokens(embed), 100);
}

TEST(FeatureFunctionsTest, ContextWindowDetail) {
  ProviderSpec spec;
  spec.name = "openai";
  spec.models.push_back(ModelSpec{"gpt-4", 8192});
  spec.models.push_back(ModelSpec{"unknown-window"});
  EXPECT_EQ(ContextWindowSkipDetail(spec, "gpt-4", 20000),
            "gpt-4 on openai has a context window of 8192 tokens; the "
            "request has at least 20000 input tokens");
  EXPECT_EQ(ContextWindowSkipDetail(spec, "gpt-4", 8192), "");
  EXPECT_EQ(ContextWindowSkipDetail(spec, "unknown-window", 1 << 30), "");
  EXPECT_EQ(ContextWindowSkipDetail(spec, "not-in-catalog", 1 << 30), "");
}

TEST_F(AttemptPlanTest, ContextWindowsTooSmallAreSkipped) {
  Build({{"ALPHA_API_KEY", "ka"}, {"BETA_API_KEY", "kb"}}, R"yaml(
providers:
  alpha:
    models: [{name: a-1, context_window: 100}]
  beta:
    models: [{name: b-1, context_window: 1000}]
)yaml");
  ProviderRequest r;
  r.messages.push_back(Message{MessageRole::kUser, std::string(4000, 'x')});
  auto plan = BuildAttemptPlan(*registry_, r, {}, &skipped_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"beta/b-1"}));
  ASSERT_EQ(skipped_.size(), 1u);
  EXPECT_EQ(skipped_[0].detail,
            "a-1 on alpha has a context window of 100 tokens; the request "
            "has at least 500 input tokens");
  // Too long for both: FAILED_PRECONDITION, CONTEXT_WINDOW_EXCEEDED.
  skipped_.clear();
  r.messages[0].content = std::string(80000, 'x');
  plan = BuildAttemptPlan(*registry_, r, {}, &skipped_);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(plan.status()), "CONTEXT_WINDOW_EXCEEDED");
  EXPECT_TRUE(absl::StrContains(plan.status().message(),
                                "b-1 on beta has a context window of 1000"))
      << plan.status();
  EXPECT_EQ(skipped_.size(), 2u);
}

TEST_F(AttemptPlanTest, NothingConfiguredKeepsTheRoutingError) {
  Build({});
  auto plan = BuildAttemptPlan(*registry_, Embed(""), {}, &skipped_);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace llmgw
