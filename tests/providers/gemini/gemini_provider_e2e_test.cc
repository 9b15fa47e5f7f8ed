// The Gemini provider at the provider level (HttpProvider + GeminiCodec + a
// real HttpClient on an EventLoop) against the fake Gemini API on loopback:
// the rich contract (issue #13) across the wire without the gRPC layer, so
// the codec's requests are checked by the fake as Google checks them and
// its readings of the fake's replies are asserted.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "budget/pricing.h"
#include "gtest/gtest.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "nlohmann/json.hpp"
#include "providers/common/http_provider.h"
#include "providers/gemini/gemini_catalog.h"
#include "providers/gemini/gemini_codec.h"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/fake_upstream/gemini/gemini_fake.h"

namespace llmgw {
namespace {

using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;
using fake_upstream::Usage;
using nlohmann::json;

constexpr char kModel[] = "gemini-2.5-flash";

// Collects what a stream delivers (on the loop thread; read after done).
class Collector : public StreamSink {
 public:
  void OnDelta(absl::string_view text) override {
    text_.append(text.data(), text.size());
  }
  void OnToolCallDelta(const ToolCallDelta& delta) override {
    deltas_.push_back(delta);
  }
  std::string text_;
  std::vector<ToolCallDelta> deltas_;
};

class GeminiProviderE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_upstream::FakeUpstreamOptions options;
    options.formats = {"gemini"};
    fake_ = std::make_unique<FakeUpstream>(options);
    ASSERT_TRUE(fake_->Start().ok());
    auto loop = http::EventLoop::Create("gemini-e2e");
    ASSERT_TRUE(loop.ok());
    loop_ = *std::move(loop);
    client_ = http::HttpClient::Create(loop_.get());
    spec_ = GeminiPresets().front();
    ProviderContext context;
    context.http_client = client_.get();
    context.base_url = fake_->base_url("gemini");
    provider_ =
        MakeHttpProvider(spec_, context, std::make_unique<GeminiCodec>());
  }

  void TearDown() override {
    provider_.reset();
    client_.reset();
    loop_.reset();
  }

  ProviderOutcome Call(ProviderRequest request, StreamSink* sink = nullptr) {
    CallOptions options;
    options.api_key = "AIza-provider-e2e";
    options.stream_sink = sink;
    options.deadline = absl::Now() + absl::Seconds(10);
    absl::Notification done;
    ProviderOutcome result;
    provider_->Generate(std::move(request), options,
                        [&](ProviderOutcome outcome) {
                          result = std::move(outcome);
                          done.Notify();
                        });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(15)));
    return result;
  }

  static ProviderRequest Weather() {
    ProviderRequest request;
    request.model = kModel;
    request.messages = {{MessageRole::kUser, "weather in Paris?"}};
    request.tools = {{"get_weather", "Current weather",
                      R"({"type":"object","properties":{"city":)"
                      R"({"type":"string"}},"required":["city"],)"
                      R"("additionalProperties":false})"}};
    request.tool_choice.mode = ToolChoice::Mode::kRequired;
    return request;
  }

  json Sent() {
    auto sent = fake_->LastRequest();
    return sent.has_value() ? sent->JsonBody() : json();
  }

  std::unique_ptr<FakeUpstream> fake_;
  std::unique_ptr<http::EventLoop> loop_;
  std::unique_ptr<http::HttpClient> client_;
  ProviderSpec spec_;
  std::unique_ptr<ILLMProvider> provider_;
};

