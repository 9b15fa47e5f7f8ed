#include "providers/minimax/minimax_codec.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/minimax/minimax_errors.h"
#include "registry/provider.h"

namespace llmgw {
namespace {

using nlohmann::json;

constexpr char kBase[] = "https://api.minimax.io/v1";

ProviderRequest HelloRequest() {
  ProviderRequest request;
  request.model = "MiniMax-M2.7";
  request.messages = {{MessageRole::kSystem, "You are a helpful assistant."},
                      {MessageRole::kUser, "hello"}};
  return request;
}

http::HttpResponse Response(int status, std::string body,
                            http::HeaderList headers = {}) {
  http::HttpResponse response;
  response.status_code = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

http::SseEvent Data(std::string data) {
  http::SseEvent event;
  event.data = std::move(data);
  return event;
}

struct StreamResult {
  std::string text;
  bool done = false;
  std::optional<ProviderError> error;
  ProviderReply summary;
  int events = 0;
};

// Feeds events the way the transport does: stops at an error or at done.
StreamResult Decode(const std::vector<http::SseEvent>& events) {
  MiniMaxCodec codec;
  std::unique_ptr<StreamDecoder> decoder = codec.NewStreamDecoder();
  StreamResult result;
  for (const http::SseEvent& event : events) {
    ++result.events;
    StreamUpdate update = decoder->OnEvent(event);
    result.text += update.delta;
    if (update.error) {
      result.error = std::move(update.error);
      break;
    }
    if (update.done) {
      result.done = true;
      break;
    }
  }
  result.summary = decoder->Summary();
  return result;
}

// --- Request -------------------------------------------------------------

TEST(MiniMaxRequestTest, MinimalRequest) {
  MiniMaxCodec codec;
  absl::StatusOr<http::HttpRequest> request =
      codec.BuildRequest(HelloRequest(), kBase, "mm-key", false);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "https://api.minimax.io/v1/text/chatcompletion_v2");
  EXPECT_EQ(request->headers,
            (http::HeaderList{{"Content-Type", "application/json"},
                              {"Accept", "application/json"},
                              {"Authorization", "Bearer mm-key"}}));
  EXPECT_EQ(json::parse(request->body), json::parse(R"({
    "model": "MiniMax-M2.7",
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "hello"}
    ]
  })"));
}

TEST(MiniMaxRequestTest, AllFieldsAndStream) {
  MiniMaxCodec codec;
  ProviderRequest request = HelloRequest();
  request.messages.push_back(
      {MessageRole::kAssistant, "Hello! How can I help?"});
  request.messages.push_back({MessageRole::kUser, "Tell me a joke."});
  request.max_tokens = 1024;
  request.temperature = 0.7f;
  request.top_p = 0.95f;
  request.stop = {"END"};
  absl::StatusOr<http::HttpRequest> built =
      codec.BuildRequest(request, "https://api.minimaxi.com/v1/", "k", true);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->url, "https://api.minimaxi.com/v1/text/chatcompletion_v2");
  EXPECT_EQ(built->headers[1], (std::pair<std::string, std::string>{
                                   "Accept", "text/event-stream"}));
  EXPECT_EQ(json::parse(built->body), json::parse(R"({
    "model": "MiniMax-M2.7",
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "hello"},
      {"role": "assistant", "content": "Hello! How can I help?"},
      {"role": "user", "content": "Tell me a joke."}
    ],
    "max_completion_tokens": 1024,
    "temperature": 0.7,
    "top_p": 0.95,
    "stop": ["END"],
    "stream": true
  })"));
}

TEST(MiniMaxRequestTest, SamplingIsClampedToDocumentedRange) {
  MiniMaxCodec codec;
  ProviderRequest request = HelloRequest();
  request.temperature = 0.0f;
  request.top_p = 1.5f;
  absl::StatusOr<http::HttpRequest> built =
      codec.BuildRequest(request, kBase, "k", false);
  ASSERT_TRUE(built.ok());
  json body = json::parse(built->body);
  EXPECT_EQ(body["temperature"], 0.01);
  EXPECT_EQ(body["top_p"], 1.0);

  request.temperature = 2.0f;
  request.top_p = -1.0f;
  body = json::parse(codec.BuildRequest(request, kBase, "k", false)->body);
  EXPECT_EQ(body["temperature"], 1.0);
  EXPECT_EQ(body["top_p"], 0.01);
}

