// The fake Cohere v2 upstream on the wire for the rich contract: the tool
// shapes it renders (reply and SSE), and the request shapes it refuses with
// Cohere's {"message": ...} 400 body, so a codec that sends a wrong shape
// fails loudly.

#include <string>

#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/behavior.h"
#include "tests/fake_upstream/fake_upstream.h"

namespace llmgw {
namespace {

using fake_upstream::Behavior;
using nlohmann::json;

class CohereFakeContractTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fake_.Start().ok()); }
  void TearDown() override { fake_.Stop(); }

  // "<status> <body>" of POST `path`.
  std::string Post(const std::string& body,
                   const std::string& path = "/v2/chat") {
    httplib::Client client("127.0.0.1", fake_.port());
    auto res = client.Post(path, {{"Authorization", "Bearer co-key"}}, body,
                           "application/json");
    return res ? std::to_string(res->status) + " " + res->body : "none";
  }

  fake_upstream::FakeUpstream fake_;
};

constexpr char kTool[] =
    R"({"type":"function","function":{"name":"get_weather",)"
    R"("parameters":{"type":"object","properties":{}}}})";

std::string Chat(const std::string& extra,
                 const std::string& messages = R"([{"role":"user",)"
                                               R"("content":"hi"}])") {
  return R"({"model":"command-r","messages":)" + messages + extra + "}";
}

TEST_F(CohereFakeContractTest, RendersToolCallsInReplyAndStream) {
  fake_.Enqueue(Behavior::Text("plan it").WithToolCalls(
      {{"call_1", "get_weather", R"({"city":"Paris"})"}}));
  std::string reply = Post(Chat(std::string(",\"tools\":[") + kTool + "]"));
  ASSERT_EQ(reply.substr(0, 4), "200 ");
  json body = json::parse(reply.substr(4));
  EXPECT_EQ(body["finish_reason"], "TOOL_CALL");
  EXPECT_EQ(body["message"]["tool_plan"], "plan it");
  EXPECT_EQ(body["message"]["tool_calls"], json::parse(R"([{"id":"call_1",
      "type":"function","function":{"name":"get_weather",
      "arguments":"{\"city\":\"Paris\"}"}}])"));
  EXPECT_FALSE(body["message"].contains("content"));

  fake_.Enqueue(Behavior::Text("plan it").WithToolCalls(
      {{"call_1", "get_weather", R"({"city":"Paris"})"}}));
  std::string stream =
      Post(Chat(std::string(",\"stream\":true,\"tools\":[") + kTool + "]"));
  ASSERT_EQ(stream.substr(0, 4), "200 ");
  EXPECT_NE(stream.find("event: tool-plan-delta\ndata: {\"type\":"
                        "\"tool-plan-delta\",\"delta\":{\"message\":"
                        "{\"tool_plan\":\"plan \"}}}"),
            std::string::npos);
  EXPECT_NE(stream.find(R"("type":"tool-call-start","index":0,"delta":)"
                        R"({"message":{"tool_calls":{"id":"call_1",)"
                        R"("type":"function","function":{"name":)"
                        R"("get_weather","arguments":""}}}})"),
            std::string::npos);
  // {"city":"Paris"} (16 bytes) in three pieces of 6.
  EXPECT_NE(stream.find(R"({"function":{"arguments":"{\"city"}})"),
            std::string::npos)
      << stream;
  EXPECT_NE(stream.find("event: tool-call-end"), std::string::npos);
  EXPECT_EQ(stream.find("content-delta"), std::string::npos);
  EXPECT_NE(stream.find(R"("finish_reason":"TOOL_CALL")"), std::string::npos);
}

TEST_F(CohereFakeContractTest, ReportsCachedTokens) {
  fake_upstream::Usage usage;
  usage.prompt_tokens = 10;
  usage.completion_tokens = 2;
  usage.cached_tokens = 4;
  fake_.Enqueue(Behavior::Ok().WithUsage(usage));
  json body = json::parse(Post(Chat("")).substr(4));
  EXPECT_EQ(body["usage"]["cached_tokens"], 4);
  EXPECT_EQ(body["usage"]["billed_units"]["input_tokens"], 10);
}

