// The "anthropic" provider end to end: the real gateway (in-process gRPC
// server, real event loop and HTTP client) called through generated stubs,
// in front of a real HTTP server on loopback that speaks Anthropic's Messages
// API as documented (tests/fake_upstream/anthropic). The gateway is
// configured with nothing but ANTHROPIC_API_KEY and ANTHROPIC_API_BASE.
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "budget/pricing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "registry/key_fingerprint.h"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;
using fake_upstream::RecordedRequest;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "sk-ant-test-0123456789";
constexpr char kSecret[] = "0123456789";  // the part no message may show
// In the catalog at $3 / $15 per million tokens, 64K max output tokens.
constexpr char kModel[] = "claude-sonnet-4-5";

std::map<std::string, std::string> Env(const std::string& key = kKey) {
  return {{"ANTHROPIC_API_KEY", key},
          {"ANTHROPIC_API_BASE", GatewayHarness::FakeBaseUrl("anthropic")}};
}

int64_t ExpectedCost(GatewayHarness& h, const std::string& model, int64_t in,
                     int64_t out) {
  return h.CatalogCost("anthropic", model, in, out);
}

pb::GenerateRequest Request(const std::string& text,
                            const std::string& model = kModel) {
  return GatewayHarness::UserRequest(text, model);
}

void Add(pb::GenerateRequest* request, pb::Role role,
         const std::string& content) {
  GatewayHarness::AddMessage(request, role, content);
}

grpc::Status Call(GatewayHarness& h, const pb::GenerateRequest& request,
                  absl::Duration timeout = absl::Seconds(10)) {
  pb::GenerateResponse response;
  return h.Generate(request, &response, timeout);
}

std::vector<std::string> Keys(const json& object) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : object.items()) keys.push_back(k);
  return keys;
}

// A documented in-stream error event (sent after the 200).
std::string ErrorEvent(const std::string& type, const std::string& message) {
  return absl::StrCat(
      "event: error\ndata: ",
      json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}
          .dump(),
      "\n\n");
}

std::string TextDeltaEvent(const std::string& text) {
  return absl::StrCat("event: content_block_delta\ndata: ",
                      json{{"type", "content_block_delta"},
                           {"index", 0},
                           {"delta", {{"type", "text_delta"}, {"text", text}}}}
                          .dump(),
                      "\n\n");
}

Behavior StreamBody(std::string events) {
  Behavior b = Behavior::Malformed();
  b.body = std::move(events);
  return b;
}

// ---------------------------------------------------------------------------
// Generate

TEST(AnthropicGenerateTest, AnswersWithUsageCostAndOneSuccessfulAttempt) {
  GatewayHarness h(Env());
  pb::GenerateRequest request;
  Add(&request, pb::ROLE_SYSTEM, "be brief");
  Add(&request, pb::ROLE_USER, "hello there gateway");
  request.set_model(kModel);
  request.set_max_tokens(50);
  request.set_request_id("req-a1");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // Words: 2 (system) + 3 in, 4 out.
  const int64_t cost = h.ExpectAnswer(
      response,
      {"Echo: hello there gateway", 5, 4, "anthropic", kModel, "req-a1", kKey});
  EXPECT_EQ(cost, 5 * 3000 + 4 * 15000);  // $3 / $15 per million tokens

  pb::BudgetResponse budget = h.Budget();
  EXPECT_EQ(budget.spent_nano_usd(), cost);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(h.upstream().RequestCount(), 1);
}

