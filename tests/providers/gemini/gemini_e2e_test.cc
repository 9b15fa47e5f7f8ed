// The Gemini provider end to end: the real gateway (in-process gRPC server,
// real event loop and HTTP client) configured only with GEMINI_API_KEY and
// GEMINI_API_BASE, called through the generated stubs, in front of a fake
// upstream that speaks the Gemini API (v1beta) as Google documents it.
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "budget/pricing.h"
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
using nlohmann::json;

// Shaped like a real key (39 characters, "AIza" prefix).
constexpr char kKey[] = "AIzaSyFakeGeminiKey-0123456789abcdefghi";
constexpr char kModel[] = "gemini-2.0-flash";

std::map<std::string, std::string> GeminiEnv(const std::string& key = kKey) {
  return {{"GEMINI_API_KEY", key},
          {"GEMINI_API_BASE", GatewayHarness::FakeBaseUrl("gemini")}};
}

int64_t ExpectedCost(GatewayHarness& h, const std::string& model, int64_t in,
                     int64_t out) {
  return h.CatalogCost("gemini", model, in, out);
}

pb::ChatMessage* Add(pb::GenerateRequest* request, pb::Role role,
                     const std::string& text) {
  return GatewayHarness::AddMessage(request, role, text);
}

json UserContents(const std::string& text) {
  return json::array(
      {{{"role", "user"}, {"parts", json::array({{{"text", text}}})}}});
}

grpc::Status Call(GatewayHarness& h, const pb::GenerateRequest& request) {
  pb::GenerateResponse response;
  return h.Generate(request, &response);
}

// "gemini/<model> (key:...): " as attempts appear in error messages.
std::string Where(const std::string& model = kModel,
                  const std::string& key = kKey) {
  return absl::StrCat("gemini/", model, " (", KeyFingerprint(key), "): ");
}

// --- Generate ---------------------------------------------------------------

TEST(GeminiGenerateTest, AnswersWithUsageCostAndOneAttempt) {
  GatewayHarness h(GeminiEnv());
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("hello there gateway", kModel);
  Add(&request, pb::ROLE_SYSTEM, "be brief");
  request.set_max_tokens(50);
  request.set_temperature(0.5);
  request.set_top_p(0.9);
  request.add_stop("END");
  request.set_request_id("req-gemini-1");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // Words: 3 (user) + 2 (systemInstruction) in, 4 out.
  const int64_t cost =
      h.ExpectAnswer(response, {"Echo: hello there gateway", 5, 4, "gemini",
                                kModel, "req-gemini-1", kKey});
  // $0.10 / $0.40 per million: 5 * 100 + 4 * 400 nano-USD.
  EXPECT_EQ(cost, 2'100);
  EXPECT_EQ(response.attempts(0).http_status(), 0);

  // What went over the wire, per the Gemini API reference.
  ASSERT_EQ(h.upstream().RequestCount(), 1);
  auto sent = h.upstream().LastRequest();
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->method, "POST");
  EXPECT_EQ(sent->path, "/v1beta/models/gemini-2.0-flash:generateContent");
  EXPECT_EQ(sent->query, "");  // the key never goes into the URL
  EXPECT_EQ(sent->Header("x-goog-api-key"), std::string(kKey));
  EXPECT_FALSE(sent->Header("authorization").has_value());
  EXPECT_EQ(sent->Header("content-type"), std::string("application/json"));
  EXPECT_EQ(sent->behavior, "ok");
  const json expected = {
      {"contents", UserContents("hello there gateway")},
      {"systemInstruction", {{"parts", json::array({{{"text", "be brief"}}})}}},
      {"generationConfig",
       {{"maxOutputTokens", 50},
        {"temperature", 0.5},
        {"topP", 0.9},  // the float's shortest decimal, not 0.899999976...
        {"stopSequences", json::array({"END"})}}}};
  EXPECT_EQ(sent->JsonBody(), expected) << sent->body;
}

