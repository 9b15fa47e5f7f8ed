// MiniMax end to end: the real gateway (in-process gRPC server, real event
// loop and HTTP client) configured with MINIMAX_API_KEY and MINIMAX_API_BASE
// only, called through the generated stubs, in front of the fake upstream
// speaking MiniMax's ChatCompletion v2 wire format
// (tests/fake_upstream/minimax/minimax_format.cc), which follows MiniMax's
// public API reference: POST /v1/text/chatcompletion_v2, Bearer auth,
// failures reported in-band as HTTP 200 with base_resp.status_code != 0.
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
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

constexpr char kKey[] = "sk-api-minimax-test-0123456789";
constexpr char kModel[] = "MiniMax-M2.7";
constexpr char kPath[] = "/v1/text/chatcompletion_v2";
constexpr char kLoginFail[] =
    "login fail: Please carry the API secret key in the 'Authorization' "
    "field of the request header (1004)";

// The only configuration: the provider's key and base URL.
std::map<std::string, std::string> Env(const std::string& key = kKey) {
  return {{"MINIMAX_API_KEY", key},
          {"MINIMAX_API_BASE", GatewayHarness::FakeBaseUrl("minimax")}};
}

int64_t ExpectedCost(GatewayHarness& h, const std::string& model, int64_t in,
                     int64_t out) {
  return h.CatalogCost("minimax", model, in, out);
}

// "minimax/<model> (key:...): <rest>", as the gateway describes an attempt.
std::string Attempt(const std::string& rest,
                    const std::string& model = kModel) {
  return absl::StrCat("minimax/", model, " (", KeyFingerprint(kKey),
                      "): ", rest);
}

// The status message of a call whose single attempt failed.
std::string AllFailed(const std::string& rest,
                      const std::string& model = kModel) {
  return absl::StrCat("all 1 attempt(s) failed: ", Attempt(rest, model));
}

std::string InBand(int code, const std::string& message) {
  return json{{"base_resp", {{"status_code", code}, {"status_msg", message}}}}
      .dump();
}

grpc::Status Call(GatewayHarness& h, const pb::GenerateRequest& request,
                  pb::GenerateResponse* response = nullptr) {
  pb::GenerateResponse ignored;
  return h.Generate(request, response != nullptr ? response : &ignored);
}

pb::GenerateRequest Request(const std::string& text,
                            const std::string& model = kModel) {
  return GatewayHarness::UserRequest(text, model);
}

RecordedRequest LastSent(GatewayHarness& h) {
  std::optional<RecordedRequest> sent = h.upstream().LastRequest();
  EXPECT_TRUE(sent.has_value());
  return sent.value_or(RecordedRequest());
}

void ExpectNothingCharged(GatewayHarness& h) {
  pb::BudgetResponse budget = h.Budget();
  EXPECT_EQ(budget.spent_nano_usd(), 0);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
}

// --- Generate --------------------------------------------------------------

TEST(GenerateTest, AnswersWithTextUsageCostAndOneAttempt) {
  GatewayHarness h(Env());
  pb::GenerateRequest request;
  pb::ChatMessage* system = request.add_messages();
  system->set_role(pb::ROLE_SYSTEM);
  system->set_content("be brief");
  pb::ChatMessage* user = request.add_messages();
  user->set_role(pb::ROLE_USER);
  user->set_content("hello there gateway");
  request.set_model(kModel);
  request.set_request_id("req-mm-1");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // Words: 2 (system) + 3 (user) in, 4 out.
  const int64_t cost = h.ExpectAnswer(
      response,
      {"Echo: hello there gateway", 5, 4, "minimax", kModel, "req-mm-1", kKey});
  // $0.30 / $1.20 per million tokens: 5 * 300 + 4 * 1200 nano-USD.
  EXPECT_EQ(cost, 6300);
  const pb::Attempt& attempt = response.attempts(0);
  EXPECT_EQ(attempt.detail(), "");

  pb::BudgetResponse budget = h.Budget();
  EXPECT_EQ(budget.spent_nano_usd(), cost);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(h.upstream().RequestCount(), 1);
}