TEST(MiniMaxRequestTest, RejectsEmptyRequests) {
  MiniMaxCodec codec;
  ProviderRequest request = HelloRequest();
  request.messages.clear();
  EXPECT_EQ(codec.BuildRequest(request, kBase, "k", false).status().code(),
            absl::StatusCode::kInvalidArgument);
  request = HelloRequest();
  request.model.clear();
  EXPECT_EQ(codec.BuildRequest(request, kBase, "k", false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Reply ---------------------------------------------------------------

// The response example of the ChatCompletion v2 reference (text-post).
constexpr char kDocumentedReply[] = R"({
  "id": "04ecb5d9b1921ae0fb0e8da9017a5474",
  "choices": [{
    "finish_reason": "stop",
    "index": 0,
    "message": {
      "content": "Hello! How can I assist you?",
      "role": "assistant",
      "name": "MiniMax AI",
      "audio_content": "",
      "reasoning_content": "...omitted"
    }
  }],
  "created": 1755153113,
  "model": "MiniMax-M1",
  "object": "chat.completion",
  "usage": {
    "total_tokens": 249,
    "total_characters": 0,
    "prompt_tokens": 26,
    "completion_tokens": 223,
    "completion_tokens_details": {"reasoning_tokens": 214}
  },
  "input_sensitive": false,
  "output_sensitive": false,
  "input_sensitive_type": 0,
  "output_sensitive_type": 0,
  "output_sensitive_int": 0,
  "base_resp": {"status_code": 0, "status_msg": ""}
})";

TEST(MiniMaxReplyTest, ParsesDocumentedExample) {
  MiniMaxCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, kDocumentedReply));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.reply.text, "Hello! How can I assist you?");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(outcome.reply.usage.reported);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 26);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 223);
  EXPECT_EQ(outcome.reply.model, "MiniMax-M1");
}

TEST(MiniMaxReplyTest, FinishReasons) {
  const std::vector<std::pair<json, FinishReason>> cases = {
      {"stop", FinishReason::kStop},
      {"length", FinishReason::kLength},
      {"tool_calls", FinishReason::kToolCalls},
      {"content_filter", FinishReason::kContentFilter},
      {"other", FinishReason::kUnspecified},
      {nullptr, FinishReason::kUnspecified},
  };
  MiniMaxCodec codec;
  for (const auto& [wire, expected] : cases) {
    json body = json::parse(kDocumentedReply);
    body["choices"][0]["finish_reason"] = wire;
    ProviderOutcome outcome = codec.ParseReply(Response(200, body.dump()));
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome.reply.finish_reason, expected) << wire.dump();
  }
}

TEST(MiniMaxReplyTest, OutputSensitiveIsContentFilter) {
  json body = json::parse(kDocumentedReply);
  body["output_sensitive"] = true;
  body["output_sensitive_type"] = 2;
  MiniMaxCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, body.dump()));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kContentFilter);
}

TEST(MiniMaxReplyTest, NoUsageIsNotReported) {
  json body = json::parse(kDocumentedReply);
  body["usage"] = {{"total_tokens", 0}, {"total_characters", 0}};
  MiniMaxCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, body.dump()));
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome.reply.usage.reported);
}

TEST(MiniMaxReplyTest, InBandErrorWithHttp200) {
  MiniMaxCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({
    "id": "0483e5b5d0b1f2a1c7e5d9c3b3f1a2e4",
    "choices": null,
    "created": 1755153113,
    "model": "MiniMax-M2.7",
    "object": "chat.completion",
    "usage": null,
    "input_sensitive": false,
    "output_sensitive": false,
    "input_sensitive_type": 0,
    "output_sensitive_type": 0,
    "base_resp": {"status_code": 1008, "status_msg": "insufficient balance"}
  })",
                                                      {{"trace-id", "abc"}}));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(outcome.error->http_status, 200);
  EXPECT_EQ(outcome.error->message, "insufficient balance (1008)");
}

