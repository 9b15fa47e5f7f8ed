// Cohere embeddings at the provider level: the real HttpProvider with the
// Cohere codec on a real EventLoop + HttpClient against the fake /v2/embed on
// loopback. (cohere_embed_e2e_test goes through the gateway's Embed RPC.)

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "nlohmann/json.hpp"
#include "providers/cohere/cohere_catalog.h"
#include "providers/cohere/cohere_codec.h"
#include "providers/common/http_provider.h"
#include "registry/provider.h"
#include "registry/provider_factory.h"
#include "tests/fake_upstream/fake_upstream.h"

namespace llmgw {
namespace {

using nlohmann::json;

class CohereEmbedProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(upstream_.Start().ok());
    absl::StatusOr<std::unique_ptr<http::EventLoop>> loop =
        http::EventLoop::Create("co-embed");
    ASSERT_TRUE(loop.ok()) << loop.status();
    loop_ = *std::move(loop);
    client_ = http::HttpClient::Create(loop_.get());
    ProviderContext context;
    context.http_client = client_.get();
    context.base_url = upstream_.base_url("cohere");
    provider_ = MakeHttpProvider(CoherePresets()[0], context,
                                 std::make_unique<CohereCodec>());
  }

  void TearDown() override {
    provider_.reset();
    client_.reset();
    loop_.reset();
    upstream_.Stop();
  }

  ProviderOutcome Embed(std::string model, std::vector<std::string> inputs,
                        int32_t dimensions, EmbedInputType type) {
    ProviderRequest request;
    request.operation = Operation::kEmbed;
    request.model = std::move(model);
    request.embed.inputs = std::move(inputs);
    request.embed.dimensions = dimensions;
    request.embed.input_type = type;
    CallOptions options;
    options.api_key = "co-test-key-0123456789";
    options.deadline = absl::Now() + absl::Seconds(10);
    absl::Notification done;
    ProviderOutcome result;
    auto call = provider_->Generate(std::move(request), std::move(options),
                                    [&](ProviderOutcome outcome) {
                                      result = std::move(outcome);
                                      done.Notify();
                                    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(15)));
    return result;
  }

  fake_upstream::FakeUpstream upstream_;
  std::unique_ptr<http::EventLoop> loop_;
  std::unique_ptr<http::HttpClient> client_;
  std::unique_ptr<ILLMProvider> provider_;
};

TEST_F(CohereEmbedProviderTest, VectorsAndBilledUnits) {
  ProviderOutcome outcome =
      Embed("embed-v4.0", {"the quick brown fox", "jumps"}, 512,
            EmbedInputType::kClustering);
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  ASSERT_EQ(outcome.reply.embeddings.size(), 2u);
  EXPECT_EQ(outcome.reply.embeddings[0].size(), 512u);
  EXPECT_NE(outcome.reply.embeddings[0], outcome.reply.embeddings[1]);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 5);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 0);
  EXPECT_TRUE(outcome.reply.usage.reported);
  std::optional<fake_upstream::RecordedRequest> sent = upstream_.LastRequest();
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->path, "/v2/embed");
  EXPECT_EQ(sent->Header("authorization").value_or(""),
            "Bearer co-test-key-0123456789");
  EXPECT_EQ(sent->JsonBody(), json::parse(R"({"model":"embed-v4.0",
      "texts":["the quick brown fox","jumps"],"input_type":"clustering",
      "embedding_types":["float"],"output_dimension":512})"));

  // Deterministic: the same text gives the same vector.
  ProviderOutcome again =
      Embed("embed-v4.0", {"jumps"}, 512, EmbedInputType::kClustering);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.reply.embeddings[0], outcome.reply.embeddings[1]);
}

TEST_F(CohereEmbedProviderTest, DefaultsAndRefusals) {
  ProviderOutcome light = Embed("embed-english-light-v3.0", {"hello"}, 0,
                                EmbedInputType::kUnspecified);
  ASSERT_TRUE(light.ok()) << light.error->message;
  EXPECT_EQ(light.reply.embeddings[0].size(), 384u);
  EXPECT_EQ(upstream_.LastRequest()->JsonBody()["input_type"],
            "search_document");

  const int64_t before = upstream_.RequestCount();
  ProviderOutcome refused = Embed("embed-multilingual-v3.0", {"hello"}, 256,
                                  EmbedInputType::kSearchQuery);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error->error_class, ErrorClass::kInvalidRequest);
  EXPECT_NE(refused.error->message.find(
                "dimensions is not supported by Cohere embedding model "
                "embed-multilingual-v3.0"),
            std::string::npos)
      << refused.error->message;
  EXPECT_EQ(upstream_.RequestCount(), before);

  // The fake answers a missing model as Cohere does: 404 -> kModelNotFound.
  ProviderOutcome missing =
      Embed("unknown-embed", {"hello"}, 0, EmbedInputType::kSearchQuery);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error->error_class, ErrorClass::kModelNotFound);
}

}  // namespace
}  // namespace llmgw
