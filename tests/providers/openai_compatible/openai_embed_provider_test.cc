// Embeddings over the OpenAI wire format at the provider level: the real
// HttpProvider (providers/common/http_provider.cc) with the openai preset's
// codec, a real HttpClient on a real EventLoop, and the fake OpenAI upstream
// on loopback serving POST /v1/embeddings. (The Embed RPC is being added to
// the service in parallel; this covers the provider half end to end.)
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "nlohmann/json.hpp"
#include "providers/common/http_provider.h"
#include "providers/openai_compatible/openai_compatible_catalog.h"
#include "providers/openai_compatible/openai_compatible_codec.h"
#include "tests/fake_upstream/fake_upstream.h"

namespace llmgw {
namespace {

using nlohmann::json;

class EmbedProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.Start().ok());
    auto loop = http::EventLoop::Create("embed-test");
    ASSERT_TRUE(loop.ok()) << loop.status();
    loop_ = *std::move(loop);
    client_ = http::HttpClient::Create(loop_.get());
    for (ProviderSpec& spec : OpenAiCompatiblePresets()) {
      if (spec.name != "openai") continue;
      ProviderContext context;
      context.http_client = client_.get();
      context.base_url = fake_.base_url("openai");
      provider_ =
          MakeHttpProvider(spec, context,
                           std::make_unique<OpenAiCompatibleCodec>(
                               OpenAiCompatibleOptions::FromSpec(spec)));
    }
    ASSERT_NE(provider_, nullptr);
  }

  void TearDown() override {
    provider_.reset();
    client_.reset();
    loop_.reset();
    fake_.Stop();
  }

  ProviderOutcome Embed(std::vector<std::string> inputs, int dimensions,
                        const std::string& model = "text-embedding-3-small") {
    ProviderRequest request;
    request.operation = Operation::kEmbed;
    request.model = model;
    request.embed.inputs = std::move(inputs);
    request.embed.dimensions = dimensions;
    CallOptions options;
    options.api_key = "sk-test-embed-0123456789";
    options.deadline = absl::Now() + absl::Seconds(10);
    ProviderOutcome outcome;
    absl::Notification done;
    auto call = provider_->Generate(std::move(request), std::move(options),
                                    [&](ProviderOutcome o) {
                                      outcome = std::move(o);
                                      done.Notify();
                                    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(15)));
    return outcome;
  }

  fake_upstream::FakeUpstream fake_;
  std::unique_ptr<http::EventLoop> loop_;
  std::unique_ptr<http::HttpClient> client_;
  std::unique_ptr<ILLMProvider> provider_;
};

TEST_F(EmbedProviderTest, VectorsInInputOrderWithDimensionsAndUsage) {
  ProviderOutcome first = Embed({"hello there world", "second input"}, 16);
  ASSERT_FALSE(first.error) << first.error->message;
  ASSERT_EQ(first.reply.embeddings.size(), 2u);
  EXPECT_EQ(first.reply.embeddings[0].size(), 16u);
  EXPECT_EQ(first.reply.embeddings[1].size(), 16u);
  EXPECT_NE(first.reply.embeddings[0], first.reply.embeddings[1]);
  EXPECT_EQ(first.reply.usage.input_tokens, 5);  // 3 + 2 words
  EXPECT_EQ(first.reply.usage.output_tokens, 0);
  EXPECT_TRUE(first.reply.usage.reported);
  EXPECT_EQ(first.reply.model, "text-embedding-3-small");
  auto last = fake_.LastRequest();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->path, "/v1/embeddings");
  EXPECT_EQ(last->Header("authorization"), "Bearer sk-test-embed-0123456789");
  EXPECT_EQ(last->JsonBody(),
            json::parse(R"({"model":"text-embedding-3-small","input":
              ["hello there world","second input"],"encoding_format":"float",
              "dimensions":16})"));

  // Deterministic per input, whatever its position.
  ProviderOutcome second = Embed({"second input", "hello there world"}, 16);
  ASSERT_FALSE(second.error) << second.error->message;
  EXPECT_EQ(second.reply.embeddings[0], first.reply.embeddings[1]);
  EXPECT_EQ(second.reply.embeddings[1], first.reply.embeddings[0]);

  // The model's native length without dimensions.
  ProviderOutcome native = Embed({"x"}, 0, "text-embedding-3-large");
  ASSERT_FALSE(native.error) << native.error->message;
  EXPECT_EQ(native.reply.embeddings[0].size(), 3072u);
}

TEST_F(EmbedProviderTest, UpstreamRejectionIsAnInvalidRequest) {
  // ada-002 has a fixed length: OpenAI (and the fake) reject "dimensions".
  ProviderOutcome outcome = Embed({"x"}, 8, "text-embedding-ada-002");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kInvalidRequest)
      << outcome.error->message;
  EXPECT_EQ(outcome.error->http_status, 400);
}

}  // namespace
}  // namespace llmgw