TEST(GeminiGenerateTest, MapsAConversationToContentsAndSystemInstruction) {
  GatewayHarness h(GeminiEnv());
  pb::GenerateRequest request;
  request.set_model(kModel);
  Add(&request, pb::ROLE_SYSTEM, "rules one");
  Add(&request, pb::ROLE_USER, "hi");
  Add(&request, pb::ROLE_USER, "again");
  Add(&request, pb::ROLE_ASSISTANT, "hello");
  Add(&request, pb::ROLE_SYSTEM, "rules two");
  Add(&request, pb::ROLE_USER, "bye now");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The reply echoes the last user Content.
  EXPECT_EQ(response.text(), "Echo: bye now");
  // 4 (system) + 2 + 1 + 2 words in, 3 out.
  EXPECT_EQ(response.usage().input_tokens(), 9);
  EXPECT_EQ(response.usage().output_tokens(), 3);

  // Assistant turns are role "model"; consecutive user turns share one
  // Content; system messages leave contents for systemInstruction.
  const json expected = {
      {"contents",
       json::array(
           {{{"role", "user"},
             {"parts", json::array({{{"text", "hi"}}, {{"text", "again"}}})}},
            {{"role", "model"}, {"parts", json::array({{{"text", "hello"}}})}},
            {{"role", "user"},
             {"parts", json::array({{{"text", "bye now"}}})}}})},
      {"systemInstruction",
       {{"parts", json::array({{{"text", "rules one\n\nrules two"}}})}}}};
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody(), expected);
}

TEST(GeminiGenerateTest, UnsetOptionsAreNotSent) {
  GatewayHarness h(GeminiEnv());
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(GatewayHarness::UserRequest("hi", "gemini-2.5-flash"),
                         &response)
                  .ok());
  EXPECT_EQ(response.text(), "Echo: hi");
  EXPECT_EQ(response.model(), "gemini-2.5-flash");
  EXPECT_EQ(response.cost_nano_usd(),
            ExpectedCost(h, "gemini-2.5-flash", 1, 2));
  auto sent = h.upstream().LastRequest();
  EXPECT_EQ(sent->path, "/v1beta/models/gemini-2.5-flash:generateContent");
  // No systemInstruction, no generationConfig (no maxOutputTokens,
  // temperature, topP or stopSequences), no stream flag.
  EXPECT_EQ(sent->JsonBody(), json({{"contents", UserContents("hi")}}));
}

TEST(GeminiGenerateTest, EmptyModelUsesThePresetDefault) {
  GatewayHarness h(GeminiEnv());
  EXPECT_EQ(h.Status().primary_provider(), "gemini");
  pb::GenerateResponse response;
  ASSERT_TRUE(h.Generate(GatewayHarness::UserRequest("hi"), &response).ok());
  EXPECT_EQ(response.provider(), "gemini");
  EXPECT_EQ(response.model(), "gemini-1.5-pro");
  EXPECT_EQ(response.cost_nano_usd(), ExpectedCost(h, "gemini-1.5-pro", 1, 2));
  EXPECT_EQ(h.upstream().LastRequest()->path,
            "/v1beta/models/gemini-1.5-pro:generateContent");
}

TEST(GeminiGenerateTest, MaxTokensTruncationIsFinishReasonLength) {
  GatewayHarness h(GeminiEnv());
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
  EXPECT_EQ(h.upstream().LastRequest()->JsonBody()["generationConfig"],
            json({{"maxOutputTokens", 2}}));
}

TEST(GeminiGenerateTest, GeminiFinishReasonsMapToTheGatewaysOwn) {
  GatewayHarness h(GeminiEnv());
  const std::vector<std::pair<std::string, pb::FinishReason>> cases = {
      {"SAFETY", pb::FINISH_REASON_CONTENT_FILTER},
      {"RECITATION", pb::FINISH_REASON_CONTENT_FILTER},
      {"PROHIBITED_CONTENT", pb::FINISH_REASON_CONTENT_FILTER},
      {"BLOCKLIST", pb::FINISH_REASON_CONTENT_FILTER},
      {"MALFORMED_FUNCTION_CALL", pb::FINISH_REASON_ERROR},
      {"OTHER", pb::FINISH_REASON_UNSPECIFIED},
      {"MAX_TOKENS", pb::FINISH_REASON_LENGTH},
  };
  for (const auto& [gemini_reason, expected] : cases) {
    SCOPED_TRACE(gemini_reason);
    h.upstream().Enqueue(Behavior::Ok().WithFinishReason(gemini_reason));
    pb::GenerateResponse response;
    grpc::Status status =
        h.Generate(GatewayHarness::UserRequest("tell me", kModel), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.text(), "Echo: tell me");
    EXPECT_EQ(response.finish_reason(), expected);
    EXPECT_EQ(response.usage().output_tokens(), 3);
  }
}