TEST(AnthropicGenerateTest, SendsTheDocumentedMessagesRequest) {
  GatewayHarness h(Env());
  pb::GenerateRequest request;
  Add(&request, pb::ROLE_SYSTEM, "be brief");
  Add(&request, pb::ROLE_USER, "first question");
  Add(&request, pb::ROLE_ASSISTANT, "first answer");
  Add(&request, pb::ROLE_SYSTEM, "use English");
  Add(&request, pb::ROLE_USER, "second question");
  request.set_model(kModel);
  request.set_max_tokens(50);
  request.set_temperature(0.7f);
  request.add_stop("END");
  request.add_stop("STOP");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: second question");
  EXPECT_EQ(response.usage().input_tokens(), 10);
  EXPECT_EQ(response.usage().output_tokens(), 3);

  std::optional<RecordedRequest> sent = h.upstream().LastRequest();
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->method, "POST");
  EXPECT_EQ(sent->path, "/v1/messages");
  EXPECT_EQ(sent->query, "");
  EXPECT_EQ(sent->behavior, "ok");
  // Authentication is x-api-key only; the version header is required.
  EXPECT_EQ(sent->Header("x-api-key"), std::string(kKey));
  EXPECT_FALSE(sent->Header("authorization").has_value());
  EXPECT_EQ(sent->Header("anthropic-version"), std::string("2023-06-01"));
  EXPECT_EQ(sent->Header("content-type"), std::string("application/json"));

  json body = sent->JsonBody();
  ASSERT_TRUE(body.is_object()) << sent->body;
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"max_tokens", "messages",
                                                  "model", "stop_sequences",
                                                  "system", "temperature"}));
  EXPECT_EQ(body["model"], kModel);
  EXPECT_EQ(body["max_tokens"], 50);
  // No "system" role in messages: every system message goes, in order, into
  // the top-level system prompt.
  EXPECT_EQ(body["system"], "be brief\n\nuse English");
  EXPECT_EQ(body["messages"],
            json::parse(R"([{"role":"user","content":"first question"},
                            {"role":"assistant","content":"first answer"},
                            {"role":"user","content":"second question"}])"));
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.7);
  EXPECT_EQ(body["stop_sequences"], json::parse(R"(["END","STOP"])"));

  // top_p alone.
  pb::GenerateRequest nucleus = Request("hi");
  nucleus.set_top_p(0.9f);
  status = h.Generate(nucleus, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  body = h.upstream().LastRequest()->JsonBody();
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"max_tokens", "messages",
                                                  "model", "top_p"}));
  EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 0.9);
}

TEST(AnthropicGenerateTest, UnsetOptionsAreAbsentAndMaxTokensIsAlwaysSent) {
  GatewayHarness h(Env());
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(Request("hi"), &response).ok());
  EXPECT_EQ(response.text(), "Echo: hi");
  json body = h.upstream().LastRequest()->JsonBody();
  EXPECT_EQ(Keys(body),
            (std::vector<std::string>{"max_tokens", "messages", "model"}));
  // max_tokens is required by the API: the model's output limit from the
  // catalog (Claude Sonnet 4.5: 64K).
  EXPECT_EQ(body["max_tokens"], 64000);
  EXPECT_EQ(body["messages"],
            json::parse(R"([{"role":"user","content":"hi"}])"));
}

TEST(AnthropicGenerateTest, ConsecutiveSameRoleMessagesAreOneTurnOfBlocks) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("part one");
  Add(&request, pb::ROLE_USER, "part two");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: part one part two");
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["messages"],
            json::parse(R"([{"role":"user","content":[
                              {"type":"text","text":"part one"},
                              {"type":"text","text":"part two"}]}])"));
}

TEST(AnthropicGenerateTest, PinnedProviderModelIsSentWithoutThePin) {
  GatewayHarness h(Env());
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(Request("pin me", "anthropic/claude-haiku-4-5"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.model(), "claude-haiku-4-5");
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["model"],
            "claude-haiku-4-5");
  // $1 / $5 per million tokens.
  EXPECT_EQ(response.cost_nano_usd(),
            ExpectedCost(h, "claude-haiku-4-5", 2, 3));
  EXPECT_EQ(response.cost_nano_usd(), 2 * 1000 + 3 * 5000);
}

