// The OpenAI-compatible HTTP front against a real in-process gateway and the
// fake upstream on loopback.
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/behavior.h"
#include "tests/front/http_test_client.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

using fake_upstream::Behavior;
using nlohmann::json;

const char kChat[] =
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello front"}]})";

HttpReply Chat(GatewayHarness& h, const std::string& body,
               const std::string& headers = "") {
  return HttpCall(h.server().http_port(), "POST", "/v1/chat/completions", body,
                  headers);
}

TEST(FrontTest, ChatCompletionWithHeaders) {
  GatewayHarness h;
  h.upstream().Enqueue(
      Behavior::Text("hi there")
          .WithUsage({.prompt_tokens = 11, .completion_tokens = 3}));
  HttpReply r = Chat(h, kChat, "x-request-id: my-req-1\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["id"], "chatcmpl-my-req-1");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "hi there");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 11);
  EXPECT_EQ(j["usage"]["completion_tokens"], 3);
  EXPECT_EQ(j["usage"]["total_tokens"], 14);
  EXPECT_EQ(r.headers["x-request-id"], "my-req-1");
  EXPECT_EQ(r.headers["x-llmgw-provider"], "openai");
  EXPECT_EQ(r.headers["x-llmgw-cost-nano-usd"],
            std::to_string(h.CatalogCost("openai", "gpt-4o-mini", 11, 3)));
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  // Without x-request-id one is generated.
  HttpReply r2 = Chat(h, kChat);
  ASSERT_EQ(r2.status, 200);
  EXPECT_EQ(r2.headers["x-request-id"].size(), 32u);
}

std::vector<json> Events(const std::string& body, bool* done) {
  std::vector<json> out;
  *done = false;
  for (absl::string_view ev : absl::StrSplit(body, "\n\n")) {
    if (!absl::ConsumePrefix(&ev, "data: ")) continue;
    if (ev == "[DONE]") {
      *done = true;
      continue;
    }
    out.push_back(json::parse(ev));
  }
  return out;
}

TEST(FrontTest, StreamedChunksEndWithDoneAndUsage) {
  GatewayHarness h;
  h.upstream().Enqueue(
      Behavior::Text("one two three")
          .WithUsage({.prompt_tokens = 5, .completion_tokens = 3}));
  HttpReply r = Chat(h, R"({"model":"gpt-4o-mini","stream":true,
      "stream_options":{"include_usage":true},
      "messages":[{"role":"user","content":"stream"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  bool done = false;
  std::vector<json> events = Events(r.body, &done);
  EXPECT_TRUE(done) << r.body;
  ASSERT_GE(events.size(), 3u) << r.body;
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i]["object"], "chat.completion.chunk");
    ASSERT_EQ(events[i]["choices"].size(), 1u);
    text += events[i]["choices"][0]["delta"].value("content", "");
  }
  EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(text, "one two three");
  EXPECT_EQ(events[events.size() - 2]["choices"][0]["finish_reason"], "stop");
  const json& usage = events.back();
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(usage["usage"]["completion_tokens"], 3);
  // Without include_usage: no usage chunk.
  HttpReply r2 = Chat(h, R"({"model":"gpt-4o-mini","stream":true,
      "messages":[{"role":"user","content":"stream"}]})");
  std::vector<json> e2 = Events(r2.body, &done);
  EXPECT_TRUE(done);
  for (const json& e : e2) EXPECT_FALSE(e.contains("usage"));
}

TEST(FrontTest, ModelsListsRoutableModels) {
  GatewayHarness h;
  HttpReply r = HttpCall(h.server().http_port(), "GET", "/v1/models", "");
  ASSERT_EQ(r.status, 200);
  json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "list");
  bool pinned = false;
  for (const json& m : j["data"]) {
    EXPECT_EQ(m["object"], "model");
    EXPECT_EQ(m["owned_by"], "openai");  // the only configured provider
    if (m["id"] == "openai/gpt-4o-mini") pinned = true;
  }
  EXPECT_TRUE(pinned) << r.body;
}