TEST(GeminiGenerateTest, BlockedPromptIsAnEmptyContentFilteredAnswer) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::Ok().WithFinishReason("blockReason:SAFETY"));
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(
      GatewayHarness::UserRequest("something dangerous", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "");
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
  // Gemini bills the prompt of a blocked request; nothing was generated.
  EXPECT_EQ(response.usage().input_tokens(), 2);
  EXPECT_EQ(response.usage().output_tokens(), 0);
  EXPECT_FALSE(response.usage().estimated());
  EXPECT_EQ(response.cost_nano_usd(), ExpectedCost(h, kModel, 2, 0));
  ASSERT_EQ(response.attempts_size(), 1);
  EXPECT_EQ(response.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
}

TEST(GeminiGenerateTest, SlowButHealthyRepliesStillAnswer) {
  GatewayHarness h(GeminiEnv());
  // Whitespace before the JSON body for 200 ms, then the body.
  h.upstream().Enqueue(Behavior::Trickle(absl::Milliseconds(200)));
  // Headers, 200 ms of silence, then the body.
  h.upstream().Enqueue(Behavior::StallStream(0, absl::Milliseconds(200)));
  for (int i = 0; i < 2; ++i) {
    pb::GenerateResponse response;
    grpc::Status status =
        h.Generate(GatewayHarness::UserRequest("slow one", kModel), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.text(), "Echo: slow one");
    EXPECT_EQ(response.usage().output_tokens(), 3);
  }
  EXPECT_EQ(h.upstream().Requests()[0].behavior, "trickle");
  EXPECT_EQ(h.upstream().Requests()[1].behavior, "stall_stream");
}

// --- GenerateStream ---------------------------------------------------------

TEST(GeminiStreamTest, DeltasThenSummaryWithUsageAndCost) {
  GatewayHarness h(GeminiEnv());
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("stream me please", kModel);
  request.set_max_tokens(100);
  auto result = h.Stream(request);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  // Gemini streams word by word here; the gateway may forward deltas that
  // arrive together as one.
  EXPECT_GE(result.deltas.size(), 1u);
  EXPECT_EQ(result.text, "Echo: stream me please");
  ASSERT_TRUE(result.has_summary);
  EXPECT_EQ(result.summary.finish_reason(), pb::FINISH_REASON_STOP);
  EXPECT_EQ(result.summary.usage().input_tokens(), 3);
  EXPECT_EQ(result.summary.usage().output_tokens(), 4);
  EXPECT_FALSE(result.summary.usage().estimated());
  EXPECT_EQ(result.summary.cost_nano_usd(), ExpectedCost(h, kModel, 3, 4));
  EXPECT_EQ(result.summary.provider(), "gemini");
  EXPECT_EQ(result.summary.model(), kModel);
  ASSERT_EQ(result.summary.attempts_size(), 1);
  EXPECT_EQ(result.summary.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
  EXPECT_EQ(result.summary.attempts(0).key_fingerprint(), KeyFingerprint(kKey));
  EXPECT_EQ(h.Budget().spent_nano_usd(), ExpectedCost(h, kModel, 3, 4));

  // Streaming is a different method plus alt=sse; the body is the same
  // GenerateContentRequest (there is no "stream" field).
  auto sent = h.upstream().LastRequest();
  EXPECT_EQ(sent->method, "POST");
  EXPECT_EQ(sent->path,
            "/v1beta/models/gemini-2.0-flash:streamGenerateContent");
  EXPECT_EQ(sent->query, "alt=sse");
  EXPECT_EQ(sent->Header("x-goog-api-key"), std::string(kKey));
  EXPECT_EQ(sent->Header("accept"), std::string("text/event-stream"));
  EXPECT_EQ(sent->Header("content-type"), std::string("application/json"));
  EXPECT_EQ(sent->JsonBody(),
            json({{"contents", UserContents("stream me please")},
                  {"generationConfig", {{"maxOutputTokens", 100}}}}));
}

TEST(GeminiStreamTest, FinishReasonsLengthSafetyAndBlockedPrompt) {
  GatewayHarness h(GeminiEnv());
  pb::GenerateRequest truncated =
      GatewayHarness::UserRequest("one two three", kModel);
  truncated.set_max_tokens(2);
  auto length = h.Stream(truncated);
  ASSERT_TRUE(length.status.ok()) << length.status.error_message();
  EXPECT_EQ(length.text, "Echo: one");
  EXPECT_EQ(length.summary.finish_reason(), pb::FINISH_REASON_LENGTH);
  EXPECT_EQ(length.summary.usage().output_tokens(), 2);

  h.upstream().Enqueue(Behavior::Ok().WithFinishReason("SAFETY"));
  auto safety = h.Stream(GatewayHarness::UserRequest("one two", kModel));
  ASSERT_TRUE(safety.status.ok()) << safety.status.error_message();
  EXPECT_EQ(safety.text, "Echo: one two");
  EXPECT_EQ(safety.summary.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);

  h.upstream().Enqueue(
      Behavior::Ok().WithFinishReason("blockReason:PROHIBITED_CONTENT"));
  auto blocked = h.Stream(GatewayHarness::UserRequest("bad prompt", kModel));
  ASSERT_TRUE(blocked.status.ok()) << blocked.status.error_message();
  EXPECT_TRUE(blocked.deltas.empty());
  ASSERT_TRUE(blocked.has_summary);
  EXPECT_EQ(blocked.summary.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(blocked.summary.usage().input_tokens(), 2);
  EXPECT_EQ(blocked.summary.usage().output_tokens(), 0);
}

TEST(GeminiStreamTest, StalledAndTricklingStreamsComplete) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::StallStream(1, absl::Milliseconds(200)));
  h.upstream().Enqueue(Behavior::Trickle(absl::Milliseconds(200)));
  for (int i = 0; i < 2; ++i) {
    auto result = h.Stream(GatewayHarness::UserRequest("a b c", kModel));
    ASSERT_TRUE(result.status.ok()) << result.status.error_message();
    EXPECT_EQ(result.text, "Echo: a b c");
    EXPECT_EQ(result.summary.usage().output_tokens(), 4);
  }
}

// --- Errors -----------------------------------------------------------------

TEST(GeminiErrorTest, UnauthenticatedIsAnAuthErrorWithoutTheKey) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::HttpError(401));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(
      s.error_message(),
      absl::StrCat(Where(), "auth_error HTTP 401: UNAUTHENTICATED: ")))
      << s.error_message();
  EXPECT_FALSE(absl::StrContains(s.error_message(), kKey));
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
}