TEST(GenerateTest, EmptyModelUsesTheCatalogDefault) {
  GatewayHarness h(Env());
  pb::GenerateResponse response;
  grpc::Status status = Call(h, Request("hi", ""), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.model(), "MiniMax-M2.7");
  EXPECT_EQ(response.text(), "Echo: hi");
  EXPECT_EQ(LastSent(h).JsonBody()["model"], "MiniMax-M2.7");
}

TEST(GenerateTest, StatusShowsTheProviderAtTheFakeBaseUrl) {
  GatewayHarness h(Env());
  pb::StatusResponse status = h.Status();
  EXPECT_EQ(status.state(), pb::SERVING_STATE_SERVING);
  EXPECT_EQ(status.primary_provider(), "minimax");
  ASSERT_EQ(status.fallback_chain_size(), 1);
  EXPECT_EQ(status.fallback_chain(0), "minimax");
  bool found = false;
  for (const pb::ProviderStatus& p : status.providers()) {
    if (p.name() != "minimax") continue;
    found = true;
    EXPECT_TRUE(p.available());
    EXPECT_EQ(p.wire_format(), "minimax");
    EXPECT_EQ(p.base_url(), h.upstream().url() + "/v1");
    EXPECT_EQ(p.default_model(), "MiniMax-M2.7");
    ASSERT_EQ(p.keys_size(), 1);
    EXPECT_EQ(p.keys(0).fingerprint(), KeyFingerprint(kKey));
  }
  EXPECT_TRUE(found);
}

// --- What goes over the wire ----------------------------------------------

TEST(WireTest, SendsTheDocumentedRequest) {
  GatewayHarness h(Env());
  pb::GenerateRequest request;
  pb::ChatMessage* system = request.add_messages();
  system->set_role(pb::ROLE_SYSTEM);
  system->set_content("be brief");
  pb::ChatMessage* user = request.add_messages();
  user->set_role(pb::ROLE_USER);
  user->set_content("hello there");
  request.set_model(kModel);
  request.set_max_tokens(50);
  request.set_temperature(0.5);
  request.set_top_p(0.9);
  request.add_stop("END");
  request.add_stop("STOP");
  grpc::Status status = Call(h, request);
  ASSERT_TRUE(status.ok()) << status.error_message();

  RecordedRequest sent = LastSent(h);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, kPath);
  EXPECT_EQ(sent.query, "");
  EXPECT_EQ(sent.Header("authorization"), absl::StrCat("Bearer ", kKey));
  EXPECT_EQ(sent.Header("content-type"), "application/json");
  EXPECT_EQ(sent.Header("accept"), "application/json");
  EXPECT_FALSE(sent.Header("x-api-key").has_value());
  EXPECT_EQ(sent.behavior, "ok");
  // max_completion_tokens (max_tokens is deprecated in the reference); no
  // "stream" on a non-streamed call.
  EXPECT_EQ(sent.JsonBody(), json::parse(R"({
    "model": "MiniMax-M2.7",
    "messages": [{"role": "system", "content": "be brief"},
                 {"role": "user", "content": "hello there"}],
    "max_completion_tokens": 50,
    "temperature": 0.5,
    "top_p": 0.9,
    "stop": ["END", "STOP"]
  })"));
}

TEST(WireTest, LeavesUnsetOptionsOut) {
  GatewayHarness h(Env());
  ASSERT_TRUE(Call(h, Request("hi")).ok());
  EXPECT_EQ(LastSent(h).JsonBody(), json::parse(R"({
    "model": "MiniMax-M2.7",
    "messages": [{"role": "user", "content": "hi"}]
  })"));
}

