// Cohere end to end: the real gateway (in-process gRPC server, real event
// loop and HTTP client) configured with nothing but COHERE_API_KEY and
// COHERE_API_BASE, called through the generated stubs, in front of the fake
// upstream speaking Cohere's v2 Chat API as docs.cohere.com documents it
// (tests/fake_upstream/cohere/cohere_format.cc).
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "budget/pricing.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "registry/key_fingerprint.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::RecordedRequest;
using nlohmann::json;

constexpr char kKey[] = "co-test-key-0123456789";
// Priced in the catalog (0.15 / 0.60 USD per million tokens).
constexpr char kModel[] = "command-r-08-2024";

std::map<std::string, std::string> CohereEnv(const std::string& key = kKey) {
  return {{"COHERE_API_KEY", key},
          {"COHERE_API_BASE", GatewayHarness::FakeBaseUrl("cohere")}};
}

GatewayConfig NoConfig() { return GatewayConfig{}; }

int64_t ExpectedCost(GatewayHarness& h, const std::string& model, int64_t in,
                     int64_t out) {
  return h.CatalogCost("cohere", model, in, out);
}

// How the gateway describes one failed attempt in its error message.
std::string FailedAttempt(const std::string& model, const std::string& outcome,
                          int http_status, const std::string& detail) {
  return absl::StrCat("cohere/", model, " (", KeyFingerprint(kKey),
                      "): ", outcome, " HTTP ", http_status, ": ", detail);
}

grpc::Status Call(GatewayHarness& h, const pb::GenerateRequest& request,
                  absl::Duration timeout = absl::Seconds(10)) {
  pb::GenerateResponse response;
  return h.Generate(request, &response, timeout);
}

pb::ChatMessage* Add(pb::GenerateRequest* request, pb::Role role,
                     const std::string& content) {
  return GatewayHarness::AddMessage(request, role, content);
}

json Msg(const std::string& role, const std::string& content) {
  return {{"role", role}, {"content", content}};
}

// --- The fake itself, on the wire --------------------------------------------