TEST(GeminiErrorTest, PermissionDeniedIsAnAuthErrorWithoutTheKey) {
  GatewayHarness h(GeminiEnv());
  // Google's 403 for a suspended key quotes the key itself in its message.
  h.upstream().Enqueue(Behavior::HttpError(403));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(
      s.error_message(),
      absl::StrCat(Where(), "auth_error HTTP 403: PERMISSION_DENIED: ")))
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(
      s.error_message(),
      "PERMISSION_DENIED: Permission denied: Consumer 'api_key:<redacted>' "
      "has been suspended. (reason: CONSUMER_SUSPENDED)"))
      << s.error_message();
  EXPECT_FALSE(absl::StrContains(s.error_message(), kKey))
      << "the API key leaked into the caller's error: " << s.error_message();
  EXPECT_FALSE(absl::StrContains(s.error_message(), "0123456789abcdefghi"));
}

TEST(GeminiErrorTest, InvalidKeyIsA400ApiKeyInvalidAuthError) {
  const std::string bad_key = "invalid-AIzaSyFake-0123456789abcdefgh";
  GatewayHarness h(GeminiEnv(bad_key));
  auto stream = h.Stream(GatewayHarness::UserRequest("hi", kModel));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  for (const grpc::Status& status : {stream.status, s}) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(absl::StrContains(
        status.error_message(),
        absl::StrCat(Where(kModel, bad_key),
                     "auth_error HTTP 400: INVALID_ARGUMENT: API key not "
                     "valid. Please pass a valid API key. (reason: "
                     "API_KEY_INVALID)")))
        << status.error_message();
    EXPECT_FALSE(absl::StrContains(status.error_message(), bad_key));
  }
  // The fake answered both from its own key check.
  EXPECT_EQ(h.upstream().RequestCount(), 2);
  EXPECT_EQ(h.upstream().Requests()[0].behavior, "");
}

