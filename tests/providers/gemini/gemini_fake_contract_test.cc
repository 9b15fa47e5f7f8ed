// The fake Gemini API's rich contract (issue #13) against the API reference:
// it must refuse what the real API refuses (so the gateway's requests are
// checked as Google would check them) and render function calls, blocks,
// usage detail and embeddings in the documented shapes.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/behavior.h"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/fake_upstream/gemini/gemini_fake.h"

namespace llmgw::testing {
namespace {

using fake_upstream::Behavior;
using fake_upstream::FakeToolCall;
using fake_upstream::FakeUpstream;
using fake_upstream::Usage;
using nlohmann::json;

constexpr char kGenerate[] = "/v1beta/models/gemini-2.5-flash:generateContent";
constexpr char kStream[] =
    "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
constexpr char kBatch[] =
    "/v1beta/models/gemini-embedding-001:batchEmbedContents";

class GeminiFakeContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_upstream::FakeUpstreamOptions options;
    options.formats = {"gemini"};
    fake_ = std::make_unique<FakeUpstream>(options);
    ASSERT_TRUE(fake_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", fake_->port());
  }

  httplib::Result Post(const std::string& path, const json& body) {
    return client_->Post(path.c_str(), {{"x-goog-api-key", "AIza-test"}},
                         body.dump(), "application/json");
  }

  static json User(json parts) {
    return {{"role", "user"}, {"parts", std::move(parts)}};
  }

  static json WithTools(json declarations) {
    return {{"contents", json::array({User({{{"text", "hi"}}})})},
            {"tools", json::array({{{"functionDeclarations", declarations}}})}};
  }

  // Status and error.message of a reply.
  static std::pair<int, std::string> Error(const httplib::Result& r) {
    if (!r) return {0, ""};
    json body = json::parse(r->body, nullptr, false);
    if (!body.is_object() || !body.contains("error")) return {r->status, ""};
    return {r->status, body["error"]["message"].get<std::string>()};
  }

  std::unique_ptr<FakeUpstream> fake_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(GeminiFakeContractTest, RefusesJsonSchemaKeywordsOutsideTheSubset) {
  auto r = Post(kGenerate, WithTools(json::parse(R"([{"name": "f",
      "parameters": {"type": "object", "properties": {"a": {"type": "string"}},
                     "additionalProperties": false}}])")));
  auto [status, message] = Error(r);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(message,
            "Invalid JSON payload received. Unknown name "
            "\"additionalProperties\" at "
            "'tools[0].function_declarations[0].parameters': Cannot find "
            "field.");
  r = Post(kGenerate,
           WithTools(json::parse(
               R"([{"name": "f", "parameters": {"type": "OBJECT"}}])")));
  EXPECT_EQ(Error(r).second,
            "* GenerateContentRequest.tools[0].function_declarations[0]."
            "parameters.properties: should be non-empty for OBJECT type\n");
  r = Post(kGenerate, WithTools(json::parse(R"([{"name": "2bad"}])")));
  EXPECT_EQ(Error(r).first, 400);
  EXPECT_EQ(fake_->RequestCount(), 3);
}

TEST_F(GeminiFakeContractTest, ChecksToolConfigAgainstTheDeclarations) {
  json body = WithTools(json::parse(R"([{"name": "get_weather"}])"));
  body["toolConfig"] = json::parse(R"({"functionCallingConfig":
      {"mode": "ANY", "allowedFunctionNames": ["get_time"]}})");
  auto [status, message] = Error(Post(kGenerate, body));
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(absl::StrContains(message, "allowed_function_names[0]"))
      << message;
  body["toolConfig"]["functionCallingConfig"]["mode"] = "SOMETIMES";
  EXPECT_EQ(Error(Post(kGenerate, body)).first, 400);
  body["toolConfig"] = json::parse(R"({"functionCallingConfig":
      {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}})");
  EXPECT_EQ(Post(kGenerate, body)->status, 200);
}