// What the fake answers, byte for byte where it matters, so a reader can
// compare it with docs.cohere.com without running the gateway.
TEST(CohereFakeTest, SpeaksTheDocumentedV2ChatWireFormat) {
  fake_upstream::FakeUpstream fake;
  ASSERT_TRUE(fake.Start().ok());
  EXPECT_EQ(fake.base_url("cohere"), fake.url() + "/v2");
  httplib::Client client("127.0.0.1", fake.port());
  const httplib::Headers auth = {{"Authorization", "Bearer co-key"}};
  const std::string chat =
      R"({"model":"command-r","messages":[{"role":"user","content":"a b"}]})";

  auto res = client.Post("/v2/chat", auth, chat, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json reply = json::parse(res->body);
  EXPECT_EQ(reply["finish_reason"], "COMPLETE");
  EXPECT_EQ(reply["message"],
            (json{{"role", "assistant"},
                  {"content", {{{"type", "text"}, {"text", "Echo: a b"}}}}}));
  EXPECT_EQ(reply["usage"]["billed_units"],
            (json{{"input_tokens", 2}, {"output_tokens", 3}}));
  // Plus 8 + 4 per message of unbilled prompt-template tokens.
  EXPECT_EQ(reply["usage"]["tokens"],
            (json{{"input_tokens", 14}, {"output_tokens", 3}}));
  EXPECT_FALSE(reply.contains("model"));

  const std::string streamed =
      R"({"model":"command-r","stream":true,"max_tokens":2,)"
      R"("messages":[{"role":"user","content":"a b"}]})";
  res = client.Post("/v2/chat", auth, streamed, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  const std::string events = res->body;
  auto event = [](const std::string& type, const std::string& data) {
    return "event: " + type + "\ndata: " + data + "\n\n";
  };
  EXPECT_EQ(
      events,
      event("message-start",
            R"({"id":"c0e4e5a1-9f3b-4c2d-8e7f-000000000002",)"
            R"("type":"message-start","delta":{"message":{"role":)"
            R"("assistant","content":[],"tool_plan":"","tool_calls":[],)"
            R"("citations":[]}}})") +
          event("content-start",
                R"({"type":"content-start","index":0,"delta":{"message":)"
                R"({"content":{"type":"text","text":""}}}})") +
          event("content-delta",
                R"({"type":"content-delta","index":0,"delta":{"message":)"
                R"({"content":{"text":"Echo: "}}}})") +
          event("content-delta",
                R"({"type":"content-delta","index":0,"delta":{"message":)"
                R"({"content":{"text":"a"}}}})") +
          event("content-end", R"({"type":"content-end","index":0})") +
          event("message-end",
                R"({"type":"message-end","delta":{"finish_reason":)"
                R"("MAX_TOKENS","usage":{"billed_units":{"input_tokens":2,)"
                R"("output_tokens":2},"tokens":{"input_tokens":14,)"
                R"("output_tokens":2}}}})"));

  // Refusals, each with Cohere's {"message": ...} body.
  auto refused = [&](const httplib::Headers& headers, const std::string& body) {
    auto r = client.Post("/v2/chat", headers, body, "application/json");
    return r ? std::to_string(r->status) + " " + r->body : std::string("none");
  };
  EXPECT_EQ(refused({}, chat), R"(401 {"message":"no api key supplied"})");
  EXPECT_EQ(refused({{"Authorization", "Bearer invalid-x"}}, chat),
            R"(401 {"message":"invalid api token"})");
  EXPECT_EQ(refused(auth, R"({"model":"command-r","messages":[)"
                          R"({"role":"user","content":"a"},)"
                          R"({"role":"system","content":"b"}]})"),
            R"(400 {"message":"system turn must be the first in the list"})");
  EXPECT_EQ(refused(auth, R"({"model":"command-r","messages":[)"
                          R"({"role":"user","content":""}]})"),
            R"(400 {"message":"message must not be empty in a turn"})");
  EXPECT_EQ(refused(auth, R"({"model":"command-r","top_p":0.5,"messages":[)"
                          R"({"role":"user","content":"a"}]})")
                .substr(0, 4),
            "400 ");
  EXPECT_EQ(refused(auth, R"({"model":"unknown-x","messages":[)"
                          R"({"role":"user","content":"a"}]})"),
            R"(404 {"message":"model 'unknown-x' not found, make sure the )"
            R"(correct model ID was used and that you have access to the )"
            R"(model."})");
  // Only the two successful chats consumed behaviours.
  EXPECT_EQ(fake.RequestCount(), 8);
  fake.Stop();
}

// --- Generate ---------------------------------------------------------------

TEST(CohereGenerateTest, AnswersWithTextUsageCostAndOneAttempt) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("hello there gateway", kModel);
  // A system message after the user turn: Cohere wants it first.
  Add(&request, pb::ROLE_SYSTEM, "be brief");
  request.set_max_tokens(50);
  request.set_temperature(0.5);
  request.set_top_p(0.9);
  request.add_stop("END");
  request.set_request_id("req-co-1");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // usage.billed_units: 3 + 2 (system) words in, 4 out. (usage.tokens adds
  // Cohere's unbilled template tokens and must not be what is reported.)
  const int64_t cost = h.ExpectAnswer(
      response,
      {"Echo: hello there gateway", 5, 4, "cohere", kModel, "req-co-1", kKey});

  pb::BudgetResponse budget = h.Budget();
  EXPECT_EQ(budget.spent_nano_usd(), cost);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  ASSERT_EQ(budget.breakdown_size(), 1);
  EXPECT_EQ(budget.breakdown(0).provider(), "cohere");
  EXPECT_EQ(budget.breakdown(0).model(), kModel);
  EXPECT_EQ(budget.breakdown(0).calls(), 1);
}