TEST(WireTest, ClampsSamplingIntoTheDocumentedRange) {
  // MiniMax documents temperature and top_p as (0, 1]; the fake rejects
  // anything else with 2013, so these calls succeed only when clamped.
  GatewayHarness h(Env());
  pb::GenerateRequest greedy = Request("hi");
  greedy.set_temperature(0);
  greedy.set_top_p(1);
  grpc::Status status = Call(h, greedy);
  ASSERT_TRUE(status.ok()) << status.error_message();
  json body = LastSent(h).JsonBody();
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 1.0);

  pb::GenerateRequest hot = Request("hi");
  hot.set_temperature(1.5);
  status = Call(h, hot);
  ASSERT_TRUE(status.ok()) << status.error_message();
  body = LastSent(h).JsonBody();
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 1.0);
  EXPECT_FALSE(body.contains("top_p"));
}

TEST(WireTest, KeepsTheConversationInOrder) {
  GatewayHarness h(Env());
  pb::GenerateRequest request;
  const std::vector<std::pair<pb::Role, std::string>> turns = {
      {pb::ROLE_SYSTEM, "you echo"},
      {pb::ROLE_USER, "first question"},
      {pb::ROLE_ASSISTANT, "first answer here"},
      {pb::ROLE_USER, "second one"}};
  for (const auto& [role, text] : turns) {
    pb::ChatMessage* m = request.add_messages();
    m->set_role(role);
    m->set_content(text);
  }
  request.set_model(kModel);
  pb::GenerateResponse response;
  grpc::Status status = Call(h, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: second one");
  EXPECT_EQ(response.usage().input_tokens(), 9);
  EXPECT_EQ(LastSent(h).JsonBody()["messages"], json::parse(R"([
    {"role": "system", "content": "you echo"},
    {"role": "user", "content": "first question"},
    {"role": "assistant", "content": "first answer here"},
    {"role": "user", "content": "second one"}
  ])"));
}

// --- Finish reasons --------------------------------------------------------

TEST(FinishReasonTest, MaxTokensTruncationIsLength) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("one two three four five");
  request.set_max_tokens(2);
  pb::GenerateResponse response;
  grpc::Status status = Call(h, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: one");
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_LENGTH);
  EXPECT_EQ(response.usage().input_tokens(), 5);
  EXPECT_EQ(response.usage().output_tokens(), 2);
  EXPECT_EQ(response.cost_nano_usd(), ExpectedCost(h, kModel, 5, 2));
  EXPECT_EQ(LastSent(h).JsonBody()["max_completion_tokens"], 2);
}

TEST(FinishReasonTest, ContentFilterAndToolCalls) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Ok().WithFinishReason("content_filter"));
  pb::GenerateResponse response;
  ASSERT_TRUE(Call(h, Request("tell me"), &response).ok());
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(response.text(), "Echo: tell me");

  h.upstream().Enqueue(Behavior::Ok().WithFinishReason("tool_calls"));
  ASSERT_TRUE(Call(h, Request("call a tool"), &response).ok());
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
}

// --- GenerateStream --------------------------------------------------------

