// The HTTP front runs the same dispatch as gRPC Generate: a `provider/model`
// pin routes there, a failed attempt is retried (audit llm_retry, attempts
// header), the fallback chain is gRPC's, and the call shows in the same
// metrics (llmgw_requests_total, llmgw_cost_nano_usd_total) as well as the
// front's own. Real gateway, fake upstream, raw HTTP on loopback.
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/behavior.h"
#include "tests/front/http_test_client.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

using fake_upstream::Behavior;
using nlohmann::json;

HttpReply Chat(GatewayHarness& h, const std::string& model,
               const std::string& headers = "") {
  const json body = {{"model", model},
                     {"messages", {{{"role", "user"}, {"content", "parity"}}}}};
  return HttpCall(h.server().http_port(), "POST", "/v1/chat/completions",
                  body.dump(), headers);
}

TEST(DispatchParityTest, PinRetryAuditAndMetricsAreGrpcs) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_RESILIENCE", "on"}},
                   GatewayConfig(), /*serve_metrics=*/true);
  // A pinned model, first attempt fails with 500, the retry answers.
  h.upstream().Enqueue(Behavior::HttpError(500));
  h.upstream().Enqueue(Behavior::Text("after a retry"));
  HttpReply r = Chat(h, "openai/gpt-4o-mini", "x-request-id: parity-req-1\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["x-llmgw-provider"], "openai");
  EXPECT_EQ(r.headers["x-llmgw-attempts"], "2") << r.body;
  EXPECT_EQ(r.headers["x-request-id"], "parity-req-1");
  int64_t cost = -1;
  ASSERT_TRUE(absl::SimpleAtoi(r.headers["x-llmgw-cost-nano-usd"], &cost));
  EXPECT_GT(cost, 0);
  json reply = json::parse(r.body);
  EXPECT_EQ(reply["id"], "chatcmpl-parity-req-1");
  EXPECT_EQ(reply["choices"][0]["message"]["content"], "after a retry");
  EXPECT_EQ(h.upstream().RequestCount(), 2);
  EXPECT_FALSE(h.audit().EventsOfType("llm_retry").empty());

  HttpReply m = HttpCall(h.server().metrics_port(), "GET", "/metrics", "");
  ASSERT_EQ(m.status, 200);
  for (const char* series :
       {"llmgw_requests_total{", "llmgw_cost_nano_usd_total{",
        "llmgw_retries_total{",
        "llmgw_http_front_requests_total{route=\"/v1/chat/completions\""}) {
    EXPECT_TRUE(absl::StrContains(m.body, series)) << series;
  }
}

}  // namespace
}  // namespace llmgw::testing