TEST(CohereGenerateTest, SendsTheDocumentedV2ChatRequest) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("hello there gateway", kModel);
  Add(&request, pb::ROLE_SYSTEM, "be brief");
  request.set_max_tokens(50);
  request.set_temperature(0.5);
  request.set_top_p(0.9);
  request.add_stop("END");
  request.add_stop("STOP");
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(request, &response).ok());

  ASSERT_EQ(h.upstream().RequestCount(), 1);
  const RecordedRequest sent = *h.upstream().LastRequest();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, "/v2/chat");
  EXPECT_EQ(sent.query, "");
  EXPECT_EQ(sent.Header("authorization"), absl::StrCat("Bearer ", kKey));
  EXPECT_EQ(sent.Header("content-type"), "application/json");
  EXPECT_FALSE(sent.Header("x-api-key").has_value());
  // The whole body: v2 names (max_tokens, p, stop_sequences), the system
  // message moved first, "stream" false, and nothing else.
  const json expected = {
      {"model", kModel},
      {"messages",
       {Msg("system", "be brief"), Msg("user", "hello there gateway")}},
      {"stream", false},
      {"max_tokens", 50},
      {"temperature", 0.5},
      {"p", 0.9},
      {"stop_sequences", {"END", "STOP"}}};
  EXPECT_EQ(sent.JsonBody(), expected) << sent.body;
}

TEST(CohereGenerateTest, MapsTheConversationAndOmitsUnsetOptions) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest request;
  request.set_model(kModel);
  Add(&request, pb::ROLE_SYSTEM, "rule one");
  Add(&request, pb::ROLE_USER, "first question");
  Add(&request, pb::ROLE_ASSISTANT, "first answer");
  Add(&request, pb::ROLE_SYSTEM, "rule two");
  Add(&request, pb::ROLE_USER, "second question here");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: second question here");
  EXPECT_EQ(response.usage().input_tokens(), 11);
  EXPECT_EQ(response.usage().output_tokens(), 4);

  // System messages joined into one leading system turn, user/assistant
  // order kept; no max_tokens / temperature / p / k / stop_sequences.
  const json expected = {
      {"model", kModel},
      {"messages",
       {Msg("system", "rule one\n\nrule two"), Msg("user", "first question"),
        Msg("assistant", "first answer"), Msg("user", "second question here")}},
      {"stream", false}};
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody(), expected);
}

TEST(CohereGenerateTest, EmptyModelUsesTheCatalogDefault) {
  GatewayHarness h(CohereEnv());
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(GatewayHarness::UserRequest("hi"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.provider(), "cohere");
  EXPECT_EQ(response.model(), "command-r-plus");
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["model"], "command-r-plus");
  const int64_t cost = ExpectedCost(h, "command-r-plus", 1, 2);
  EXPECT_GT(cost, 0);
  EXPECT_EQ(response.cost_nano_usd(), cost);
}

TEST(CohereGenerateTest, ReportedUsageIsWhatIsCharged) {
  GatewayHarness h(CohereEnv());
  h.upstream().Enqueue(Behavior::Ok().WithUsage({1200, 345}));
  pb::GenerateResponse response;
  ASSERT_TRUE(
      h.Generate(GatewayHarness::UserRequest("hi", kModel), &response).ok());
  EXPECT_EQ(response.usage().input_tokens(), 1200);
  EXPECT_EQ(response.usage().output_tokens(), 345);
  EXPECT_EQ(response.cost_nano_usd(), ExpectedCost(h, kModel, 1200, 345));
  EXPECT_EQ(h.Budget().spent_nano_usd(), response.cost_nano_usd());
}