TEST_F(GeminiProviderE2eTest, ToolRoundTrip) {
  fake_->Enqueue(Behavior::Ok().WithToolCalls(
      {{"", "get_weather", R"({"city":"Paris"})"}}));
  ProviderOutcome call = Call(Weather());
  ASSERT_TRUE(call.ok()) << call.error->message;
  EXPECT_EQ(call.reply.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(call.reply.tool_calls.size(), 1u);
  EXPECT_EQ(call.reply.tool_calls[0].id, "call_0");
  EXPECT_EQ(Sent()["toolConfig"]["functionCallingConfig"]["mode"], "ANY");

  ProviderRequest second = Weather();
  Message assistant;
  assistant.role = MessageRole::kAssistant;
  assistant.tool_calls = call.reply.tool_calls;
  Message result;
  result.role = MessageRole::kTool;
  result.tool_call_id = "call_0";
  result.tool_name = "get_weather";
  result.content = "sunny, 21 C";
  second.messages.push_back(assistant);
  second.messages.push_back(result);
  ProviderOutcome answer = Call(second);
  ASSERT_TRUE(answer.ok()) << answer.error->message;
  EXPECT_EQ(answer.reply.finish_reason, FinishReason::kStop);
  EXPECT_EQ(answer.reply.text, R"(Echo: {"output":"sunny, 21 C"})");
  EXPECT_EQ(Sent()["contents"][2]["parts"][0]["functionResponse"],
            json::parse(R"({"name": "get_weather",
                            "response": {"output": "sunny, 21 C"}})"));
}

TEST_F(GeminiProviderE2eTest, StreamedToolCallsAndCachedUsage) {
  Usage usage;
  usage.prompt_tokens = 1000;
  usage.completion_tokens = 200;
  usage.cached_tokens = 800;
  usage.reasoning_tokens = 50;
  fake_->Enqueue(Behavior::Ok()
                     .WithToolCalls({{"", "get_weather", R"({"city":"Paris"})"},
                                     {"", "get_weather", R"({"city":"Rome"})"}})
                     .WithUsage(usage));
  Collector sink;
  ProviderOutcome outcome = Call(Weather(), &sink);
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  ASSERT_EQ(sink.deltas_.size(), 2u);
  EXPECT_EQ(sink.deltas_[1].index, 1);
  EXPECT_EQ(sink.deltas_[1].id, "call_1");
  EXPECT_EQ(json::parse(sink.deltas_[1].arguments_json_delta),
            json({{"city", "Rome"}}));
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(outcome.reply.tool_calls.size(), 2u);
  const TokenUsage& u = outcome.reply.usage;
  EXPECT_EQ(u.input_tokens, 1000);
  EXPECT_EQ(u.cached_input_tokens, 800);
  EXPECT_EQ(u.output_tokens, 200);
  EXPECT_EQ(u.reasoning_tokens, 50);
  // $0.30 input, $0.03 cached, $2.50 output per million (catalog).
  EXPECT_EQ(CallCostNanoUsd(spec_.FindModel(kModel), u),
            200 * 300 + 800 * 30 + 200 * 2'500);
}

TEST_F(GeminiProviderE2eTest, ImagesJsonSchemaAndBlocks) {
  ProviderRequest request;
  request.model = kModel;
  Message user;
  user.role = MessageRole::kUser;
  ContentPart text;
  text.text = "describe";
  ContentPart url;
  url.kind = ContentPart::Kind::kImage;
  url.image.url = "https://example.com/a.webp";
  ContentPart bytes;
  bytes.kind = ContentPart::Kind::kImage;
  bytes.image.data = "\x89PNG";
  bytes.image.mime_type = "image/png";
  user.parts = {text, url, bytes};
  request.messages = {user};
  request.response_format.type = ResponseFormat::Type::kJsonSchema;
  request.response_format.schema_name = "d";
  request.response_format.json_schema =
      R"({"type":"object","properties":{"what":{"type":"string"}}})";
  ProviderOutcome outcome = Call(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.reply.text, "Echo: describe");
  EXPECT_EQ(Sent()["generationConfig"]["responseSchema"]["type"], "OBJECT");

  fake_->Enqueue(Behavior::Ok().WithBlockReason("SAFETY"));
  Collector sink;
  ProviderOutcome blocked = Call(request, &sink);
  ASSERT_TRUE(blocked.ok());
  EXPECT_EQ(blocked.reply.finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(blocked.reply.block_reason, "SAFETY");
}

TEST_F(GeminiProviderE2eTest, RefusalsNeverReachTheApi) {
  ProviderRequest request = Weather();
  request.parallel_tool_calls = false;
  ProviderOutcome outcome = Call(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kInvalidRequest);
  EXPECT_TRUE(absl::StrContains(outcome.error->message, "parallel_tool_calls"))
      << outcome.error->message;
  EXPECT_TRUE(absl::StrContains(outcome.error->message, "gemini"));
  EXPECT_EQ(fake_->RequestCount(), 0);
}

TEST_F(GeminiProviderE2eTest, Embeddings) {
  ProviderRequest request;
  request.operation = Operation::kEmbed;
  request.model = "gemini-embedding-001";
  request.embed.inputs = {"alpha", "beta gamma"};
  request.embed.dimensions = 16;
  request.embed.input_type = EmbedInputType::kClustering;
  ProviderOutcome outcome = Call(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  ASSERT_EQ(outcome.reply.embeddings.size(), 2u);
  for (size_t e = 0; e < 2; ++e) {
    ASSERT_EQ(outcome.reply.embeddings[e].size(), 16u);
    for (int i = 0; i < 16; ++i) {
      EXPECT_EQ(outcome.reply.embeddings[e][i],
                fake_upstream::gemini_fake::FakeEmbeddingValue(
                    request.embed.inputs[e], i));
    }
  }
  EXPECT_FALSE(outcome.reply.usage.reported);
  EXPECT_EQ(Sent()["requests"][0]["taskType"], "CLUSTERING");
}

}  // namespace
}  // namespace llmgw