TEST(StreamTest, DeltasThenSummaryWithUsageAndCost) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("stream me please");
  request.set_request_id("req-mm-stream");
  auto result = h.Stream(request);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  // Deltas that arrive back to back may be coalesced by the gateway; they
  // always concatenate to the text.
  EXPECT_GE(result.deltas.size(), 1u);
  EXPECT_EQ(absl::StrJoin(result.deltas, ""), "Echo: stream me please");
  EXPECT_EQ(result.text, "Echo: stream me please");
  ASSERT_TRUE(result.has_summary);
  const pb::StreamSummary& summary = result.summary;
  EXPECT_EQ(summary.finish_reason(), pb::FINISH_REASON_STOP);
  EXPECT_EQ(summary.usage().input_tokens(), 3);
  EXPECT_EQ(summary.usage().output_tokens(), 4);
  EXPECT_FALSE(summary.usage().estimated());
  EXPECT_EQ(summary.cost_nano_usd(), ExpectedCost(h, kModel, 3, 4));
  EXPECT_EQ(summary.provider(), "minimax");
  EXPECT_EQ(summary.model(), kModel);
  EXPECT_EQ(summary.request_id(), "req-mm-stream");
  ASSERT_EQ(summary.attempts_size(), 1);
  EXPECT_EQ(summary.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  EXPECT_EQ(summary.attempts(0).key_fingerprint(), KeyFingerprint(kKey));

  RecordedRequest sent = LastSent(h);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, kPath);
  EXPECT_EQ(sent.Header("authorization"), absl::StrCat("Bearer ", kKey));
  EXPECT_EQ(sent.Header("accept"), "text/event-stream");
  // The streaming flag; usage comes in MiniMax's final chat.completion
  // frame, so no stream_options.
  EXPECT_EQ(sent.JsonBody(), json::parse(R"({
    "model": "MiniMax-M2.7",
    "messages": [{"role": "user", "content": "stream me please"}],
    "stream": true
  })"));
  EXPECT_EQ(h.Budget().spent_nano_usd(), summary.cost_nano_usd());
}

TEST(StreamTest, TruncatedStreamIsLength) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("one two three four five");
  request.set_max_tokens(2);
  auto result = h.Stream(request);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.deltas, (std::vector<std::string>{"Echo: ", "one"}));
  ASSERT_TRUE(result.has_summary);
  EXPECT_EQ(result.summary.finish_reason(), pb::FINISH_REASON_LENGTH);
  EXPECT_EQ(result.summary.usage().output_tokens(), 2);
}

TEST(StreamTest, ContentFilterInTheStream) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Ok().WithFinishReason("content_filter"));
  auto result = h.Stream(Request("tell me"));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: tell me");
  EXPECT_EQ(result.summary.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
}

TEST(StreamTest, DeltasArriveWordByWordBeforeTheUpstreamFinishes) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(
      Behavior::Ok().WithDeltaInterval(absl::Milliseconds(120)));
  grpc::ClientContext context;
  auto reader = h.stub().GenerateStream(&context, Request("a b c d"));
  pb::GenerateStreamEvent event;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(reader->Read(&event));
  ASSERT_TRUE(event.has_delta());
  // Five words 120 ms apart: the first delta must not wait for the rest.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(400));
  std::vector<std::string> deltas = {event.delta().text()};
  bool summary = false;
  while (reader->Read(&event)) {
    if (event.has_delta()) deltas.push_back(event.delta().text());
    summary = summary || event.has_summary();
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(summary);
  EXPECT_EQ(deltas,
            (std::vector<std::string>{"Echo: ", "a ", "b ", "c ", "d"}));
}

// --- Errors: keys ----------------------------------------------------------

TEST(AuthErrorTest, RejectedKeyIsUnavailableWithAnAuthErrorAttempt) {
  GatewayHarness h(Env());
  struct Case {
    int status;
    std::string detail;
  };
  for (const Case& c : std::vector<Case>{{401, kLoginFail},
                                         {402, "insufficient balance (1008)"},
                                         {403, "invalid api key (2049)"}}) {
    SCOPED_TRACE(c.status);
    h.upstream().Enqueue(Behavior::HttpError(c.status));
    grpc::Status s = Call(h, Request("hi"));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(
        s.error_message(),
        AllFailed(absl::StrCat("auth_error HTTP ", c.status, ": ", c.detail)));
    EXPECT_EQ(s.error_message().find(kKey), std::string::npos);
    EXPECT_EQ(s.error_message().find("0123456789"), std::string::npos);
  }
  ExpectNothingCharged(h);
}