TEST(AnthropicGenerateTest, MaxTokensTruncationIsFinishReasonLength) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("one two three four five");
  request.set_max_tokens(2);
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(request, &response).ok());
  EXPECT_EQ(response.text(), "Echo: one");
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_LENGTH);
  EXPECT_EQ(response.usage().input_tokens(), 5);
  EXPECT_EQ(response.usage().output_tokens(), 2);
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["max_tokens"], 2);
}

// Every documented stop_reason, non-streamed and streamed.
TEST(AnthropicGenerateTest, StopReasonsMapToFinishReasons) {
  const std::pair<const char*, pb::FinishReason> kCases[] = {
      {"end_turn", pb::FINISH_REASON_STOP},
      {"stop_sequence", pb::FINISH_REASON_STOP},
      {"pause_turn", pb::FINISH_REASON_STOP},
      {"max_tokens", pb::FINISH_REASON_LENGTH},
      {"model_context_window_exceeded", pb::FINISH_REASON_LENGTH},
      {"tool_use", pb::FINISH_REASON_TOOL_CALLS},
      {"refusal", pb::FINISH_REASON_CONTENT_FILTER},
  };
  GatewayHarness h(Env());
  for (const auto& [stop_reason, expected] : kCases) {
    SCOPED_TRACE(stop_reason);
    h.upstream().Enqueue(Behavior::Ok().WithFinishReason(stop_reason));
    pb::GenerateRequest request = Request("why stop");
    request.add_stop("END");
    pb::GenerateResponse response;
    grpc::Status status = h.Generate(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.finish_reason(), expected);
    EXPECT_EQ(response.text(), "Echo: why stop");

    h.upstream().Enqueue(Behavior::Ok().WithFinishReason(stop_reason));
    GatewayHarness::StreamResult streamed = h.Stream(request);
    ASSERT_TRUE(streamed.status.ok()) << streamed.status.error_message();
    ASSERT_TRUE(streamed.has_summary);
    EXPECT_EQ(streamed.summary.finish_reason(), expected);
    EXPECT_EQ(streamed.text, "Echo: why stop");
  }
}

TEST(AnthropicGenerateTest, SlowButHealthyRepliesSucceed) {
  GatewayHarness h(Env());
  // Whitespace before the JSON body, then the body.
  h.upstream().Enqueue(Behavior::Trickle(absl::Milliseconds(150)));
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(Request("patience"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: patience");
  EXPECT_EQ(h.upstream().LastRequest()->behavior, "trickle");
  // Headers, silence, then the body.
  h.upstream().Enqueue(Behavior::StallStream(0, absl::Milliseconds(150)));
  status = h.Generate(Request("still here"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: still here");
  EXPECT_EQ(h.upstream().LastRequest()->behavior, "stall_stream");
}

TEST(AnthropicGenerateTest, EmptyModelSendsThePresetDefault) {
  GatewayHarness h(Env());
  grpc::Status status = Call(h, Request("hi", ""));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["model"],
            "claude-sonnet-4-5");
}

TEST(AnthropicGenerateTest, TheReferenceModelIsRetiredAndSaysSo) {
  // claude-3-5-sonnet-20241022 (the reference documents' default) is retired
  // on the Claude API: Anthropic answers 404 not_found_error and the caller
  // is told which model failed.
  GatewayHarness h(Env());
  grpc::Status status = Call(h, Request("hi", "claude-3-5-sonnet-20241022"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              HasSubstr("not_found_error: model: claude-3-5-sonnet-20241022"));
}

// ---------------------------------------------------------------------------
// GenerateStream

TEST(AnthropicStreamTest, DeltasConcatenateToTheTextThenASummary) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("stream me please");
  request.set_max_tokens(100);
  GatewayHarness::StreamResult result = h.Stream(request);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  // The fake sends one text_delta per word; the gateway may coalesce them.
  EXPECT_GE(result.deltas.size(), 2u);
  for (const std::string& d : result.deltas) EXPECT_FALSE(d.empty());
  EXPECT_EQ(result.deltas.front().substr(0, 6), "Echo: ");
  EXPECT_EQ(result.text, "Echo: stream me please");
  ASSERT_TRUE(result.has_summary);
  EXPECT_EQ(result.summary.finish_reason(), pb::FINISH_REASON_STOP);
  // Input from message_start, output from the final message_delta.
  EXPECT_EQ(result.summary.usage().input_tokens(), 3);
  EXPECT_EQ(result.summary.usage().output_tokens(), 4);
  EXPECT_FALSE(result.summary.usage().estimated());
  EXPECT_EQ(result.summary.provider(), "anthropic");
  EXPECT_EQ(result.summary.model(), kModel);
  const int64_t cost = ExpectedCost(h, kModel, 3, 4);
  EXPECT_EQ(result.summary.cost_nano_usd(), cost);
  ASSERT_EQ(result.summary.attempts_size(), 1);
  EXPECT_EQ(result.summary.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  EXPECT_EQ(result.summary.attempts(0).key_fingerprint(), KeyFingerprint(kKey));
  EXPECT_EQ(h.Budget().spent_nano_usd(), cost);

  // Same endpoint, "stream": true; nothing OpenAI-specific.
  std::optional<RecordedRequest> sent = h.upstream().LastRequest();
  EXPECT_EQ(sent->method, "POST");
  EXPECT_EQ(sent->path, "/v1/messages");
  EXPECT_EQ(sent->Header("x-api-key"), std::string(kKey));
  EXPECT_EQ(sent->Header("anthropic-version"), std::string("2023-06-01"));
  json body = sent->JsonBody();
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"max_tokens", "messages",
                                                  "model", "stream"}));
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["max_tokens"], 100);
}