json ExpectError(const HttpReply& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  json j = json::parse(r.body, nullptr, false);
  EXPECT_TRUE(j.contains("error")) << r.body;
  if (!j.contains("error")) return json();
  EXPECT_TRUE(j["error"]["message"].is_string());
  EXPECT_TRUE(j["error"]["type"].is_string());
  EXPECT_TRUE(j["error"].contains("param"));
  EXPECT_TRUE(j["error"].contains("code"));
  return j["error"];
}

TEST(FrontTest, UnsupportedFieldIsRefusedNamingIt) {
  GatewayHarness h;
  json e = ExpectError(
      Chat(h, R"({"model":"gpt-4o-mini","tools":[{"type":"function"}],
      "messages":[{"role":"user","content":"x"}]})"),
      400);
  EXPECT_EQ(e["param"], "tools");
  e = ExpectError(Chat(h, R"({"model":"gpt-4o-mini","brand_new_knob":1,
      "messages":[{"role":"user","content":"x"}]})"),
                  400);
  EXPECT_EQ(e["param"], "brand_new_knob");
  EXPECT_NE(e["message"].get<std::string>().find("brand_new_knob"),
            std::string::npos);
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

TEST(FrontTest, ErrorStatuses) {
  GatewayHarness h;
  ExpectError(HttpCall(h.server().http_port(), "GET", "/v1/nothing", ""), 404);
  ExpectError(Chat(h, "{not json"), 400);
  json e = ExpectError(
      Chat(
          h,
          R"({"model":"unknown-model-7","messages":[{"role":"user","content":"x"}]})"),
      404);
  h.upstream().Enqueue(Behavior::HttpError(500));
  ExpectError(Chat(h, kChat), 503);
  h.upstream().Enqueue(Behavior::Hang(absl::Seconds(5)));
  ExpectError(Chat(h, kChat, "x-llmgw-timeout-ms: 300\r\n"), 504);
  HttpReply big = Chat(h, std::string(5 << 20, ' '));
  EXPECT_EQ(big.status, 413);  // Payload Too Large
}

TEST(FrontTest, BudgetExhaustedIs429) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_HOURLY_BUDGET", "0.000000001"}});
  json e = ExpectError(Chat(h, kChat), 429);
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

// With client keys configured the front authenticates like gRPC: the SDK's
// apiKey is the client key, the tenant (not a header) is the budget client,
// and the tenant's policy applies.
TEST(FrontTest, ClientKeysAuthenticateAndBindTheTenant) {
  GatewayConfig config;
  TenantPolicy narrow;
  narrow.allowed_models = {"gpt-4o"};
  config.auth.tenants["team-n"] = narrow;
  config.budget.scope_budgets["client:team-b"] = 1;  // covers no call
  GatewayHarness h(
      {{"OPENAI_API_KEY", "sk-test-key-0123456789"},
       {"LLMGW_CLIENT_KEYS",
        "team-a:sk-front-a-1234567890,team-b:sk-front-b-0987654321,"
        "team-n:sk-front-n-5555555555"}},
      config);
  ExpectError(Chat(h, kChat), 401);
  ExpectError(Chat(h, kChat, "Authorization: Bearer sk-wrong-key\r\n"), 401);
  EXPECT_EQ(h.upstream().RequestCount(), 0);

  h.upstream().Enqueue(Behavior::Text("hi team a"));
  HttpReply ok =
      Chat(h, kChat, "Authorization: Bearer sk-front-a-1234567890\r\n");
  EXPECT_EQ(ok.status, 200) << ok.body;

  // team-b cannot escape its budget by naming another client.
  json refused =
      ExpectError(Chat(h, kChat,
                       "Authorization: Bearer sk-front-b-0987654321\r\n"
                       "x-llmgw-client-id: team-a\r\n"),
                  429);
  EXPECT_NE(refused.dump().find("client:team-b"), std::string::npos)
      << refused.dump();
  // team-n may only use gpt-4o.
  ExpectError(Chat(h, kChat, "Authorization: Bearer sk-front-n-5555555555\r\n"),
              403);
  EXPECT_EQ(h.upstream().RequestCount(), 1);
}

}  // namespace
}  // namespace llmgw::testing