TEST(MiniMaxReplyTest, InBandRateLimitKeepsRetryAfter) {
  MiniMaxCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(
      200,
      R"json({"base_resp": {"status_code": 1002, "status_msg": "rate limit exceeded(RPM)"}})json",
      {{"retry-after", "3"}}));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kRateLimited);
  ASSERT_TRUE(outcome.error->retry_after.has_value());
  EXPECT_EQ(*outcome.error->retry_after, absl::Seconds(3));
  EXPECT_EQ(outcome.error->message, "rate limit exceeded(RPM) (1002)");
}

TEST(MiniMaxReplyTest, MalformedBodiesAreTransient) {
  MiniMaxCodec codec;
  for (const char* body :
       {"", "not json", "[]",
        R"({"choices": [], "base_resp": {"status_code": 0, "status_msg": ""}})",
        R"({"choices": [{"index": 0, "finish_reason": "stop"}]})"}) {
    ProviderOutcome outcome = codec.ParseReply(Response(200, body));
    ASSERT_FALSE(outcome.ok()) << body;
    EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient) << body;
    EXPECT_EQ(outcome.error->message.rfind(
                  "malformed MiniMax chat completion response: ", 0),
              0u)
        << outcome.error->message;
  }
}

// --- base_resp codes ------------------------------------------------------

struct CodeCase {
  int64_t code;
  const char* message;
  ErrorClass expected;
};

class MiniMaxStatusCodeTest : public ::testing::TestWithParam<CodeCase> {};

TEST_P(MiniMaxStatusCodeTest, ClassifiesInReplyAndStream) {
  const CodeCase& c = GetParam();
  json body = {
      {"base_resp", {{"status_code", c.code}, {"status_msg", c.message}}}};
  MiniMaxCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, body.dump()));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, c.expected) << c.code;
  EXPECT_EQ(outcome.error->message,
            std::string(c.message) + " (" + std::to_string(c.code) + ")");

  StreamResult stream = Decode({Data(body.dump())});
  ASSERT_TRUE(stream.error.has_value());
  EXPECT_EQ(stream.error->error_class, c.expected) << c.code;
  EXPECT_EQ(stream.error->http_status, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Documented, MiniMaxStatusCodeTest,
    ::testing::Values(
        CodeCase{1000, "unknown error", ErrorClass::kTransient},
        CodeCase{1001, "request timeout", ErrorClass::kTransient},
        CodeCase{1002, "rate limit", ErrorClass::kRateLimited},
        CodeCase{1004,
                 "not authorized / token not match group / cookie is missing, "
                 "log in again",
                 ErrorClass::kKeyInvalid},
        CodeCase{1008, "insufficient balance", ErrorClass::kKeyInvalid},
        CodeCase{1013, "internal service error", ErrorClass::kTransient},
        CodeCase{1024, "internal error", ErrorClass::kTransient},
        CodeCase{1026, "input new_sensitive", ErrorClass::kInvalidRequest},
        CodeCase{1027, "output new_sensitive", ErrorClass::kFailedPrecondition},
        CodeCase{1033, "system error / mysql failed", ErrorClass::kTransient},
        CodeCase{1039, "token limit", ErrorClass::kRateLimited},
        CodeCase{1041, "conn limit", ErrorClass::kRateLimited},
        CodeCase{1042, "invisible character ratio limit",
                 ErrorClass::kInvalidRequest},
        CodeCase{2013, "invalid params", ErrorClass::kInvalidRequest},
        CodeCase{2013, "invalid params, context window exceeds limit",
                 ErrorClass::kFailedPrecondition},
        CodeCase{2013, "invalid params, unknown model 'MiniMax-M9'",
                 ErrorClass::kModelNotFound},
        CodeCase{2045, "rate growth limit", ErrorClass::kRateLimited},
        CodeCase{2049, "invalid api key", ErrorClass::kKeyInvalid},
        CodeCase{2056, "usage limit exceeded", ErrorClass::kRateLimited},
        CodeCase{9999, "something new", ErrorClass::kTransient}));

TEST(MiniMaxStatusCodeTest, StringStatusCodeIsAccepted) {
  MiniMaxCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(
      200,
      R"({"base_resp": {"status_code": "1004", "status_msg": "login fail"}})"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kKeyInvalid);
}