TEST(AnthropicStreamTest, TruncatedStreamIsFinishReasonLength) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("one two three four five");
  request.set_max_tokens(3);
  GatewayHarness::StreamResult result = h.Stream(request);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: one two");
  EXPECT_EQ(result.summary.finish_reason(), pb::FINISH_REASON_LENGTH);
  EXPECT_EQ(result.summary.usage().output_tokens(), 3);
}

TEST(AnthropicStreamTest, PingKeepAlivesAndAStallDoNotBreakTheStream) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Trickle(absl::Milliseconds(150)));
  GatewayHarness::StreamResult trickled = h.Stream(Request("keep alive"));
  ASSERT_TRUE(trickled.status.ok()) << trickled.status.error_message();
  EXPECT_EQ(trickled.text, "Echo: keep alive");

  h.upstream().Enqueue(Behavior::StallStream(1, absl::Milliseconds(150)));
  GatewayHarness::StreamResult stalled = h.Stream(Request("a b c"));
  ASSERT_TRUE(stalled.status.ok()) << stalled.status.error_message();
  EXPECT_EQ(stalled.text, "Echo: a b c");
  EXPECT_EQ(stalled.summary.usage().output_tokens(), 4);
}

// ---------------------------------------------------------------------------
// Errors

TEST(AnthropicErrorTest, AuthenticationErrorIsUnavailableByFingerprint) {
  for (int status : {401, 403}) {
    SCOPED_TRACE(status);
    GatewayHarness h(Env());
    h.upstream().Enqueue(Behavior::HttpError(status));
    grpc::Status s = Call(h, Request("hi"));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(s.error_message(), HasSubstr("auth_error"));
    EXPECT_THAT(s.error_message(), HasSubstr(absl::StrCat("HTTP ", status)));
    EXPECT_THAT(s.error_message(), HasSubstr(KeyFingerprint(kKey)));
    EXPECT_THAT(s.error_message(),
                HasSubstr(status == 401 ? "authentication_error: invalid "
                                          "x-api-key"
                                        : "permission_error: "));
    EXPECT_THAT(s.error_message(), Not(HasSubstr(kSecret)));
    EXPECT_EQ(h.upstream().RequestCount(), 1);
    EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
    EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
  }
}