TEST(AuthErrorTest, InBandLoginFailureIsAnAuthError) {
  // MiniMax's own answer to a bad key: HTTP 200, base_resp 1004.
  const std::string bad_key = "invalid-minimax-key-0123456789";
  GatewayHarness h(Env(bad_key));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("all 1 attempt(s) failed: minimax/MiniMax-M2.7 (",
                         KeyFingerprint(bad_key),
                         "): auth_error HTTP 200: ", kLoginFail));
  EXPECT_EQ(s.error_message().find("0123456789"), std::string::npos);
  EXPECT_EQ(LastSent(h).Header("authorization"),
            absl::StrCat("Bearer ", bad_key));
  EXPECT_EQ(LastSent(h).behavior, "");  // refused before any behaviour
  ExpectNothingCharged(h);
}

// --- Errors: rate limits ---------------------------------------------------

TEST(RateLimitTest, Http429WithRetryAfterIsRateLimited) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(429).WithHeader("Retry-After", "2"));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(
      s.error_message(),
      AllFailed("rate_limited HTTP 429: rate limit exceeded(RPM) (1002)"));
  ExpectNothingCharged(h);
}

TEST(RateLimitTest, InBandRateLimitIsRateLimited) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(
      Behavior::HttpError(200, InBand(1002, "rate limit exceeded(RPM)")));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(
      s.error_message(),
      AllFailed("rate_limited HTTP 200: rate limit exceeded(RPM) (1002)"));
}

TEST(RateLimitTest, StreamRefusedWith429IsRateLimited) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(429).WithHeader("Retry-After", "2"));
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(
      result.status.error_message(),
      AllFailed("rate_limited HTTP 429: rate limit exceeded(RPM) (1002)"));
  EXPECT_TRUE(result.text.empty());
  EXPECT_FALSE(result.has_summary);
}

// --- Errors: server side ---------------------------------------------------

TEST(TransientErrorTest, ServerErrorsAndOverloadAreTransient) {
  GatewayHarness h(Env());
  struct Case {
    int status;
    std::string detail;
  };
  for (const Case& c : std::vector<Case>{
           {500, "unknown error (1000)"},
           {502, "system error (1033)"},
           {503, "internal error (1024)"},
           {504, "request timeout (1001)"},
           {529, "system error (1033)"},      // MiniMax's overloaded status
           {200, "unknown error (1000)"}}) {  // in-band, as MiniMax sends it
    SCOPED_TRACE(c.status);
    h.upstream().Enqueue(Behavior::HttpError(c.status));
    grpc::Status s = Call(h, Request("hi"));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(s.error_message(),
              AllFailed(absl::StrCat("transient_error HTTP ", c.status, ": ",
                                     c.detail)));
  }
  EXPECT_EQ(h.upstream().RequestCount(), 6);
  ExpectNothingCharged(h);
}

// --- Errors: the request ---------------------------------------------------

TEST(InvalidRequestTest, RejectedRequestIsInvalidArgumentWithTheMessage) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::HttpError(400));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "minimax rejected the request: invalid params, invalid chat "
            "setting (2013)");

  // In-band, as MiniMax reports it.
  h.upstream().Enqueue(Behavior::HttpError(
      200, InBand(2013,
                  "invalid params, chat content has invalid message "
                  "role: developer")));
  s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "minimax rejected the request: invalid params, chat content has "
            "invalid message role: developer (2013)");
  ExpectNothingCharged(h);
}