TEST(CohereStatusTest, ReportsCohereAsTheOnlyConfiguredProvider) {
  GatewayHarness h(CohereEnv());
  pb::StatusResponse status = h.Status();
  EXPECT_EQ(status.state(), pb::SERVING_STATE_SERVING);
  EXPECT_EQ(status.primary_provider(), "cohere");
  ASSERT_EQ(status.fallback_chain_size(), 1);
  EXPECT_EQ(status.fallback_chain(0), "cohere");
  bool found = false;
  for (const pb::ProviderStatus& p : status.providers()) {
    if (p.name() == "cohere") {
      found = true;
      EXPECT_TRUE(p.available());
      EXPECT_EQ(p.wire_format(), "cohere");
      EXPECT_EQ(p.base_url(), h.upstream().base_url("cohere"));
      EXPECT_EQ(p.default_model(), "command-r-plus");
      ASSERT_EQ(p.keys_size(), 1);
      EXPECT_EQ(p.keys(0).fingerprint(), KeyFingerprint(kKey));
    } else if (p.name() == "openai") {
      EXPECT_FALSE(p.available());
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(status.DebugString().find(kKey), std::string::npos);
}

// --- Finish reasons ---------------------------------------------------------

TEST(CohereFinishReasonTest, MaxTokensTruncationIsLength) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("one two three four five", kModel);
  request.set_max_tokens(2);
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(request, &response).ok());
  EXPECT_EQ(response.text(), "Echo: one");
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_LENGTH);
  EXPECT_EQ(response.usage().input_tokens(), 5);
  EXPECT_EQ(response.usage().output_tokens(), 2);
  EXPECT_EQ(response.cost_nano_usd(), ExpectedCost(h, kModel, 5, 2));
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["max_tokens"], 2);
}

TEST(CohereFinishReasonTest, EveryDocumentedV2ReasonMaps) {
  GatewayHarness h(CohereEnv());
  const std::vector<std::pair<std::string, pb::FinishReason>> cases = {
      {"COMPLETE", pb::FINISH_REASON_STOP},
      {"STOP_SEQUENCE", pb::FINISH_REASON_STOP},
      {"MAX_TOKENS", pb::FINISH_REASON_LENGTH},
      {"TOOL_CALL", pb::FINISH_REASON_TOOL_CALLS},
      {"ERROR", pb::FINISH_REASON_ERROR},
      {"TIMEOUT", pb::FINISH_REASON_ERROR},
  };
  for (const auto& [wire, expected] : cases) {
    SCOPED_TRACE(wire);
    h.upstream().Enqueue(Behavior::Ok().WithFinishReason(wire));
    pb::GenerateResponse response;
    grpc::Status status =
        h.Generate(GatewayHarness::UserRequest("hi there", kModel), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.finish_reason(), expected);
    EXPECT_EQ(response.text(), "Echo: hi there");

    h.upstream().Enqueue(Behavior::Ok().WithFinishReason(wire));
    auto streamed = h.Stream(GatewayHarness::UserRequest("hi there", kModel));
    ASSERT_TRUE(streamed.status.ok()) << streamed.status.error_message();
    ASSERT_TRUE(streamed.has_summary);
    EXPECT_EQ(streamed.summary.finish_reason(), expected);
  }
}

// --- GenerateStream ---------------------------------------------------------

TEST(CohereStreamTest, DeltasThenSummaryWithUsageAndCost) {
  GatewayHarness h(CohereEnv());
  auto result =
      h.Stream(GatewayHarness::UserRequest("stream me please", kModel));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  // The fake sends one content-delta per word; the gateway may coalesce
  // deltas that arrive together, but never loses or reorders text.
  EXPECT_GE(result.deltas.size(), 1u);
  EXPECT_EQ(result.text, "Echo: stream me please");
  ASSERT_TRUE(result.has_summary);
  EXPECT_EQ(result.summary.finish_reason(), pb::FINISH_REASON_STOP);
  EXPECT_EQ(result.summary.usage().input_tokens(), 3);
  EXPECT_EQ(result.summary.usage().output_tokens(), 4);
  EXPECT_FALSE(result.summary.usage().estimated());
  const int64_t cost = ExpectedCost(h, kModel, 3, 4);
  EXPECT_GT(cost, 0);
  EXPECT_EQ(result.summary.cost_nano_usd(), cost);
  EXPECT_EQ(result.summary.provider(), "cohere");
  EXPECT_EQ(result.summary.model(), kModel);
  ASSERT_EQ(result.summary.attempts_size(), 1);
  EXPECT_EQ(result.summary.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  EXPECT_EQ(result.summary.attempts(0).key_fingerprint(), KeyFingerprint(kKey));
  EXPECT_EQ(h.Budget().spent_nano_usd(), cost);

  // Same endpoint as non-streaming, with "stream": true and nothing
  // OpenAI-like (no stream_options).
  const RecordedRequest sent = *h.upstream().LastRequest();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, "/v2/chat");
  EXPECT_EQ(sent.Header("authorization"), absl::StrCat("Bearer ", kKey));
  const json expected = {{"model", kModel},
                         {"messages", {Msg("user", "stream me please")}},
                         {"stream", true}};
  EXPECT_EQ(sent.JsonBody(), expected);
}