TEST_F(CohereFakeContractTest, RefusesMalformedContractShapes) {
  const std::string tools = std::string(",\"tools\":[") + kTool + "]";
  auto starts = [](const std::string& reply, const std::string& prefix) {
    return reply.rfind(prefix, 0) == 0;
  };
  EXPECT_TRUE(starts(Post(Chat(R"(,"tool_choice":"AUTO")" + tools)),
                     R"(400 {"message":"invalid request: tool_choice must)"));
  EXPECT_TRUE(
      starts(Post(Chat(R"(,"tool_choice":"REQUIRED")")),
             R"(400 {"message":"invalid request: tool_choice REQUIRED)"));
  EXPECT_TRUE(starts(Post(Chat(R"(,"tools":[{"type":"function"}])")), "400 "));
  EXPECT_TRUE(
      starts(Post(Chat(R"(,"response_format":{"type":"json_object"})" + tools)),
             "400 "));
  EXPECT_TRUE(starts(Post(Chat(R"(,"parallel_tool_calls":false)")), "400 "));
  EXPECT_TRUE(starts(Post(Chat(R"(,"presence_penalty":1.5)")), "400 "));
  // A tool result for a call no assistant message made.
  EXPECT_TRUE(starts(
      Post(Chat("", R"([{"role":"user","content":"hi"},)"
                    R"({"role":"tool","tool_call_id":"nope","content":"x"}])")),
      R"(400 {"message":"invalid request: messages[1].tool_call_id \"nope\")"));
  // Arguments must be a JSON string.
  EXPECT_TRUE(starts(
      Post(Chat("", R"([{"role":"user","content":"hi"},{"role":"assistant",)"
                    R"("tool_calls":[{"id":"c","type":"function","function":)"
                    R"({"name":"f","arguments":{}}}]}])")),
      "400 "));
  // Images: a bad data URI, and an image for a model without vision.
  const std::string image =
      R"([{"role":"user","content":[{"type":"image_url","image_url":)"
      R"({"url":"data:image/bmp;base64,AAAA"}}]}])";
  EXPECT_TRUE(starts(
      Post(R"({"model":"command-a-vision-07-2025","messages":)" + image + "}"),
      R"(400 {"message":"invalid request: messages[0].content[0].image_url.url)"));
  const std::string png =
      R"([{"role":"user","content":[{"type":"image_url","image_url":)"
      R"({"url":"https://example.com/a.png"}}]}])";
  EXPECT_EQ(Post(R"({"model":"command-r","messages":)" + png + "}"),
            R"(400 {"message":"invalid request: model 'command-r' does not )"
            R"(support image inputs."})");
  EXPECT_TRUE(starts(
      Post(R"({"model":"command-a-vision-07-2025","messages":)" + png + "}"),
      "200 "));
}

TEST_F(CohereFakeContractTest, EmbedChecksAndReplies) {
  std::string ok =
      Post(R"({"model":"embed-v4.0","texts":["a b","c"],)"
           R"("input_type":"search_query",)"
           R"("embedding_types":["float"],"output_dimension":256})",
           "/v2/embed");
  ASSERT_EQ(ok.substr(0, 4), "200 ");
  json body = json::parse(ok.substr(4));
  EXPECT_EQ(body["embeddings"]["float"].size(), 2u);
  EXPECT_EQ(body["embeddings"]["float"][0].size(), 256u);
  EXPECT_EQ(body["meta"]["billed_units"]["input_tokens"], 3);
  EXPECT_EQ(body["response_type"], "embeddings_by_type");
  EXPECT_TRUE(Post(R"({"model":"embed-v4.0","texts":["a"],)"
                   R"("embedding_types":["float"]})",
                   "/v2/embed")
                  .rfind("400 ", 0) == 0);  // input_type is required
  EXPECT_TRUE(Post(R"({"model":"embed-english-v3.0","texts":["a"],)"
                   R"("input_type":"search_query","embedding_types":["float"],)"
                   R"("output_dimension":256})",
                   "/v2/embed")
                  .rfind("400 ", 0) == 0);
}

}  // namespace
}  // namespace llmgw