TEST(GeminiErrorTest, ResourceExhaustedIsRateLimited) {
  GatewayHarness h(GeminiEnv());
  // Google's 429 carries RetryInfo {"retryDelay": "17s"} in the body; a
  // Retry-After header (as a proxy might add) changes nothing.
  h.upstream().Enqueue(Behavior::HttpError(429));
  h.upstream().Enqueue(Behavior::HttpError(429).WithHeader("Retry-After", "3"));
  h.upstream().Enqueue(Behavior::HttpError(429));
  const std::string expected = absl::StrCat(
      Where(),
      "rate_limited HTTP 429: RESOURCE_EXHAUSTED: You exceeded your current "
      "quota");
  for (int i = 0; i < 2; ++i) {
    grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(absl::StrContains(s.error_message(), expected))
        << s.error_message();
  }
  auto stream = h.Stream(GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(stream.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(stream.status.error_message(), expected))
      << stream.status.error_message();
  EXPECT_FALSE(stream.has_summary);
  EXPECT_EQ(h.upstream().RequestCount(), 3);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(GeminiErrorTest, ServerErrorsAndOverloadAreTransient) {
  GatewayHarness h(GeminiEnv());
  const std::vector<std::pair<int, std::string>> cases = {
      {500, "INTERNAL: Internal error encountered."},
      {503, "UNAVAILABLE: The model is overloaded. Please try again later."},
      {504,
       "DEADLINE_EXCEEDED: Deadline expired before operation could "
       "complete."},
      {502, "Error 502 (Server Error)"},  // Google Front End's HTML page
  };
  for (const auto& [code, detail] : cases) {
    SCOPED_TRACE(code);
    h.upstream().Enqueue(Behavior::HttpError(code));
    grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(absl::StrContains(
        s.error_message(),
        absl::StrCat(Where(), "transient_error HTTP ", code, ": ")))
        << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), detail))
        << s.error_message();
  }
  // The overloaded stream fails the same way before any output.
  h.upstream().Enqueue(Behavior::HttpError(503));
  auto stream = h.Stream(GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(stream.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(stream.status.error_message(),
                                "transient_error HTTP 503: UNAVAILABLE"))
      << stream.status.error_message();
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(GeminiErrorTest, InvalidArgumentIsInvalidArgumentWithGooglesMessage) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::HttpError(400));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "gemini rejected the request: INVALID_ARGUMENT: Request contains "
            "an invalid argument.");
  EXPECT_EQ(h.upstream().RequestCount(), 1);  // no retry can fix it
}

TEST(GeminiErrorTest, PromptAboveTheInputTokenLimitIsFailedPrecondition) {
  GatewayHarness h(GeminiEnv());
  // gemini-2.0-flash takes 1,048,576 input tokens; send one word more.
  constexpr int kWords = 1'048'577;
  std::string prompt;
  prompt.reserve(2 * kWords);
  for (int i = 0; i < kWords; ++i) prompt += "a ";
  grpc::Status s = Call(h, GatewayHarness::UserRequest(prompt, kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "gemini cannot serve the request as sent: INVALID_ARGUMENT: The "
            "input token count (1048577) exceeds the maximum number of tokens "
            "allowed (1048576).");
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(GeminiErrorTest, FreeTierUnavailableIsFailedPrecondition) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::HttpError(
      400,
      R"({"error": {"code": 400, "message": "Gemini API free tier is )"
      R"(not available in your country. Please enable billing on your )"
      R"(project in Google AI Studio.", "status": "FAILED_PRECONDITION"}})"));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "gemini cannot serve the request as sent: FAILED_PRECONDITION: "
            "Gemini API free tier is not available in your country. Please "
            "enable billing on your project in Google AI Studio.");
}