TEST(CohereStreamTest, MaxTokensTruncationIsLength) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest request = GatewayHarness::UserRequest("a b c d", kModel);
  request.set_max_tokens(3);
  auto result = h.Stream(request);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: a b");
  ASSERT_TRUE(result.has_summary);
  EXPECT_EQ(result.summary.finish_reason(), pb::FINISH_REASON_LENGTH);
  EXPECT_EQ(result.summary.usage().input_tokens(), 4);
  EXPECT_EQ(result.summary.usage().output_tokens(), 3);
  EXPECT_EQ(result.summary.cost_nano_usd(), ExpectedCost(h, kModel, 4, 3));
}

TEST(CohereStreamTest, SlowUpstreamsStillAnswerInFull) {
  GatewayHarness h(CohereEnv());
  const pb::GenerateRequest request =
      GatewayHarness::UserRequest("slow but sure", kModel);
  const std::string text = "Echo: slow but sure";
  // Keep-alive comments first, a pause mid-stream, a delay up front, spaced
  // deltas: none of it may change the answer.
  for (const Behavior& b :
       {Behavior::Trickle(absl::Milliseconds(120)),
        Behavior::StallStream(2, absl::Milliseconds(120)),
        Behavior::Ok().WithDelay(absl::Milliseconds(50)),
        Behavior::Ok().WithDeltaInterval(absl::Milliseconds(20))}) {
    SCOPED_TRACE(b.ToJson().dump());
    h.upstream().Enqueue(b);
    auto streamed = h.Stream(request);
    ASSERT_TRUE(streamed.status.ok()) << streamed.status.error_message();
    EXPECT_EQ(streamed.text, text);
    EXPECT_EQ(streamed.summary.usage().output_tokens(), 4);
    h.upstream().Enqueue(b);
    pb::GenerateResponse response;
    grpc::Status status = h.Generate(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.text(), text);
    EXPECT_EQ(response.usage().output_tokens(), 4);
  }
}

// --- Errors -----------------------------------------------------------------

TEST(CohereErrorTest, UnauthorizedAndForbiddenAreAuthErrors) {
  GatewayHarness h(CohereEnv());
  const std::vector<std::pair<int, std::string>> cases = {
      {401, "invalid api token"},
      {403, "You do not have permission to access this resource."},
      {402,
       "Please add or update your payment method at "
       "https://dashboard.cohere.com/billing?tab=payment to continue"},
      {498, "invalid api token"},
  };
  for (const auto& [http_status, message] : cases) {
    SCOPED_TRACE(http_status);
    h.upstream().Enqueue(Behavior::HttpError(http_status));
    grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(s.error_message(),
              absl::StrCat(
                  "all 1 attempt(s) failed: ",
                  FailedAttempt(kModel, "auth_error", http_status, message)));
    EXPECT_EQ(s.error_message().find("0123456789"), std::string::npos);
  }
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(CohereErrorTest, KeyCohereRejectsIsAnAuthErrorByFingerprint) {
  // No injected behaviour: the fake refuses "invalid..." keys as Cohere
  // refuses a revoked key.
  const std::string key = "invalid-co-key-9876543210";
  GatewayHarness h(CohereEnv(key));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("all 1 attempt(s) failed: cohere/", kModel, " (",
                         KeyFingerprint(key),
                         "): auth_error HTTP 401: invalid api token"));
  EXPECT_EQ(s.error_message().find("9876543210"), std::string::npos);
  EXPECT_EQ(h.upstream().LastRequest()->Header("authorization"),
            "Bearer " + key);
}