TEST(AnthropicErrorTest, KeyTheUpstreamRejectsIsAnAuthError) {
  const std::string bad_key = "invalid-sk-ant-0123456789";
  GatewayHarness h(Env(bad_key));
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("auth_error HTTP 401: authentication_error: invalid "
                        "x-api-key"));
  EXPECT_THAT(result.status.error_message(),
              HasSubstr(KeyFingerprint(bad_key)));
  EXPECT_THAT(result.status.error_message(), Not(HasSubstr(kSecret)));
  EXPECT_EQ(h.upstream().LastRequest()->Header("x-api-key"), bad_key);
}

TEST(AnthropicErrorTest, RateLimitWithRetryAfterIsRateLimited) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(429).WithHeader("retry-after", "7"));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(),
              HasSubstr("rate_limited HTTP 429: rate_limit_error: This "
                        "request would exceed the rate limit"));
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(AnthropicErrorTest, RateLimitedStreamIsRateLimited) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(429));
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("rate_limited HTTP 429"));
  EXPECT_TRUE(result.text.empty());
  EXPECT_FALSE(result.has_summary);
}

TEST(AnthropicErrorTest, ServerErrorsAndOverloadedAreTransient) {
  const std::pair<int, const char*> kCases[] = {
      {500, "api_error: Internal server error"},
      {529, "overloaded_error: Overloaded"},
      {503, "api_error: "},
      {504, "timeout_error: "},
  };
  for (const auto& [status, detail] : kCases) {
    SCOPED_TRACE(status);
    GatewayHarness h(Env());
    h.upstream().Enqueue(Behavior::HttpError(status));
    grpc::Status s = Call(h, Request("hi"));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(s.error_message(),
                HasSubstr(absl::StrCat("anthropic/", kModel)));
    EXPECT_THAT(
        s.error_message(),
        HasSubstr(absl::StrCat("transient_error HTTP ", status, ": ", detail)));
    EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
    EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
  }
  // Overloaded while streaming, before any output.
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(529));
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("transient_error HTTP 529: overloaded_error"));
}

TEST(AnthropicErrorTest, InvalidRequestIsInvalidArgumentWithTheMessage) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(400));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              HasSubstr("anthropic rejected the request: "
                        "invalid_request_error: Your request was malformed"));

  // The documented sampling range is 0..1 (the gateway's own range is 0..2):
  // the API's validation message reaches the caller.
  pb::GenerateRequest hot = Request("hi");
  hot.set_temperature(1.5f);
  s = Call(h, hot);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              HasSubstr("invalid_request_error: temperature: range: 0..1"));
  EXPECT_EQ(h.upstream().RequestCount(), 2);
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(AnthropicErrorTest, BothSamplingParametersOnAClaude45ModelAreRejected) {
  // Claude Sonnet 4.5 (like Opus 4.1, Haiku 4.5 and later models) takes
  // temperature or top_p, not both; the gateway passes both when the caller
  // sets both, and the API's 400 reaches the caller.
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("hi");
  request.set_temperature(0.5f);
  request.set_top_p(0.9f);
  grpc::Status s = Call(h, request);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              HasSubstr("`temperature` and `top_p` cannot both be specified "
                        "for this model. Please use only one."));
  // A whitespace-only stop sequence is refused the same way.
  pb::GenerateRequest blank = Request("hi");
  blank.add_stop("  ");
  s = Call(h, blank);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              HasSubstr("stop_sequences: each stop sequence must contain "
                        "non-whitespace"));
}