TEST(GeminiErrorTest, UnknownModelIsNotFound) {
  GatewayHarness h(GeminiEnv());
  // Retired: the API answers 404 for it.
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", "gemini-pro"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_TRUE(absl::StrContains(
      s.error_message(),
      absl::StrCat(Where("gemini-pro"),
                   "model_not_found HTTP 404: NOT_FOUND: models/gemini-pro is "
                   "not found for API version v1beta, or is not supported for "
                   "generateContent.")))
      << s.error_message();
  auto stream = h.Stream(GatewayHarness::UserRequest("hi", "gemini-pro"));
  EXPECT_EQ(stream.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StrContains(stream.status.error_message(),
                                "or is not supported for "
                                "streamGenerateContent."))
      << stream.status.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), 2);
}

TEST(GeminiErrorTest, MalformedCutAndResetRepliesAreTransient) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::Malformed());
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(
      s.error_message(),
      absl::StrCat(Where(),
                   "transient_error HTTP 200: malformed gemini "
                   "response")))
      << s.error_message();

  // Half a body, then the connection closes.
  h.upstream().Enqueue(Behavior::CutStream(1));
  s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "transient_error"))
      << s.error_message();

  // libcurl retries once on a fresh connection when a reused one dies
  // before any response byte: reset both.
  h.upstream().Enqueue(Behavior::Reset().Times(2));
  s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "transient_error"))
      << s.error_message();
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(GeminiErrorTest, SilentUpstreamHitsTheReadTimeout) {
  GatewayConfig config;
  config.default_read_timeout = absl::Milliseconds(300);
  GatewayHarness h(GeminiEnv(), config);
  h.upstream().Enqueue(Behavior::Hang(absl::Seconds(10)));
  const absl::Time start = absl::Now();
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(s.error_message(), Where() + "timeout"))
      << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(GeminiStreamErrorTest, CutAfterOutputEndsWithErrorAndIsCharged) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::CutStream(2));
  auto result =
      h.Stream(GatewayHarness::UserRequest("one two three four five", kModel));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(result.status.error_message(),
                                "stream broke after output had started"))
      << result.status.error_message();
  EXPECT_EQ(result.text, "Echo: one ");
  EXPECT_FALSE(result.has_summary);
  EXPECT_EQ(h.upstream().RequestCount(), 1);  // no failover after output
  // Charged for what Gemini reported so far (its usageMetadata is
  // cumulative on every chunk): 5 prompt tokens, 2 candidate tokens.
  const int64_t spent = h.Budget().spent_nano_usd();
  EXPECT_EQ(spent, ExpectedCost(h, kModel, 5, 2));
  EXPECT_GT(spent, 0);
  EXPECT_EQ(result.trailer_map["llmgw-cost-nano-usd"], std::to_string(spent));
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