// --- Stream --------------------------------------------------------------

// The shape MiniMax streams: chunks with placeholder usage, the chunk with
// the finish_reason, then the full chat.completion object with real usage.
std::vector<http::SseEvent> DocumentedStream() {
  return {
      Data(
          R"({"id":"0483e5b5d0b1f2a1","choices":[{"index":0,"delta":{"content":"Hello","role":"assistant","name":"MiniMax AI","audio_content":""}}],"created":1755153113,"model":"MiniMax-M2.7","object":"chat.completion.chunk","usage":{"total_tokens":0,"total_characters":0},"input_sensitive":false,"output_sensitive":false,"input_sensitive_type":0,"output_sensitive_type":0,"output_sensitive_int":0})"),
      Data(
          R"({"id":"0483e5b5d0b1f2a1","choices":[{"index":0,"delta":{"content":"! How can I help?","role":"assistant","name":"MiniMax AI","audio_content":""}}],"created":1755153113,"model":"MiniMax-M2.7","object":"chat.completion.chunk","usage":{"total_tokens":0,"total_characters":0},"input_sensitive":false,"output_sensitive":false,"input_sensitive_type":0,"output_sensitive_type":0,"output_sensitive_int":0})"),
      Data(
          R"({"id":"0483e5b5d0b1f2a1","choices":[{"finish_reason":"stop","index":0,"delta":{"content":"","role":"assistant","name":"MiniMax AI","audio_content":""}}],"created":1755153113,"model":"MiniMax-M2.7","object":"chat.completion.chunk","usage":{"total_tokens":0,"total_characters":0},"input_sensitive":false,"output_sensitive":false,"input_sensitive_type":0,"output_sensitive_type":0,"output_sensitive_int":0})"),
      Data(
          R"({"id":"0483e5b5d0b1f2a1","choices":[{"finish_reason":"stop","index":0,"message":{"content":"Hello! How can I help?","role":"assistant","name":"MiniMax AI","audio_content":""}}],"created":1755153113,"model":"MiniMax-M2.7","object":"chat.completion","usage":{"total_tokens":30,"total_characters":0,"prompt_tokens":21,"completion_tokens":9},"input_sensitive":false,"output_sensitive":false,"input_sensitive_type":0,"output_sensitive_type":0,"output_sensitive_int":0,"base_resp":{"status_code":0,"status_msg":""}})"),
  };
}

TEST(MiniMaxStreamTest, DocumentedStreamEndsWithFullMessage) {
  StreamResult result = Decode(DocumentedStream());
  EXPECT_FALSE(result.error.has_value());
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.events, 4);
  // The final object's repeated message is not sent twice.
  EXPECT_EQ(result.text, "Hello! How can I help?");
  EXPECT_EQ(result.summary.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(result.summary.usage.reported);
  EXPECT_EQ(result.summary.usage.input_tokens, 21);
  EXPECT_EQ(result.summary.usage.output_tokens, 9);
  EXPECT_EQ(result.summary.model, "MiniMax-M2.7");
}

TEST(MiniMaxStreamTest, PlaceholderUsageIsNotReported) {
  std::vector<http::SseEvent> events = DocumentedStream();
  events.pop_back();
  events.push_back(Data("[DONE]"));
  StreamResult result = Decode(events);
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Hello! How can I help?");
  EXPECT_FALSE(result.summary.usage.reported);
}

TEST(MiniMaxStreamTest, FinalMessageFillsWhatDeltasMissed) {
  std::vector<http::SseEvent> events = DocumentedStream();
  events.erase(events.begin() + 1);  // lose "! How can I help?"
  StreamResult result = Decode(events);
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Hello! How can I help?");
}

TEST(MiniMaxStreamTest, LengthFinishOnFinalObject) {
  std::vector<http::SseEvent> events = DocumentedStream();
  json last = json::parse(events.back().data);
  last["choices"][0]["finish_reason"] = "length";
  events.back().data = last.dump();
  StreamResult result = Decode(events);
  EXPECT_EQ(result.summary.finish_reason, FinishReason::kLength);
}