TEST(AnthropicErrorTest, SpendLimitsTakeTheKeyOutOfRotation) {
  // Documented: 400 invalid_request_error when a workspace/organization spend
  // limit or the credit balance is exhausted, 429 rate_limit_error with
  // error_code enforced_spend_limit_reached for the monthly tier cap. No
  // retry helps: these are key failures, not rate limits.
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(
      400,
      R"({"type":"error","error":{"type":"invalid_request_error","message":)"
      R"("Your credit balance is too low to access the Anthropic API. Please )"
      R"(go to Plans & Billing to upgrade or purchase credits."},)"
      R"("request_id":"req_fake"})"));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("auth_error HTTP 400"));

  GatewayHarness h2(Env());
  h2.upstream().Enqueue(Behavior::HttpError(
      429, R"({"type":"error","error":{"type":"rate_limit_error","message":)"
           R"("You have reached your monthly spend limit.","details":)"
           R"({"error_code":"enforced_spend_limit_reached"}},)"
           R"("request_id":"req_fake"})"));
  s = Call(h2, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("auth_error HTTP 429"));
}

TEST(AnthropicErrorTest, PromptTooLongIsFailedPrecondition) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(
      400, R"({"type":"error","error":{"type":"invalid_request_error",)"
           R"("message":"prompt is too long: 208310 tokens > 200000 maximum"},)"
           R"("request_id":"req_fake"})"));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(),
              HasSubstr("prompt is too long: 208310 tokens > 200000 maximum"));

  // 413 request_too_large (32 MB) cannot be fixed by retrying either.
  h.upstream().Enqueue(Behavior::HttpError(413));
  s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("request_too_large"));
}

TEST(AnthropicErrorTest, UnknownOrRetiredModelIsNotFound) {
  GatewayHarness h(Env());
  for (const char* model : {"unknown-model-7", "claude-3-opus-20240229"}) {
    SCOPED_TRACE(model);
    grpc::Status s = Call(h, Request("hi", absl::StrCat("anthropic/", model)));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(s.error_message(),
                HasSubstr(absl::StrCat("model_not_found HTTP 404: "
                                       "not_found_error: model: ",
                                       model)));
  }
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
}

TEST(AnthropicErrorTest, MalformedRepliesAreTransient) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Malformed());
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(),
              HasSubstr("transient_error HTTP 200: malformed Anthropic "
                        "response"));

  h.upstream().Enqueue(Behavior::Malformed());
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("transient_error: malformed Anthropic stream event"));
  EXPECT_TRUE(result.text.empty());

  // Half a JSON body, then the connection closes.
  h.upstream().Enqueue(Behavior::CutStream(1));
  s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("transient_error"));
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(AnthropicErrorTest, ConnectionResetIsTransient) {
  GatewayHarness h(Env());
  // Every request is reset (libcurl may retry once on a fresh connection
  // when a reused one dies before any response byte).
  h.upstream().SetDefault(Behavior::Reset());
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("transient_error"));
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
}

TEST(AnthropicErrorTest, HangingUpstreamEndsAtTheDeadlineAndIsReleased) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Hang(absl::Seconds(20)));
  const absl::Time start = absl::Now();
  grpc::Status s = Call(h, Request("hi"), absl::Milliseconds(300));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(h.upstream().WaitForDisconnects(1, absl::Seconds(3)));
  EXPECT_EQ(h.SettledBudget().reserved_nano_usd(), 0);
}

