// The built llmgw binary against a real gateway (in-process, real event loop
// and HTTP client) in front of the fake OpenAI upstream on loopback: feature
// routing as a caller sees it on the command line.
#include <cstdlib>
#include <fstream>
#include <string>

#include "cli/run_binary.h"
#include "config/gateway_config.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"

namespace llmgw {
namespace {

using cli::testing::RunLlmgw;
using cli::testing::RunResult;
using testing::GatewayHarness;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// openai's default model is an embeddings-only model; gpt-4o-mini declares
// chat; legacy-model declares nothing.
constexpr char kConfig[] = R"yaml(
providers:
  openai:
    default_model: text-embedding-3-small
    models:
      - {name: text-embedding-3-small, input_usd_per_million: "0.02", features: [embeddings]}
      - {name: gpt-4o-mini, input_usd_per_million: "0.15", output_usd_per_million: "0.60", features: [chat, tools, json_object, json_schema]}
)yaml";

class LlmgwGatewayTest : public ::testing::Test {
 protected:
  LlmgwGatewayTest()
      : harness_({{"OPENAI_API_KEY", "sk-test-key-0123456789"}},
                 *ParseGatewayConfig(kConfig)) {}

  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--addr",
                 "127.0.0.1:" + std::to_string(harness_.server().grpc_port())});
    return RunLlmgw(args);
  }

  GatewayHarness harness_;
};

TEST_F(LlmgwGatewayTest, ChatIsNeverSentToAnEmbeddingsOnlyModel) {
  RunResult run = Run({"generate", "hello"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err, StartsWith("error: FAILED_PRECONDITION: no model in "
                                  "the plan supports chat ("));
  EXPECT_THAT(run.err,
              HasSubstr("text-embedding-3-small on openai does not support "
                        "chat"));
  EXPECT_EQ(harness_.upstream().RequestCount(), 0);
  // The machine-readable reason and metadata (docs/clients.md).
  grpc::Status status =
      harness_.Generate(GatewayHarness::UserRequest("hello"), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  bool found = false;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (!any.UnpackTo(&info)) continue;
    found = true;
    EXPECT_EQ(info.reason(), "FEATURE_UNSUPPORTED");
    EXPECT_EQ(info.metadata().at("feature"), "chat");
    EXPECT_EQ(info.metadata().at("model"), "text-embedding-3-small");
  }
  EXPECT_TRUE(found) << "no ErrorInfo";
  // Nothing reserved, nothing spent.
  llmgateway::v1::BudgetResponse budget = harness_.SettledBudget();
  EXPECT_EQ(budget.spent_nano_usd(), 0);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
}

TEST_F(LlmgwGatewayTest, ModelsWithTheFeatureOrWithoutDeclarationsAreTried) {
  RunResult declared = Run({"generate", "--model", "gpt-4o-mini", "hello"});
  ASSERT_EQ(declared.exit_code, 0) << declared.err;
  EXPECT_EQ(declared.out, "Echo: hello\n");
  EXPECT_THAT(declared.err, StartsWith("openai/gpt-4o-mini | finish stop"));
  RunResult undeclared = Run({"generate", "--model", "openai/new-model", "hi"});
  ASSERT_EQ(undeclared.exit_code, 0) << undeclared.err;
  EXPECT_THAT(undeclared.err, StartsWith("openai/new-model | finish stop"));
  EXPECT_EQ(harness_.upstream().RequestCount(), 2);
}

TEST_F(LlmgwGatewayTest, ImageToAModelWithoutVisionIsRefusedBeforeSending) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/photo.png";
  std::ofstream(path, std::ios::binary) << std::string("\x89PNG\r\n\x1a\n", 8);
  RunResult run =
      Run({"generate", "--model", "gpt-4o-mini", "--image", path, "What?"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err,
              StartsWith("error: FAILED_PRECONDITION: no model in the plan "
                         "supports all of chat, vision (gpt-4o-mini on openai "
                         "does not support vision; text-embedding-3-small on "
                         "openai does not support chat, vision)"));
  EXPECT_EQ(harness_.upstream().RequestCount(), 0);
}

TEST_F(LlmgwGatewayTest, SkippedTargetShowsInTheAttemptLines) {
  // The embeddings-only default is skipped; the explicit fallback answers.
  RunResult run = Run({"generate", "--fallback", "openai/gpt-4o-mini", "hi"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("2 attempts"));
  EXPECT_THAT(run.err,
              HasSubstr("attempt 1: openai/text-embedding-3-small skipped 0 "
                        "ms: text-embedding-3-small on openai does not "
                        "support chat"));
  EXPECT_EQ(harness_.upstream().RequestCount(), 1);
}

// A tenant limited to openai whose routed model lacks chat: the chain's
// other provider is not allowed, so the call reports the missing feature
// (not a permission error about a model the caller never named); an
// unrestricted tenant falls back to that provider.
TEST(LlmgwTenantFeatureTest, RestrictedTenantGetsTheFeatureError) {
  GatewayConfig config = *ParseGatewayConfig(kConfig);
  config.primary_provider = "openai";
  config.fallback_chain = {"openai", "groq"};
  TenantPolicy openai_only;
  openai_only.allowed_providers = {"openai"};
  config.auth.tenants["team-a"] = openai_only;
  GatewayHarness harness(
      {{"OPENAI_API_KEY", "sk-test-key-0123456789"},
       {"GROQ_API_KEY", "sk-test-key-0123456789"},
       {"GROQ_API_BASE", GatewayHarness::kFakeBaseUrl},
       {"LLMGW_CLIENT_KEYS",
        "team-a:sk-client-a-123456,team-b:sk-client-b-7890"}},
      config);
  const std::string addr =
      "127.0.0.1:" + std::to_string(harness.server().grpc_port());
  RunResult a = RunLlmgw({"--addr", addr, "generate", "hi"}, "",
                         {"LLMGW_CLIENT_KEY=sk-client-a-123456"});
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_THAT(a.err, StartsWith("error: FAILED_PRECONDITION: no model in the "
                                "plan supports chat"))
      << a.err;
  EXPECT_EQ(harness.upstream().RequestCount(), 0);
  RunResult b = RunLlmgw({"--addr", addr, "generate", "hi"}, "",
                         {"LLMGW_CLIENT_KEY=sk-client-b-7890"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_THAT(b.err, StartsWith("groq/llama-3.1-8b-instant | finish stop"));
  EXPECT_THAT(b.err, HasSubstr("skipped 0 ms: text-embedding-3-small on "
                               "openai does not support chat"));
}

}  // namespace
}  // namespace llmgw