TEST(GeminiStreamErrorTest, ErrorEventAndMalformedEventBeforeOutput) {
  GatewayHarness h(GeminiEnv());
  // Gemini reports some failures inside a 200 stream as an error object.
  h.upstream().Enqueue(Behavior::Malformed());
  Behavior error_event = Behavior::Malformed();
  error_event.body =
      "data: {\"error\": {\"code\": 503, \"message\": \"The model is "
      "overloaded. Please try again later.\", \"status\": "
      "\"UNAVAILABLE\"}}\r\n\r\n";
  h.upstream().Enqueue(error_event);

  auto malformed = h.Stream(GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(malformed.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(
      malformed.status.error_message(),
      absl::StrCat(Where(),
                   "transient_error HTTP 200: malformed gemini "
                   "stream event")))
      << malformed.status.error_message();
  EXPECT_TRUE(malformed.text.empty());

  auto overloaded = h.Stream(GatewayHarness::UserRequest("hi", kModel));
  EXPECT_EQ(overloaded.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(
      overloaded.status.error_message(),
      absl::StrCat(Where(),
                   "transient_error HTTP 503: UNAVAILABLE: The model "
                   "is overloaded. Please try again later.")))
      << overloaded.status.error_message();
  EXPECT_TRUE(overloaded.text.empty());
  EXPECT_EQ(h.Budget().spent_nano_usd(), 0);
  EXPECT_EQ(h.Budget().reserved_nano_usd(), 0);
}

// --- The fake itself, against the API reference -----------------------------

class GeminiFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_upstream::FakeUpstreamOptions options;
    options.formats = {"gemini"};
    fake_ = std::make_unique<FakeUpstream>(options);
    ASSERT_TRUE(fake_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", fake_->port());
  }

  httplib::Result Post(const std::string& path, const json& body,
                       httplib::Headers headers = {
                           {"x-goog-api-key", "AIza-test"}}) {
    return client_->Post(path.c_str(), headers, body.dump(),
                         "application/json");
  }

  static json Body(const std::string& text) {
    return {{"contents", UserContents(text)}};
  }

  // The error.message of a Google error body.
  static std::string Message(const httplib::Result& r) {
    return json::parse(r->body)["error"]["message"].get<std::string>();
  }

  std::unique_ptr<FakeUpstream> fake_;
  std::unique_ptr<httplib::Client> client_;
};

constexpr char kGenerate[] = "/v1beta/models/gemini-2.0-flash:generateContent";
constexpr char kStream[] =
    "/v1beta/models/gemini-2.0-flash:streamGenerateContent";

