// Embeddings through the real gateway's Embed RPC and the fake Cohere
// /v2/embed: what is sent (input_type, embedding_types, output_dimension),
// the vectors, usage and cost at the catalog's embed price, and the models
// without output_dimension.

#include <grpcpp/grpcpp.h>

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using nlohmann::json;

std::map<std::string, std::string> CohereEnv() {
  return {{"COHERE_API_KEY", "co-test-key-0123456789"},
          {"COHERE_API_BASE", GatewayHarness::FakeBaseUrl("cohere")}};
}

grpc::Status Embed(GatewayHarness& h, const pb::EmbedRequest& request,
                   pb::EmbedResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  return h.stub().Embed(&context, request, response);
}

TEST(CohereEmbedE2eTest, VectorsUsageAndCost) {
  GatewayHarness h(CohereEnv());
  pb::EmbedRequest request;
  request.set_model("embed-v4.0");
  request.add_inputs("the quick brown fox");
  request.add_inputs("jumps");
  request.set_dimensions(256);
  request.set_input_type(pb::EMBED_INPUT_TYPE_SEARCH_QUERY);
  pb::EmbedResponse response;
  grpc::Status status = Embed(h, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.embeddings_size(), 2);
  EXPECT_EQ(response.embeddings(0).index(), 0);
  EXPECT_EQ(response.embeddings(0).values_size(), 256);
  EXPECT_EQ(response.embeddings(1).values_size(), 256);
  EXPECT_NE(response.embeddings(0).values(0), response.embeddings(1).values(0));
  EXPECT_EQ(response.provider(), "cohere");
  EXPECT_EQ(response.usage().input_tokens(), 5);
  EXPECT_EQ(response.usage().output_tokens(), 0);
  const int64_t expected = h.CatalogCost("cohere", "embed-v4.0", 5, 0);
  EXPECT_GT(expected, 0);
  EXPECT_EQ(response.cost_nano_usd(), expected);
  std::optional<fake_upstream::RecordedRequest> sent =
      h.upstream().LastRequest();
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->path, "/v2/embed");
  EXPECT_EQ(sent->JsonBody(), json::parse(R"({"model":"embed-v4.0",
      "texts":["the quick brown fox","jumps"],"input_type":"search_query",
      "embedding_types":["float"],"output_dimension":256})"));
}

TEST(CohereEmbedE2eTest, UnspecifiedInputTypeIsSearchDocument) {
  GatewayHarness h(CohereEnv());
  pb::EmbedRequest request;
  request.set_model("embed-english-v3.0");
  request.add_inputs("hello");
  pb::EmbedResponse response;
  grpc::Status status = Embed(h, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.embeddings_size(), 1);
  EXPECT_EQ(response.embeddings(0).values_size(), 1024);
  json sent = h.upstream().LastRequest()->JsonBody();
  EXPECT_EQ(sent["input_type"], "search_document");
  EXPECT_FALSE(sent.contains("output_dimension"));
}

TEST(CohereEmbedE2eTest, DimensionsOnAModelWithoutThemIsRefused) {
  GatewayHarness h(CohereEnv());
  pb::EmbedRequest request;
  request.set_model("embed-english-v3.0");
  request.add_inputs("hello");
  request.set_dimensions(256);
  pb::EmbedResponse response;
  grpc::Status status = Embed(h, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("dimensions"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("embed-english-v3.0"),
            std::string::npos);
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

}  // namespace
}  // namespace llmgw::testing