TEST(ContextTooLongTest, OverTheContextWindowIsFailedPrecondition) {
  GatewayHarness h(Env());
  // MiniMax enforces input + max_completion_tokens <= 204,800 tokens for
  // the M2 models; the fake answers in-band with 2013.
  pb::GenerateRequest request = Request("hi there");
  request.set_max_tokens(204'800);
  grpc::Status s = Call(h, request);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "minimax cannot serve the request as sent: invalid params, "
            "context window exceeds limit (2013)");
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_EQ(LastSent(h).JsonBody()["max_completion_tokens"], 204'800);

  // Just inside the window is served.
  request.set_max_tokens(204'798);
  pb::GenerateResponse response;
  s = Call(h, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.text(), "Echo: hi there");

  h.upstream().Enqueue(Behavior::HttpError(413));
  s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "minimax cannot serve the request as sent: invalid params, "
            "context window exceeds limit (2013)");
}

TEST(UnknownModelTest, ModelMiniMaxDoesNotServeIsNotFound) {
  GatewayHarness h(Env());
  // Routed to MiniMax by the "minimax" prefix; MiniMax refuses in-band.
  grpc::Status s = Call(h, Request("hi", "MiniMax-M9-preview"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_EQ(s.error_message(),
            absl::StrCat("no provider serves the requested model: ",
                         Attempt("model_not_found HTTP 200: invalid params, "
                                 "unknown model: MiniMax-M9-preview (2013)",
                                 "MiniMax-M9-preview")));
  EXPECT_EQ(LastSent(h).JsonBody()["model"], "MiniMax-M9-preview");

  h.upstream().Enqueue(Behavior::HttpError(404));
  s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("no provider serves the requested model: ",
                         Attempt("model_not_found HTTP 404: 404 page not "
                                 "found")));
  ExpectNothingCharged(h);
}

// --- Errors: broken replies and transport ----------------------------------

TEST(MalformedTest, UnparseableReplyIsTransient) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Malformed());
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(),
            AllFailed("transient_error HTTP 200: malformed MiniMax chat "
                      "completion response: "
                      R"({"id":"0000000000000000000000000000malf","choices":)"
                      R"([{"finish_reason":"stop","index":0,"message":)"
                      R"({"content":"Ech)"));

  h.upstream().Enqueue(Behavior::Malformed());
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(
      absl::StartsWith(result.status.error_message(),
                       AllFailed("transient_error: malformed stream event: ")))
      << result.status.error_message();
  EXPECT_TRUE(result.text.empty());
  ExpectNothingCharged(h);
}

TEST(BrokenStreamTest, CutAfterOutputIsUnavailableAndCharged) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::CutStream(2));
  auto result = h.Stream(Request("one two three four five"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(
      absl::StartsWith(result.status.error_message(),
                       absl::StrCat("stream broke after output had started: ",
                                    Attempt("transient_error"))))
      << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: one ");
  EXPECT_FALSE(result.has_summary);
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  pb::BudgetResponse budget = h.Budget();
  EXPECT_GT(budget.spent_nano_usd(), 0);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(result.trailer_map["llmgw-cost-nano-usd"],
            std::to_string(budget.spent_nano_usd()));
}

TEST(TransportTest, ResetAndSilenceAreUnavailable) {
  GatewayConfig config;
  config.default_read_timeout = absl::Milliseconds(300);
  GatewayHarness h(Env(), config);
  // libcurl retries once on a fresh connection when a reused keep-alive
  // connection dies before any byte: reset both.
  h.upstream().Enqueue(Behavior::Reset().Times(2));
  grpc::Status s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), AllFailed("transient_error")))
      << s.error_message();
  // A first call has no reused connection to retry: drop the spare reset.
  h.upstream().Reset();

  h.upstream().Enqueue(Behavior::Hang(absl::Seconds(10)));
  s = Call(h, Request("hi"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), AllFailed("timeout")))
      << s.error_message();
  ExpectNothingCharged(h);
}

TEST(SlowUpstreamTest, TrickleAndStallStillAnswer) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Trickle(absl::Milliseconds(100)));
  pb::GenerateResponse response;
  grpc::Status s = Call(h, Request("slow one"), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.text(), "Echo: slow one");

  h.upstream().Enqueue(Behavior::Trickle(absl::Milliseconds(100)));
  auto result = h.Stream(Request("slow two"));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: slow two");

  h.upstream().Enqueue(Behavior::StallStream(1, absl::Milliseconds(100)));
  result = h.Stream(Request("stalled three"));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: stalled three");
  EXPECT_EQ(result.summary.usage().output_tokens(), 3);
}

// --- The fake's wire format itself ------------------------------------------
//
// What the fake answers to requests the gateway never sends: proof that it
// enforces MiniMax's documented contract rather than echoing the codec.

class MiniMaxWireFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_upstream::FakeUpstreamOptions options;
    options.formats = {"minimax"};
    fake_ = std::make_unique<fake_upstream::FakeUpstream>(options);
    ASSERT_TRUE(fake_->Start().ok());
    EXPECT_EQ(fake_->base_url("minimax"), fake_->url() + "/v1");
    client_ = std::make_unique<httplib::Client>("127.0.0.1", fake_->port());
    client_->set_read_timeout(5, 0);
  }

  httplib::Result Post(const json& body, const std::string& key = kKey) {
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    return client_->Post(kPath, headers, body.dump(), "application/json");
  }

  // The base_resp of an in-band failure (HTTP 200, application/json).
  static json FailedBaseResp(const httplib::Result& res) {
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    json body = json::parse(res->body, nullptr, false);
    return body.is_object() ? body.value("base_resp", json()) : json();
  }

  static json Body(json extra = json::object()) {
    json body = {{"model", kModel},
                 {"messages", {{{"role", "user"}, {"content", "hi there"}}}}};
    body.update(extra);
    return body;
  }

  std::unique_ptr<fake_upstream::FakeUpstream> fake_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(MiniMaxWireFormatTest, ReplyHasTheDocumentedShape) {
  auto res = Post(Body({{"max_completion_tokens", 100}}));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json j = json::parse(res->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], kModel);
  EXPECT_EQ(j["id"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["choices"], json::parse(R"([{"finish_reason": "stop",
      "index": 0, "message": {"content": "Echo: hi there",
      "role": "assistant", "name": "MiniMax AI", "audio_content": ""}}])"));
  EXPECT_EQ(j["usage"], json::parse(R"({"total_tokens": 5,
      "total_characters": 0, "prompt_tokens": 2, "completion_tokens": 3})"));
  EXPECT_EQ(j["output_sensitive"], false);
  EXPECT_EQ(j["base_resp"], json::parse(R"({"status_code": 0,
      "status_msg": ""})"));
}

