// Embed end to end: the real gateway (generated stub, event loop, HTTP
// client) in front of the fake OpenAI API's POST /v1/embeddings. The vectors
// come back one per input in order,
// the call is charged to the budget like Generate (the Budget RPC's spend
// grows by exactly the reported cost, nothing stays reserved), Status shows
// the embedding model's features, and the metrics tell Embed calls apart.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/gateway_harness.h"
#include "tests/gateway_process.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;

constexpr char kEmbedModel[] = "text-embedding-3-small";
// The catalog price of text-embedding-3-small: $0.02 per million tokens.
constexpr int64_t kNanoUsdPerToken = 20;

std::map<std::string, std::string> OpenAiEnv() {
  return {{"OPENAI_API_KEY", "sk-test-key-0123456789"}};
}

grpc::Status Embed(GatewayHarness& h, const pb::EmbedRequest& request,
                   pb::EmbedResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return h.stub().Embed(&context, request, response);
}

TEST(EmbedE2eTest, VectorsInOrderChargedToTheBudget) {
  GatewayHarness h(OpenAiEnv(), {}, /*serve_metrics=*/true);
  const int64_t spent_before = h.Budget().spent_nano_usd();
  pb::EmbedRequest request;
  request.set_model(kEmbedModel);
  for (const char* text : {"alpha beta gamma", "delta", "epsilon zeta"}) {
    request.add_inputs(text);
  }
  request.set_dimensions(4);
  request.set_request_id("emb-1");
  pb::EmbedResponse response;
  grpc::Status status = Embed(h, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_EQ(response.embeddings_size(), 3);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(response.embeddings(e).index(), e);
    EXPECT_EQ(response.embeddings(e).values_size(), 4);
  }
  EXPECT_NE(response.embeddings(0).values(0), response.embeddings(1).values(0));
  const nlohmann::json sent = h.upstream().LastRequest()->JsonBody();
  EXPECT_EQ(sent["model"], kEmbedModel);
  EXPECT_EQ(sent["dimensions"], 4);
  EXPECT_EQ(sent["input"].size(), 3u);
  EXPECT_EQ(response.provider(), "openai");
  EXPECT_EQ(response.model(), kEmbedModel);
  EXPECT_EQ(response.request_id(), "emb-1");
  ASSERT_EQ(response.attempts_size(), 1);
  EXPECT_EQ(response.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  // The fake counts words: 3 + 1 + 2 prompt tokens, reported (not estimated).
  EXPECT_EQ(response.usage().input_tokens(), 6);
  EXPECT_EQ(response.usage().output_tokens(), 0);
  EXPECT_FALSE(response.usage().estimated());
  EXPECT_EQ(response.cost_nano_usd(), 6 * kNanoUsdPerToken);

  // Charged like generation: the spend grows by exactly the cost.
  pb::BudgetResponse after = h.SettledBudget();
  EXPECT_EQ(after.spent_nano_usd(), spent_before + response.cost_nano_usd());
  EXPECT_EQ(after.reserved_nano_usd(), 0);

  absl::StatusOr<std::string> metrics =
      HttpGet(h.server().metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_NE(
      metrics->find("llmgw_requests_total{code=\"OK\",method=\"Embed\"} 1"),
      std::string::npos);
  EXPECT_NE(metrics->find("llmgw_embed_inputs_total{provider=\"openai\"} 3"),
            std::string::npos);
  EXPECT_NE(metrics->find("llmgw_gateway_overhead_seconds_count{method="
                          "\"Embed\"} 1"),
            std::string::npos);
  // Generate's series did not move.
  EXPECT_NE(
      metrics->find("llmgw_requests_total{code=\"OK\",method=\"Generate\"} 0"),
      std::string::npos);
}

TEST(EmbedE2eTest, StatusListsTheEmbeddingModelsFeatures) {
  GatewayHarness h(OpenAiEnv());
  pb::StatusResponse status = h.Status();
  bool found = false;
  for (const pb::ProviderStatus& p : status.providers()) {
    if (p.name() != "openai") continue;
    for (const pb::ModelInfo& m : p.models()) {
      if (m.name() != kEmbedModel) continue;
      found = true;
      EXPECT_NE(
          std::find(m.features().begin(), m.features().end(), "embeddings"),
          m.features().end());
      EXPECT_GT(m.input_nano_usd_per_million(), 0);
    }
  }
  EXPECT_TRUE(found) << "no " << kEmbedModel << " in Status";
}

TEST(EmbedE2eTest, NoModelMeansThePrimarysDefaultEmbeddingModel) {
  GatewayHarness h(OpenAiEnv());
  // The first catalog model with the "embeddings" feature, as Status shows.
  std::string expected;
  const pb::StatusResponse gateway_status = h.Status();
  for (const pb::ProviderStatus& p : gateway_status.providers()) {
    if (p.name() != "openai") continue;
    for (const pb::ModelInfo& m : p.models()) {
      if (expected.empty() &&
          std::find(m.features().begin(), m.features().end(), "embeddings") !=
              m.features().end()) {
        expected = m.name();
      }
    }
  }
  ASSERT_FALSE(expected.empty());
  pb::EmbedRequest request;
  request.add_inputs("hello");
  pb::EmbedResponse response;
  grpc::Status status = Embed(h, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.model(), expected);
  EXPECT_EQ(response.embeddings_size(), 1);
  EXPECT_EQ(h.upstream().LastRequest()->path, "/v1/embeddings");
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["model"], expected);
}

TEST(EmbedE2eTest, VectorsFollowTheirInputs) {
  GatewayHarness h(OpenAiEnv());
  pb::EmbedRequest forward;
  forward.set_model(kEmbedModel);
  forward.add_inputs("first text");
  forward.add_inputs("second text");
  pb::EmbedRequest backward = forward;
  backward.clear_inputs();
  backward.add_inputs("second text");
  backward.add_inputs("first text");
  pb::EmbedResponse a, b;
  ASSERT_TRUE(Embed(h, forward, &a).ok());
  ASSERT_TRUE(Embed(h, backward, &b).ok());
  ASSERT_EQ(a.embeddings_size(), 2);
  ASSERT_EQ(b.embeddings_size(), 2);
  EXPECT_EQ(a.embeddings(0).values_size(), 1536);  // the model's native length
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(a.embeddings(i).index(), i);
    EXPECT_EQ(b.embeddings(i).index(), i);
  }
  auto values = [](const pb::Embedding& e) {
    return std::vector<float>(e.values().begin(), e.values().end());
  };
  EXPECT_EQ(values(a.embeddings(0)), values(b.embeddings(1)));
  EXPECT_EQ(values(a.embeddings(1)), values(b.embeddings(0)));
  EXPECT_NE(values(a.embeddings(0)), values(a.embeddings(1)));
}

TEST(EmbedE2eTest, AnUpstreamRefusalChargesNothing) {
  GatewayHarness h(OpenAiEnv());
  const int64_t spent_before = h.Budget().spent_nano_usd();
  pb::EmbedRequest request;
  // ada-002 has no shortened vectors: the API answers 400.
  request.set_model("text-embedding-ada-002");
  request.set_dimensions(8);
  request.add_inputs("hello");
  pb::EmbedResponse response;
  grpc::Status status = Embed(h, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_EQ(response.embeddings_size(), 0);
  EXPECT_EQ(h.upstream().LastRequest()->path, "/v1/embeddings");
  pb::BudgetResponse after = h.SettledBudget();
  EXPECT_EQ(after.spent_nano_usd(), spent_before);
  EXPECT_EQ(after.reserved_nano_usd(), 0);
}

}  // namespace
}  // namespace llmgw::testing
