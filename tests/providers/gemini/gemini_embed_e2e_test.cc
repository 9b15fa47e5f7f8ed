// Embeddings through the gateway's Embed RPC in front of the fake Gemini
// API (batchEmbedContents): vectors, taskType / outputDimensionality on the
// wire, estimated usage and its cost (the Gemini API reports no usage for
// embeddings). Needs the Embed RPC (service/embed.cc, h-service).
#include <grpcpp/grpcpp.h>

#include <map>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/fake_upstream/gemini/gemini_fake.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using nlohmann::json;

constexpr char kKey[] = "AIzaSyFakeGeminiKey-0123456789abcdefghi";

std::map<std::string, std::string> GeminiEnv() {
  return {{"GEMINI_API_KEY", kKey},
          {"GEMINI_API_BASE", GatewayHarness::FakeBaseUrl("gemini")}};
}

TEST(GeminiEmbedE2eTest, EmbeddingsThroughTheEmbedRpc) {
  GatewayHarness h(GeminiEnv());
  pb::EmbedRequest request;
  request.set_model("gemini-embedding-001");
  request.add_inputs("first document");
  request.add_inputs("second");
  request.set_dimensions(8);
  request.set_input_type(pb::EMBED_INPUT_TYPE_SEARCH_DOCUMENT);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  pb::EmbedResponse response;
  grpc::Status status = h.stub().Embed(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.embeddings_size(), 2);
  for (int e = 0; e < 2; ++e) {
    EXPECT_EQ(response.embeddings(e).index(), e);
    ASSERT_EQ(response.embeddings(e).values_size(), 8);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(
          response.embeddings(e).values(i),
          fake_upstream::gemini_fake::FakeEmbeddingValue(request.inputs(e), i));
    }
  }
  EXPECT_EQ(response.provider(), "gemini");
  // The Gemini API reports no usage for embeddings: the gateway estimates
  // and charges the estimate at $0.15 per million input tokens.
  EXPECT_TRUE(response.usage().estimated());
  EXPECT_GT(response.usage().input_tokens(), 0);
  EXPECT_EQ(response.cost_nano_usd(), response.usage().input_tokens() * 150);
  auto sent = h.upstream().LastRequest();
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->path,
            "/v1beta/models/gemini-embedding-001:batchEmbedContents");
  const json expected = json::parse(R"({"requests": [
    {"model": "models/gemini-embedding-001",
     "content": {"parts": [{"text": "first document"}]},
     "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 8},
    {"model": "models/gemini-embedding-001",
     "content": {"parts": [{"text": "second"}]},
     "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 8}]})");
  EXPECT_EQ(sent->JsonBody(), expected);
}

}  // namespace
}  // namespace llmgw::testing