TEST(AnthropicErrorTest, ErrorEventBeforeOutputIsTransientAndFree) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(
      StreamBody(ErrorEvent("overloaded_error", "Overloaded")));
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("transient_error: overloaded_error: Overloaded"));
  EXPECT_TRUE(result.text.empty());
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(AnthropicErrorTest, ErrorEventAfterOutputEndsTheStreamCharged) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(StreamBody(
      absl::StrCat(TextDeltaEvent("Echo: "),
                   ErrorEvent("api_error", "Internal server error"))));
  auto result = h.Stream(Request("one two three"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("stream broke after output had started"));
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("api_error: Internal server error"));
  EXPECT_EQ(result.text, "Echo: ");
  EXPECT_FALSE(result.has_summary);
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  // Charged what message_start reported: 3 input tokens, 1 output token.
  const int64_t spent = h.Budget().spent_nano_usd();
  EXPECT_EQ(spent, ExpectedCost(h, kModel, 3, 1));
  EXPECT_EQ(result.trailer_map["llmgw-cost-nano-usd"], std::to_string(spent));
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(AnthropicErrorTest, StreamCutMidwayIsUnavailableWithTextAndCharged) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::CutStream(2));
  auto result = h.Stream(Request("one two three four five"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("stream broke after output had started"));
  EXPECT_EQ(result.text, "Echo: one ");
  EXPECT_FALSE(result.has_summary);
  // No failover or retry after output: one upstream request only.
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  const int64_t spent = h.Budget().spent_nano_usd();
  EXPECT_GT(spent, 0);
  // The usage message_start reported (5 in, 1 out) is what is charged.
  EXPECT_EQ(spent, ExpectedCost(h, kModel, 5, 1));
  EXPECT_EQ(result.trailer_map["llmgw-cost-nano-usd"], std::to_string(spent));
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

// ---------------------------------------------------------------------------
// Status

TEST(AnthropicStatusTest, OnlyAnthropicIsConfiguredAndServes) {
  GatewayHarness h(Env());
  pb::StatusResponse status = h.Status();
  EXPECT_EQ(status.state(), pb::SERVING_STATE_SERVING);
  EXPECT_EQ(status.primary_provider(), "anthropic");
  ASSERT_EQ(status.fallback_chain_size(), 1);
  EXPECT_EQ(status.fallback_chain(0), "anthropic");
  bool found = false;
  for (const pb::ProviderStatus& p : status.providers()) {
    if (p.name() != "anthropic") {
      EXPECT_FALSE(p.available()) << p.name();
      continue;
    }
    found = true;
    EXPECT_TRUE(p.available());
    EXPECT_EQ(p.wire_format(), "anthropic");
    EXPECT_EQ(p.base_url(), h.upstream().base_url("anthropic"));
    ASSERT_EQ(p.keys_size(), 1);
    EXPECT_EQ(p.keys(0).fingerprint(), KeyFingerprint(kKey));
  }
  EXPECT_TRUE(found);
  EXPECT_THAT(status.DebugString(), Not(HasSubstr(kSecret)));
}

// ---------------------------------------------------------------------------
// The fake itself speaks the documented protocol (what a wrong codec would
// run into).

class FakeAnthropicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_upstream::FakeUpstreamOptions options;
    options.formats = {"anthropic"};
    fake_ = std::make_unique<FakeUpstream>(options);
    ASSERT_TRUE(fake_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", fake_->port());
  }

  httplib::Result Post(const json& body, httplib::Headers headers) {
    return client_->Post("/v1/messages", headers, body.dump(),
                         "application/json");
  }

  static httplib::Headers Good() {
    return {{"x-api-key", "sk-ant-x"}, {"anthropic-version", "2023-06-01"}};
  }

  static json Body() {
    return {{"model", kModel},
            {"max_tokens", 16},
            {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  }

  // Body() with `patch` applied.
  static json With(json patch) {
    json body = Body();
    body.update(patch);
    return body;
  }

  static std::pair<std::string, std::string> Error(const httplib::Result& r) {
    json body = json::parse(r->body);
    EXPECT_EQ(body["type"], "error");
    EXPECT_TRUE(body["request_id"].is_string());
    return {body["error"]["type"].get<std::string>(),
            body["error"]["message"].get<std::string>()};
  }

  std::unique_ptr<FakeUpstream> fake_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(FakeAnthropicTest, RejectsWhatTheApiRejects) {
  auto r = Post(Body(), {{"anthropic-version", "2023-06-01"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(Error(r), std::make_pair(std::string("authentication_error"),
                                     std::string("x-api-key header is "
                                                 "required")));
  r = Post(Body(), {{"authorization", "Bearer sk-ant-x"},
                    {"anthropic-version", "2023-06-01"}});
  EXPECT_EQ(r->status, 401);

  r = Post(Body(), {{"x-api-key", "sk-ant-x"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Error(r), std::make_pair(std::string("invalid_request_error"),
                                     std::string("anthropic-version: header "
                                                 "is required")));

  const std::pair<json, std::string> kBad[] = {
      {json{{"model", kModel}, {"messages", Body()["messages"]}},
       "max_tokens: Field required"},
      {With({{"max_completion_tokens", 5}}),
       "max_completion_tokens: Extra inputs are not permitted"},
      {With({{"messages", {{{"role", "system"}, {"content", "x"}}}}}),
       "messages.0.role: Input should be 'user' or 'assistant'"},
      {With({{"top_p", 1.5}}), "top_p: range: 0..1"},
  };
  for (const auto& [body, message] : kBad) {
    r = Post(body, Good());
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_EQ(Error(r).second, message);
  }
  EXPECT_EQ(fake_->RequestCount(), 7);
  EXPECT_EQ(fake_->Requests().back().behavior, "");  // none consumed
}

TEST_F(FakeAnthropicTest, RepliesWithTheDocumentedMessageAndErrorShapes) {
  auto r = Post(Body(), Good());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->get_header_value("request-id").empty());
  json reply = json::parse(r->body);
  EXPECT_EQ(Keys(reply), (std::vector<std::string>{
                             "content", "id", "model", "role", "stop_reason",
                             "stop_sequence", "type", "usage"}));
  EXPECT_EQ(reply["type"], "message");
  EXPECT_EQ(reply["role"], "assistant");
  EXPECT_EQ(reply["model"], kModel);
  EXPECT_EQ(reply["content"],
            json::parse(R"([{"type":"text","text":"Echo: hi"}])"));
  EXPECT_EQ(reply["stop_reason"], "end_turn");
  EXPECT_EQ(reply["usage"]["input_tokens"], 1);
  EXPECT_EQ(reply["usage"]["output_tokens"], 2);

  fake_->Enqueue(Behavior::HttpError(529));
  r = Post(Body(), Good());
  EXPECT_EQ(r->status, 529);
  EXPECT_EQ(Error(r), std::make_pair(std::string("overloaded_error"),
                                     std::string("Overloaded")));
  EXPECT_EQ(r->get_header_value("x-should-retry"), "true");
  fake_->Enqueue(Behavior::HttpError(429));
  r = Post(Body(), Good());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(Error(r).first, "rate_limit_error");
  EXPECT_EQ(r->get_header_value("retry-after"), "1");
  EXPECT_EQ(r->get_header_value("anthropic-ratelimit-requests-remaining"), "0");
}

TEST_F(FakeAnthropicTest, StreamsTheDocumentedEventSequence) {
  json body = Body();
  body["stream"] = true;
  auto r = Post(body, Good());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(absl::StartsWith(r->get_header_value("content-type"),
                               "text/event-stream"));
  EXPECT_FALSE(r->get_header_value("request-id").empty());
  std::vector<std::string> names;
  for (absl::string_view event : absl::StrSplit(r->body, "\n\n")) {
    if (event.empty()) continue;
    std::vector<absl::string_view> lines = absl::StrSplit(event, '\n');
    ASSERT_EQ(lines.size(), 2u) << event;
    ASSERT_TRUE(absl::StartsWith(lines[0], "event: ")) << event;
    names.emplace_back(lines[0].substr(7));
    // The data's type matches the event name.
    json data = json::parse(lines[1].substr(6));
    EXPECT_EQ(data["type"], names.back());
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "message_start", "content_block_start", "ping",
                       "content_block_delta", "content_block_delta",
                       "content_block_stop", "message_delta", "message_stop"}));
}

}  // namespace
}  // namespace llmgw::testing