TEST(MiniMaxStreamTest, OutputSensitiveMidStream) {
  StreamResult result = Decode(
      {Data(
           R"({"id":"x","choices":[{"index":0,"delta":{"content":"Once"}}],"object":"chat.completion.chunk","output_sensitive":false})"),
       Data(
           R"({"id":"x","choices":[{"finish_reason":"stop","index":0,"message":{"content":"Once","role":"assistant"}}],"object":"chat.completion","usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6},"output_sensitive":true,"output_sensitive_type":6,"base_resp":{"status_code":0,"status_msg":""}})")});
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.summary.finish_reason, FinishReason::kContentFilter);
}

TEST(MiniMaxStreamTest, ErrorInsideStream) {
  StreamResult result = Decode(
      {Data(
           R"({"id":"x","choices":[{"index":0,"delta":{"content":"Par"}}],"object":"chat.completion.chunk"})"),
       Data(
           R"({"id":"x","choices":null,"object":"chat.completion","base_resp":{"status_code":1027,"status_msg":"output new_sensitive"}})"),
       Data("[DONE]")});
  EXPECT_FALSE(result.done);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kFailedPrecondition);
  EXPECT_EQ(result.error->message, "output new_sensitive (1027)");
  EXPECT_EQ(result.text, "Par");
}

TEST(MiniMaxStreamTest, OpenAiStyleErrorInsideStream) {
  StreamResult result = Decode({Data(
      R"json({"error":{"type":"api_error","message":"system error (1033)"}})json")});
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message, "system error (1033)");
}

TEST(MiniMaxStreamTest, MalformedEventIsTransient) {
  StreamResult result = Decode({Data(R"({"id":"x","choices":[{"ind)")});
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message,
            R"(malformed stream event: {"id":"x","choices":[{"ind)");
}

TEST(MiniMaxStreamTest, EmptyEventsAreIgnored) {
  std::vector<http::SseEvent> events = DocumentedStream();
  events.insert(events.begin(), Data(""));
  StreamResult result = Decode(events);
  EXPECT_FALSE(result.error.has_value());
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Hello! How can I help?");
}

// --- HTTP errors ----------------------------------------------------------

TEST(MiniMaxHttpErrorTest, UnauthorizedWithBaseResp) {
  MiniMaxCodec codec;
  ProviderError error = codec.ParseError(Response(
      401,
      R"({"base_resp":{"status_code":1004,"status_msg":"login fail: Please carry the API secret key in the 'Authorization' field of the request header"}})"));
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(error.http_status, 401);
  EXPECT_EQ(error.message,
            "login fail: Please carry the API secret key in the "
            "'Authorization' field of the request header (1004)");
}

TEST(MiniMaxHttpErrorTest, RateLimitedWithRetryAfter) {
  MiniMaxCodec codec;
  ProviderError error = codec.ParseError(Response(
      429,
      R"json({"error":{"type":"rate_limit_error","message":"usage limit exceeded (2056)"}})json",
      {{"retry-after", "60"}, {"x-ratelimit-remaining-requests", "0"}}));
  EXPECT_EQ(error.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(error.message, "usage limit exceeded (2056)");
  ASSERT_TRUE(error.retry_after.has_value());
  EXPECT_EQ(*error.retry_after, absl::Seconds(60));
  EXPECT_EQ(error.rate_limit_headers.size(), 2u);
}

TEST(MiniMaxHttpErrorTest, ServerErrorWithHtmlBody) {
  MiniMaxCodec codec;
  ProviderError error =
      codec.ParseError(Response(502, "<html>502 Bad Gateway</html>"));
  EXPECT_EQ(error.error_class, ErrorClass::kTransient);
  EXPECT_EQ(error.message, "<html>502 Bad Gateway</html>");
}

TEST(MiniMaxHttpErrorTest, BadRequestWithoutBaseResp) {
  MiniMaxCodec codec;
  ProviderError error =
      codec.ParseError(Response(400, R"({"error":"invalid request body"})"));
  EXPECT_EQ(error.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(error.message, "invalid request body");
}

TEST(MiniMaxHttpErrorTest, BaseRespCodeWinsOverHttpStatus) {
  MiniMaxCodec codec;
  ProviderError error = codec.ParseError(Response(
      500,
      R"({"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}})"));
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(error.http_status, 500);
}

}  // namespace
}  // namespace llmgw