TEST(CohereErrorTest, RateLimitWithRetryAfterIsRateLimited) {
  GatewayHarness h(CohereEnv());
  h.upstream().Enqueue(Behavior::HttpError(429).WithHeader("Retry-After", "2"));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("all 1 attempt(s) failed: ",
                         FailedAttempt(kModel, "rate_limited", 429,
                                       "You are past the per minute request "
                                       "limit, please wait and try again "
                                       "later.")));

  // The trial key's per-minute variant is a rate limit too.
  const std::string trial =
      "You are using a Trial key, which is limited to 10 API calls / minute. "
      "You can continue to use the Trial key for free or upgrade to a "
      "Production key with higher rate limits at "
      "'https://dashboard.cohere.com/api-keys'.";
  h.upstream().Enqueue(
      Behavior::HttpError(429, json{{"message", trial}}.dump()));
  s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_message(),
            absl::StrCat("all 1 attempt(s) failed: ",
                         FailedAttempt(kModel, "rate_limited", 429, trial)));

  // A streaming call fails the same way before any output.
  h.upstream().Enqueue(Behavior::HttpError(429).WithHeader("Retry-After", "2"));
  auto streamed = h.Stream(GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(streamed.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(streamed.status.error_message().find("rate_limited HTTP 429"),
            std::string::npos)
      << streamed.status.error_message();
  EXPECT_TRUE(streamed.text.empty());
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
}

TEST(CohereErrorTest, TrialKeyMonthlyCapIsAnAuthError) {
  GatewayHarness h(CohereEnv());
  const std::string message =
      "You are using a Trial key, which is limited to 1000 API calls / month. "
      "You can continue to use the Trial key for free or upgrade to a "
      "Production key with higher rate limits at "
      "'https://dashboard.cohere.com/api-keys'.";
  h.upstream().Enqueue(
      Behavior::HttpError(429, json{{"message", message}}.dump()));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("all 1 attempt(s) failed: ",
                         FailedAttempt(kModel, "auth_error", 429, message)));
}

TEST(CohereErrorTest, ServerErrorsOverloadAndCancelledUpstreamAreTransient) {
  GatewayHarness h(CohereEnv());
  for (int http_status : {500, 503, 504, 499}) {
    SCOPED_TRACE(http_status);
    h.upstream().Enqueue(Behavior::HttpError(http_status));
    grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    const std::string prefix = absl::StrCat(
        "all 1 attempt(s) failed: cohere/", kModel, " (", KeyFingerprint(kKey),
        "): transient_error HTTP ", http_status, ": ");
    EXPECT_EQ(s.error_message().rfind(prefix, 0), 0u) << s.error_message();
  }
  // Cohere's own messages come through.
  h.upstream().Enqueue(Behavior::HttpError(503));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_NE(s.error_message().find("service unavailable: the model is "
                                   "overloaded, please try again later."),
            std::string::npos)
      << s.error_message();
  h.upstream().Enqueue(Behavior::HttpError(500));
  s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_NE(s.error_message().find("internal server error, this has been "
                                   "reported to our developers. id "),
            std::string::npos)
      << s.error_message();
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(CohereErrorTest, BadRequestIsInvalidArgumentWithCoheresMessage) {
  GatewayHarness h(CohereEnv());
  h.upstream().Enqueue(Behavior::HttpError(400));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "cohere rejected the request: invalid request: message must be at "
            "least 1 token long or tool results must be specified.");
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

// The gateway accepts temperature in [0, 2] and top_p in (0, 1]; Cohere
// documents temperature in [0, 1] and p in [0.01, 0.99]. The codec forwards
// the values as given, so Cohere's own 400 reaches the caller.
TEST(CohereErrorTest, OutOfRangeSamplingIsRejectedByCohereAsInvalidArgument) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest hot = GatewayHarness::UserRequest("hi", kModel);
  hot.set_temperature(1.5);
  grpc::Status s = Call(h, hot);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "cohere rejected the request: invalid request: temperature must "
            "be between 0 and 1.0 inclusive.");
  pb::GenerateRequest wide = GatewayHarness::UserRequest("hi", kModel);
  wide.set_top_p(1.0);
  s = Call(h, wide);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "cohere rejected the request: invalid request: p must be between "
            "0.01 and 0.99 inclusive.");
  EXPECT_EQ(h.upstream().RequestCount(), 2);
}