TEST_F(MiniMaxWireFormatTest, StreamEndsWithTheFullCompletionAndNoDone) {
  auto res = Post(Body({{"stream", true}}));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  std::vector<json> events;
  for (absl::string_view part : absl::StrSplit(res->body, "\n\n")) {
    if (part.empty()) continue;
    ASSERT_TRUE(absl::ConsumePrefix(&part, "data: ")) << part;
    events.push_back(json::parse(part));
  }
  ASSERT_EQ(events.size(), 4u);  // "Echo: ", "hi ", "there", final
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i]["object"], "chat.completion.chunk");
    EXPECT_EQ(events[i]["usage"],
              json::parse(R"({"total_tokens": 0, "total_characters": 0})"));
    EXPECT_FALSE(events[i].contains("base_resp"));
    EXPECT_EQ(events[i]["choices"][0].contains("finish_reason"), i == 2);
  }
  EXPECT_EQ(events[0]["choices"][0]["delta"]["content"], "Echo: ");
  EXPECT_EQ(events[2]["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(events[3]["object"], "chat.completion");
  EXPECT_EQ(events[3]["choices"][0]["message"]["content"], "Echo: hi there");
  EXPECT_EQ(events[3]["usage"]["prompt_tokens"], 2);
  EXPECT_EQ(events[3]["usage"]["completion_tokens"], 3);
  EXPECT_EQ(events[3]["base_resp"]["status_code"], 0);
}

TEST_F(MiniMaxWireFormatTest, RefusesInBandWithHttp200) {
  const json login_fail = {
      {"status_code", 1004},
      {"status_msg",
       "login fail: Please carry the API secret key in the 'Authorization' "
       "field of the request header"}};
  EXPECT_EQ(FailedBaseResp(Post(Body(), "")), login_fail);
  // A stream request is refused the same way: plain JSON, not SSE.
  EXPECT_EQ(FailedBaseResp(Post(Body({{"stream", true}}), "invalid-key")),
            login_fail);
  struct Case {
    json extra;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{{"temperature", 0}},
            "invalid params, temperature must be in the range (0, 1], got 0"},
           {{{"top_p", 1.5}},
            "invalid params, top_p must be in the range (0, 1], got 1.5"},
           {{{"max_completion_tokens", 0}},
            "invalid params, max_completion_tokens must be >= 1, got 0"},
           {{{"stop", {"a", "b", "c", "d", "e"}}},
            "invalid params, stop allows at most 4 sequences, got 5"},
           {{{"messages", {{{"role", "developer"}, {"content", "x"}}}}},
            "invalid params, chat content has invalid message role: "
            "developer"},
           {{{"messages", json::array()}}, "invalid params, messages is empty"},
           {{{"model", "gpt-4o"}}, "invalid params, unknown model: gpt-4o"},
           {{{"max_completion_tokens", 204'799}},
            "invalid params, context window exceeds limit"}}) {
    SCOPED_TRACE(c.extra.dump());
    json base_resp = FailedBaseResp(Post(Body(c.extra)));
    EXPECT_EQ(base_resp["status_code"], 2013);
    EXPECT_EQ(base_resp["status_msg"], c.message);
  }
  EXPECT_EQ(fake_->Stats().queued_behaviors, 0);
  for (const RecordedRequest& r : fake_->Requests()) {
    EXPECT_EQ(r.behavior, "");  // refused before any behaviour ran
  }
}

TEST_F(MiniMaxWireFormatTest, InjectedHttpErrorsCarryBaseResp) {
  fake_->Enqueue(Behavior::HttpError(429));
  auto res = Post(Body());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(json::parse(res->body),
            json::parse(InBand(1002, "rate limit exceeded(RPM)")));

  fake_->Enqueue(Behavior::HttpError(404));
  res = Post(Body());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, "404 page not found");
  EXPECT_TRUE(
      absl::StartsWith(res->get_header_value("Content-Type"), "text/plain"));
}

// --- In-band failures of streamed calls ------------------------------------
//
// MiniMax answers a failed *stream* request like any other: HTTP 200 with a
// plain application/json base_resp body, not an SSE event (its own clients,
// e.g. LobeChat's MiniMax runtime, parse the first chunk as bare JSON for
// this reason). The gateway must classify it by base_resp.status_code as it
// does for non-streamed calls.
//
// HttpProvider's streaming path (providers/common/http_provider.cc) parses a
// 2xx streamed response whose body is bare JSON as a normal reply, so the
// codec classifies the base_resp as it does for non-streamed calls.

TEST(StreamInBandErrorTest, LoginFailureOnAStreamIsAnAuthError) {
  const std::string bad_key = "invalid-minimax-key-0123456789";
  GatewayHarness h(Env(bad_key));
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(result.status.error_message().find("): auth_error"),
            std::string::npos)
      << result.status.error_message();
  EXPECT_NE(result.status.error_message().find(kLoginFail), std::string::npos)
      << result.status.error_message();
}

TEST(StreamInBandErrorTest, RateLimitOnAStreamIsRateLimited) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(
      Behavior::HttpError(200, InBand(1002, "rate limit exceeded(RPM)")));
  auto result = h.Stream(Request("hi"));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(result.status.error_message().find("): rate_limited"),
            std::string::npos)
      << result.status.error_message();
  EXPECT_NE(
      result.status.error_message().find("rate limit exceeded(RPM) (1002)"),
      std::string::npos)
      << result.status.error_message();
}

TEST(StreamInBandErrorTest, ContextTooLongOnAStreamIsFailedPrecondition) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = Request("hi there");
  request.set_max_tokens(204'800);
  auto result = h.Stream(request);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << result.status.error_message();
  EXPECT_EQ(result.status.error_message(),
            "minimax cannot serve the request as sent: invalid params, "
            "context window exceeds limit (2013)");
}

}  // namespace
}  // namespace llmgw::testing