TEST_F(GeminiFakeContractTest, ChecksImagesAndFunctionTurns) {
  auto gif = Post(
      kGenerate,
      {{"contents",
        json::array({User(json::parse(
            R"([{"inlineData": {"mimeType": "image/gif", "data": "R0lGODlh"}}])"))})}});
  EXPECT_EQ(
      Error(gif),
      std::make_pair(400, std::string("Unsupported MIME type: image/gif")));
  auto bad64 = Post(
      kGenerate,
      {{"contents",
        json::array({User(json::parse(
            R"([{"inlineData": {"mimeType": "image/png", "data": "***"}}])"))})}});
  EXPECT_TRUE(absl::StrContains(Error(bad64).second, "Base64 decoding failed"));
  auto ftp = Post(
      kGenerate,
      {{"contents",
        json::array({User(json::parse(
            R"([{"fileData": {"mimeType": "image/png", "fileUri": "ftp://x/y.png"}}])"))})}});
  EXPECT_EQ(Error(ftp).first, 400);
  auto https =
      Post(kGenerate,
           {{"contents",
             json::array({User(json::parse(
                 R"([{"text": "look"}, {"fileData": {"mimeType": "image/png",
          "fileUri": "https://example.com/y.png"}}])"))})}});
  EXPECT_EQ(https->status, 200);

  // Two calls answered by one response.
  json turns = json::parse(R"([
    {"role": "user", "parts": [{"text": "weather and time?"}]},
    {"role": "model", "parts": [
      {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
      {"functionCall": {"name": "now", "args": {}}}]},
    {"role": "user", "parts": [
      {"functionResponse": {"name": "get_weather", "response": {"t": 21}}}]}])");
  EXPECT_EQ(Error(Post(kGenerate, {{"contents", turns}})).second,
            "Please ensure that the number of function response parts is "
            "equal to the number of function call parts of the function call "
            "turn.");
  turns[2]["parts"].push_back(json::parse(
      R"({"functionResponse": {"name": "now", "response": {"output": "12:00"}}})"));
  auto ok = Post(kGenerate, {{"contents", turns}});
  ASSERT_EQ(ok->status, 200) << ok->body;
  // The echo answers the function responses.
  EXPECT_EQ(
      json::parse(ok->body)["candidates"][0]["content"]["parts"][0]["text"],
      R"(Echo: {"t":21} {"output":"12:00"})");
}

TEST_F(GeminiFakeContractTest, ChecksResponseSchemaAndMimeType) {
  json body = {
      {"contents", json::array({User({{{"text", "x"}}})})},
      {"generationConfig", {{"responseSchema", {{"type", "STRING"}}}}}};
  EXPECT_EQ(Error(Post(kGenerate, body)).first, 400);
  body["generationConfig"]["responseMimeType"] = "application/json";
  EXPECT_EQ(Post(kGenerate, body)->status, 200);
  body["generationConfig"]["responseSchema"] = {{"type", "OBJECT"},
                                                {"$schema", "x"}};
  EXPECT_TRUE(absl::StrContains(Error(Post(kGenerate, body)).second,
                                "Unknown name \"$schema\""));
}

TEST_F(GeminiFakeContractTest, RendersFunctionCallsUsageAndBlocks) {
  Usage usage;
  usage.prompt_tokens = 100;
  usage.completion_tokens = 30;
  usage.cached_tokens = 60;
  usage.reasoning_tokens = 10;
  fake_->Enqueue(
      Behavior::Ok()
          .WithToolCalls({{"", "get_weather", R"({"city":"Paris"})"}})
          .WithUsage(usage));
  auto r =
      Post(kGenerate, {{"contents", json::array({User({{{"text", "w?"}}})})}});
  ASSERT_EQ(r->status, 200);
  json reply = json::parse(r->body);
  const json& parts = reply["candidates"][0]["content"]["parts"];
  ASSERT_EQ(parts.size(), 2u) << r->body;
  EXPECT_EQ(
      parts[1]["functionCall"],
      json::parse(R"({"name": "get_weather", "args": {"city": "Paris"}})"));
  EXPECT_EQ(reply["candidates"][0]["finishReason"], "STOP");
  EXPECT_EQ(reply["usageMetadata"]["promptTokenCount"], 100);
  EXPECT_EQ(reply["usageMetadata"]["candidatesTokenCount"], 20);
  EXPECT_EQ(reply["usageMetadata"]["thoughtsTokenCount"], 10);
  EXPECT_EQ(reply["usageMetadata"]["cachedContentTokenCount"], 60);
  EXPECT_EQ(reply["usageMetadata"]["totalTokenCount"], 130);

  // Streamed: each call whole in its own event, before the last one.
  fake_->Enqueue(
      Behavior::Ok().WithToolCalls({{"", "a", R"({"x":1})"}, {"", "b", "{}"}}));
  auto s =
      Post(kStream, {{"contents", json::array({User({{{"text", "go"}}})})}});
  ASSERT_EQ(s->status, 200);
  std::vector<json> events;
  for (absl::string_view line : absl::StrSplit(s->body, "\r\n\r\n")) {
    if (absl::ConsumePrefix(&line, "data: "))
      events.push_back(json::parse(line));
  }
  ASSERT_GE(events.size(), 3u);
  const size_t n = events.size();
  EXPECT_EQ(events[n - 3]["candidates"][0]["content"]["parts"][0]
                  ["functionCall"]["name"],
            "a");
  EXPECT_EQ(events[n - 2]["candidates"][0]["content"]["parts"][0]
                  ["functionCall"]["name"],
            "b");
  EXPECT_EQ(events[n - 1]["candidates"][0]["finishReason"], "STOP");

  fake_->Enqueue(Behavior::Ok().WithBlockReason("PROHIBITED_CONTENT"));
  json blocked = json::parse(
      Post(kGenerate, {{"contents", json::array({User({{{"text", "x"}}})})}})
          ->body);
  EXPECT_FALSE(blocked.contains("candidates"));
  EXPECT_EQ(blocked["promptFeedback"]["blockReason"], "PROHIBITED_CONTENT");
}

TEST_F(GeminiFakeContractTest, EmbedsDeterministicallyWithinTheBatchLimit) {
  json request = {{"model", "models/gemini-embedding-001"},
                  {"content", {{"parts", json::array({{{"text", "hello"}}})}}},
                  {"taskType", "RETRIEVAL_DOCUMENT"},
                  {"outputDimensionality", 4}};
  auto r = Post(kBatch, {{"requests", json::array({request, request})}});
  ASSERT_EQ(r->status, 200) << r->body;
  json reply = json::parse(r->body);
  ASSERT_EQ(reply["embeddings"].size(), 2u);
  ASSERT_EQ(reply["embeddings"][0]["values"].size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(reply["embeddings"][0]["values"][i].get<float>(),
              fake_upstream::gemini_fake::FakeEmbeddingValue("hello", i));
  }
  EXPECT_FALSE(reply.contains("usageMetadata"));  // as the real API

  json many = {{"requests", json::array()}};
  for (int i = 0; i < 101; ++i) many["requests"].push_back(request);
  EXPECT_EQ(Error(Post(kBatch, many)).second,
            "* BatchEmbedContentsRequest.requests: at most 100 requests can "
            "be in one batch\n");
  request["taskType"] = "NOT_A_TASK";
  EXPECT_EQ(Error(Post(kBatch, {{"requests", json::array({request})}})).first,
            400);
  EXPECT_EQ(Error(Post("/v1beta/models/gemini-2.5-flash:batchEmbedContents",
                       {{"requests", json::array()}}))
                .first,
            404);
}

}  // namespace
}  // namespace llmgw::testing