TEST(CohereErrorTest, PromptTooLongIsFailedPrecondition) {
  GatewayHarness h(CohereEnv());
  // A documented example of Cohere's "too many tokens" 400.
  const std::string message =
      "too many tokens: size limit exceeded by 11326 tokens. Try using "
      "shorter or fewer inputs, or setting prompt_truncation='AUTO'.";
  h.upstream().Enqueue(
      Behavior::HttpError(400, json{{"message", message}}.dump()));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("cohere cannot serve the request as sent: ", message));
}

TEST(CohereErrorTest, UnknownModelIsNotFound) {
  GatewayHarness h(CohereEnv());
  for (const std::string model :
       {"unknown-model-7", "cohere/unknown-model-7"}) {
    SCOPED_TRACE(model);
    grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", model));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(
        s.error_message(),
        absl::StrCat("no provider serves the requested model: ",
                     FailedAttempt("unknown-model-7", "model_not_found", 404,
                                   "model 'unknown-model-7' not found, "
                                   "make sure the correct model ID was "
                                   "used and that you have access to "
                                   "the model.")));
    EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["model"],
              "unknown-model-7");
  }
}

TEST(CohereErrorTest, MalformedRepliesAndResetsAreTransient) {
  GatewayHarness h(CohereEnv());
  h.upstream().Enqueue(Behavior::Malformed());
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(s.error_message().find(FailedAttempt(kModel, "transient_error", 200,
                                                 "malformed Cohere response")),
            std::string::npos)
      << s.error_message();

  h.upstream().Enqueue(Behavior::Malformed());
  auto streamed = h.Stream(GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(streamed.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(streamed.status.error_message().find("transient_error"),
            std::string::npos);
  EXPECT_NE(
      streamed.status.error_message().find("malformed Cohere stream event"),
      std::string::npos)
      << streamed.status.error_message();
  EXPECT_TRUE(streamed.text.empty());
  EXPECT_FALSE(streamed.has_summary);

  // libcurl retries once on a fresh connection when a reused one dies before
  // any response byte: reset both.
  h.upstream().Enqueue(Behavior::Reset().Times(2));
  s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_NE(s.error_message().find("transient_error"), std::string::npos)
      << s.error_message();
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(CohereErrorTest, SilentUpstreamTimesOutAsUnavailable) {
  GatewayConfig config = NoConfig();
  config.default_read_timeout = absl::Milliseconds(300);
  GatewayHarness h(CohereEnv(), config);
  h.upstream().Enqueue(Behavior::Hang(absl::Seconds(10)));
  const absl::Time start = absl::Now();
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(s.error_message().find("timeout"), std::string::npos)
      << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(CohereErrorTest, StreamCutMidwayDeliversTextAndIsCharged) {
  GatewayHarness h(CohereEnv());
  h.upstream().Enqueue(Behavior::CutStream(2));
  auto result =
      h.Stream(GatewayHarness::UserRequest("one two three four five", kModel));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(
      result.status.error_message().rfind(
          absl::StrCat("stream broke after output had started: cohere/", kModel,
                       " (", KeyFingerprint(kKey), "): transient_error"),
          0),
      0u)
      << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: one ");
  EXPECT_FALSE(result.has_summary);
  // No failover or retry after output: one upstream request.
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  const pb::BudgetResponse budget = h.Budget();
  EXPECT_GT(budget.spent_nano_usd(), 0);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(result.trailer_map["llmgw-cost-nano-usd"],
            std::to_string(budget.spent_nano_usd()));
}

}  // namespace
}  // namespace llmgw::testing
