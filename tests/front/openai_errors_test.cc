// Issue 12's "Done means" for the HTTP front, end to end (real gateway, fake
// upstream, raw HTTP on loopback): 429 with Retry-After from a tenant's rate
// limit, invalid UTF-8 and over-cap message lists as 400 naming the field,
// the request id echoed, and /v1/models' shape.
#include <string>

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
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";

HttpReply Chat(GatewayHarness& h, const std::string& body,
               const std::string& headers = "") {
  return HttpCall(h.server().http_port(), "POST", "/v1/chat/completions", body,
                  headers);
}

json ErrorOf(const HttpReply& r) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("error")) {
    ADD_FAILURE() << "not OpenAI error JSON: " << r.body;
    return json::object();
  }
  return j["error"];
}

TEST(OpenAiErrorsTest, RateLimitedTenantGets429WithRetryAfter) {
  GatewayConfig config;
  TenantPolicy one;
  one.requests_per_minute = 1;
  config.auth.tenants["team-r"] = one;
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_CLIENT_KEYS", "team-r:sk-front-r-1234567890"}},
                   config);
  const std::string auth = "Authorization: Bearer sk-front-r-1234567890\r\n";
  h.upstream().Enqueue(Behavior::Text("first"));
  HttpReply ok = Chat(h, kChat, auth);
  ASSERT_EQ(ok.status, 200) << ok.body;

  HttpReply limited = Chat(h, kChat, auth);
  EXPECT_EQ(limited.status, 429) << limited.body;
  json e = ErrorOf(limited);
  EXPECT_EQ(e["type"], "rate_limit_error") << limited.body;
  ASSERT_TRUE(limited.headers.count("retry-after")) << limited.body;
  int seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(limited.headers["retry-after"], &seconds));
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 60);
  // 429 is retryable: no x-should-retry: false.
  EXPECT_EQ(limited.headers.count("x-should-retry"), 0u);
  EXPECT_FALSE(limited.headers["x-request-id"].empty());
  EXPECT_EQ(h.upstream().RequestCount(), 1);
}

TEST(OpenAiErrorsTest, BudgetRefusalIs429WithRetryAfterTheWindowEnd) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_HOURLY_BUDGET", "0.000000001"}});
  HttpReply r = Chat(h, kChat);
  EXPECT_EQ(r.status, 429) << r.body;
  json e = ErrorOf(r);
  // OpenAI's own type for an exhausted quota; the code is the reason.
  EXPECT_EQ(e["type"], "insufficient_quota") << r.body;
  EXPECT_EQ(e["code"], "budget_exhausted") << r.body;
  ASSERT_TRUE(r.headers.count("retry-after")) << r.body;
  int seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(r.headers["retry-after"], &seconds));
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 3600);
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

TEST(OpenAiErrorsTest, InvalidUtf8IsA400NotACrash) {
  GatewayHarness h;
  const std::string bad =
      std::string(
          R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"ab)") +
      "\xC3\x28" + R"("}]})";
  HttpReply r = Chat(h, bad, "x-request-id: utf8-check-1\r\n");
  EXPECT_EQ(r.status, 400) << r.body;
  json e = ErrorOf(r);
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_NE(e["message"].get<std::string>().find("UTF-8"), std::string::npos)
      << r.body;
  EXPECT_EQ(r.headers["x-request-id"], "utf8-check-1");
  EXPECT_EQ(r.headers["x-should-retry"], "false");
  EXPECT_EQ(h.upstream().RequestCount(), 0);
  // The gateway still serves.
  h.upstream().Enqueue(Behavior::Text("still here"));
  EXPECT_EQ(Chat(h, kChat).status, 200);
}

TEST(OpenAiErrorsTest, TooManyMessagesIsA400NamingMessages) {
  GatewayHarness h;
  json body = {{"model", "gpt-4o-mini"}, {"messages", json::array()}};
  for (int i = 0; i < 1025; ++i) {
    body["messages"].push_back({{"role", "user"}, {"content", "x"}});
  }
  HttpReply r = Chat(h, body.dump());
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorOf(r)["param"], "messages") << r.body;
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

TEST(OpenAiErrorsTest, ModelsIsAnOpenAiList) {
  GatewayHarness h;
  HttpReply r = HttpCall(h.server().http_port(), "GET", "/v1/models", "");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_FALSE(j["data"].empty());
  for (const json& m : j["data"]) {
    EXPECT_EQ(m["object"], "model");
    EXPECT_TRUE(m["id"].is_string());
    EXPECT_TRUE(m["owned_by"].is_string());
  }
}

}  // namespace
}  // namespace llmgw::testing