TEST_F(GeminiFakeTest, AuthenticatesLikeGoogle) {
  auto ok = Post(kGenerate, Body("hi"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->get_header_value("Content-Type"),
            "application/json; charset=UTF-8");
  json reply = json::parse(ok->body);
  EXPECT_EQ(reply["candidates"][0]["content"]["parts"][0]["text"], "Echo: hi");
  EXPECT_EQ(reply["candidates"][0]["content"]["role"], "model");
  EXPECT_EQ(reply["candidates"][0]["finishReason"], "STOP");
  EXPECT_EQ(reply["usageMetadata"]["promptTokenCount"], 1);
  EXPECT_EQ(reply["usageMetadata"]["candidatesTokenCount"], 2);
  EXPECT_EQ(reply["usageMetadata"]["totalTokenCount"], 3);
  EXPECT_EQ(reply["modelVersion"], "gemini-2.0-flash");

  // ?key= works too.
  auto by_query = Post(std::string(kGenerate) + "?key=AIza-test", Body("hi"),
                       httplib::Headers{});
  EXPECT_EQ(by_query->status, 200);
  // No key at all.
  auto none = Post(kGenerate, Body("hi"), httplib::Headers{});
  EXPECT_EQ(none->status, 403);
  EXPECT_TRUE(absl::StartsWith(Message(none),
                               "Method doesn't allow unregistered callers"));
  // A key sent as a bearer token is taken for an OAuth token.
  auto bearer = Post(kGenerate, Body("hi"),
                     httplib::Headers{{"Authorization", "Bearer AIza-test"}});
  EXPECT_EQ(bearer->status, 401);
  EXPECT_EQ(json::parse(bearer->body)["error"]["status"], "UNAUTHENTICATED");
  // A bad key is a 400.
  auto invalid = Post(kGenerate, Body("hi"),
                      httplib::Headers{{"x-goog-api-key", "invalid-key"}});
  EXPECT_EQ(invalid->status, 400);
  EXPECT_EQ(json::parse(invalid->body)["error"]["details"][0]["reason"],
            "API_KEY_INVALID");
  EXPECT_EQ(fake_->RequestCount(), 5);
}

TEST_F(GeminiFakeTest, ValidatesRequestsLikeGoogle) {
  auto unknown = Post(kGenerate, {{"contents", UserContents("hi")},
                                  {"generationConfig", {{"max_tokens", 5}}}});
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(Message(unknown),
            "Invalid JSON payload received. Unknown name \"max_tokens\" at "
            "'generation_config': Cannot find field.");
  auto top_level = Post(kGenerate, {{"contents", UserContents("hi")},
                                    {"messages", json::array()}});
  EXPECT_EQ(Message(top_level),
            "Invalid JSON payload received. Unknown name \"messages\": Cannot "
            "find field.");
  auto wrong_type =
      Post(kGenerate, {{"contents", UserContents("hi")},
                       {"generationConfig", {{"maxOutputTokens", "many"}}}});
  EXPECT_EQ(Message(wrong_type),
            "Invalid value at 'generation_config.max_output_tokens' "
            "(TYPE_INT32), \"many\"");
  auto no_contents = Post(kGenerate, json::object());
  EXPECT_EQ(Message(no_contents),
            "* GenerateContentRequest.contents: contents is not specified\n");
  auto bad_role = Post(
      kGenerate,
      {{"contents", {{{"role", "assistant"}, {"parts", {{{"text", "x"}}}}}}}});
  EXPECT_EQ(Message(bad_role), "Please use a valid role: user, model.");
  auto empty_text = Post(kGenerate, Body(""));
  EXPECT_EQ(Message(empty_text),
            "* GenerateContentRequest.contents[0].parts[0].data: required "
            "oneof field 'data' must have one initialized field\n");
  auto unknown_model =
      Post("/v1beta/models/gemini-pro:generateContent", Body("hi"));
  EXPECT_EQ(unknown_model->status, 404);
  // snake_case field names are accepted, as Google's transcoder does.
  auto snake =
      Post(kGenerate, {{"contents", UserContents("hi there")},
                       {"generation_config", {{"max_output_tokens", 2}}}});
  ASSERT_EQ(snake->status, 200) << snake->body;
  json reply = json::parse(snake->body);
  EXPECT_EQ(reply["candidates"][0]["content"]["parts"][0]["text"], "Echo: hi");
  EXPECT_EQ(reply["candidates"][0]["finishReason"], "MAX_TOKENS");
  // Nothing above consumed a behaviour.
  fake_->Enqueue(Behavior::HttpError(429));
  auto limited = Post(kGenerate, Body("hi"));
  EXPECT_EQ(limited->status, 429);
  json error = json::parse(limited->body)["error"];
  EXPECT_EQ(error["status"], "RESOURCE_EXHAUSTED");
  EXPECT_EQ(error["details"][2]["@type"],
            "type.googleapis.com/google.rpc.RetryInfo");
  EXPECT_EQ(error["details"][2]["retryDelay"], "17s");
}

TEST_F(GeminiFakeTest, StreamsServerSentEventsOrAJsonArray) {
  auto sse = Post(std::string(kStream) + "?alt=sse", Body("a b"));
  ASSERT_EQ(sse->status, 200);
  EXPECT_EQ(sse->get_header_value("Content-Type"), "text/event-stream");
  std::vector<std::string> events =
      absl::StrSplit(sse->body, "\r\n\r\n", absl::SkipEmpty());
  ASSERT_EQ(events.size(), 4u);  // "Echo: ", "a ", "b", then the finish
  std::string text;
  for (const std::string& e : events) {
    ASSERT_TRUE(absl::StartsWith(e, "data: ")) << e;
    json chunk = json::parse(e.substr(6));
    text += chunk["candidates"][0]["content"]["parts"][0]["text"]
                .get<std::string>();
  }
  EXPECT_EQ(text, "Echo: a b");
  json last = json::parse(events.back().substr(6));
  EXPECT_EQ(last["candidates"][0]["finishReason"], "STOP");
  EXPECT_EQ(last["usageMetadata"]["candidatesTokenCount"], 3);

  auto array = Post(kStream, Body("a b"));
  ASSERT_EQ(array->status, 200);
  json chunks = json::parse(array->body);
  ASSERT_TRUE(chunks.is_array());
  EXPECT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks.back()["candidates"][0]["finishReason"], "STOP");

  auto models = client_->Get("/v1beta/models", {{"x-goog-api-key", "k"}});
  ASSERT_EQ(models->status, 200);
  bool found = false;
  const json listed = json::parse(models->body);
  for (const json& m : listed["models"]) {
    if (m["name"] == "models/gemini-2.0-flash") {
      found = true;
      EXPECT_EQ(m["inputTokenLimit"], 1'048'576);
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace llmgw::testing
