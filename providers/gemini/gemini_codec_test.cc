// Tests of the Gemini codec on payloads shaped like the examples of the
// Gemini API reference (ai.google.dev/api/generate-content) and its error
// documentation (ai.google.dev/gemini-api/docs/troubleshooting).
#include "providers/gemini/gemini_codec.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/gemini/gemini_errors.h"
#include "registry/provider.h"

namespace llmgw {
namespace {

using nlohmann::json;

constexpr char kBase[] = "https://generativelanguage.googleapis.com/v1beta";
constexpr char kKey[] = "AIzaSyTEST-not-a-real-key";

std::string HeaderValue(const http::HttpRequest& request,
                        const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<absent>";
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

ProviderRequest ChatRequest() {
  ProviderRequest request;
  request.model = "gemini-2.0-flash";
  request.messages = {
      {MessageRole::kUser, "Hello"},
      {MessageRole::kAssistant,
       "Great to meet you. What would you like to know?"},
      {MessageRole::kUser,
       "I have two dogs in my house. How many paws are in my house?"},
  };
  return request;
}

// ---------------------------------------------------------------- requests

TEST(GeminiRequestTest, ChatWithoutOptionsMapsRolesAndOmitsConfig) {
  GeminiCodec codec;
  auto request = codec.BuildRequest(ChatRequest(), kBase, kKey, false);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url,
            "https://generativelanguage.googleapis.com/v1beta/models/"
            "gemini-2.0-flash:generateContent");
  EXPECT_EQ(HeaderValue(*request, "x-goog-api-key"), kKey);
  EXPECT_EQ(HeaderValue(*request, "content-type"), "application/json");
  EXPECT_EQ(HeaderValue(*request, "accept"), "<absent>");
  EXPECT_EQ(HeaderValue(*request, "authorization"), "<absent>");
  EXPECT_EQ(request->url.find("key="), std::string::npos);
  EXPECT_EQ(request->body.find(kKey), std::string::npos);

  json expected = json::parse(R"({
    "contents": [
      {"role": "user", "parts": [{"text": "Hello"}]},
      {"role": "model",
       "parts": [{"text": "Great to meet you. What would you like to know?"}]},
      {"role": "user", "parts": [{"text":
        "I have two dogs in my house. How many paws are in my house?"}]}
    ]
  })");
  EXPECT_EQ(json::parse(request->body), expected);
}

TEST(GeminiRequestTest, SystemPromptAndGenerationConfig) {
  ProviderRequest in;
  in.model = "gemini-1.5-pro";
  in.messages = {{MessageRole::kSystem, "You are a cat."},
                 {MessageRole::kUser, "Hello there"},
                 {MessageRole::kSystem, "Your name is Neko."}};
  in.max_tokens = 800;
  in.temperature = 0.7f;
  in.top_p = 0.8f;
  in.stop = {"Title", "END"};
  GeminiCodec codec;
  auto request = codec.BuildRequest(in, kBase, kKey, false);
  ASSERT_TRUE(request.ok()) << request.status();
  json expected = json::parse(R"({
    "contents": [{"role": "user", "parts": [{"text": "Hello there"}]}],
    "systemInstruction": {
      "parts": [{"text": "You are a cat.\n\nYour name is Neko."}]},
    "generationConfig": {"maxOutputTokens": 800, "temperature": 0.7,
                         "topP": 0.8, "stopSequences": ["Title", "END"]}
  })");
  EXPECT_EQ(json::parse(request->body), expected);
  // The floats go out as short decimals, not 0.699999988079071.
  EXPECT_NE(request->body.find("\"temperature\":0.7,"), std::string::npos)
      << request->body;
}

TEST(GeminiRequestTest, OnlySetFieldsAppearInGenerationConfig) {
  ProviderRequest in;
  in.model = "gemini-2.5-flash";
  in.messages = {{MessageRole::kUser, "Hi"}};
  in.temperature = 0.0f;
  GeminiCodec codec;
  auto request = codec.BuildRequest(in, kBase, kKey, false);
  ASSERT_TRUE(request.ok());
  json body = json::parse(request->body);
  EXPECT_EQ(body["generationConfig"], json::parse(R"({"temperature": 0.0})"));
  EXPECT_FALSE(body.contains("systemInstruction"));
}

TEST(GeminiRequestTest, ConsecutiveTurnsOfOneRoleAreMerged) {
  ProviderRequest in;
  in.model = "gemini-2.0-flash";
  in.messages = {
      {MessageRole::kUser, "first"},      {MessageRole::kUser, "second"},
      {MessageRole::kSystem, "be brief"}, {MessageRole::kUser, "third"},
      {MessageRole::kAssistant, "a1"},    {MessageRole::kAssistant, "a2"},
      {MessageRole::kUser, "last"}};
  GeminiCodec codec;
  auto request = codec.BuildRequest(in, kBase, kKey, false);
  ASSERT_TRUE(request.ok());
  json expected = json::parse(R"({
    "contents": [
      {"role": "user",
       "parts": [{"text": "first"}, {"text": "second"}, {"text": "third"}]},
      {"role": "model", "parts": [{"text": "a1"}, {"text": "a2"}]},
      {"role": "user", "parts": [{"text": "last"}]}
    ],
    "systemInstruction": {"parts": [{"text": "be brief"}]}
  })");
  EXPECT_EQ(json::parse(request->body), expected);
}

TEST(GeminiRequestTest, StreamingUsesSseEndpoint) {
  GeminiCodec codec;
  auto request = codec.BuildRequest(ChatRequest(), kBase, kKey, true);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url,
            "https://generativelanguage.googleapis.com/v1beta/models/"
            "gemini-2.0-flash:streamGenerateContent?alt=sse");
  EXPECT_EQ(HeaderValue(*request, "accept"), "text/event-stream");
  EXPECT_EQ(HeaderValue(*request, "x-goog-api-key"), kKey);
  // Gemini always reports usage in streams: nothing extra in the body.
  json body = json::parse(request->body);
  EXPECT_EQ(body.size(), 1u);
  EXPECT_TRUE(body.contains("contents"));
}

TEST(GeminiRequestTest, ModelPathsAndEmptyKey) {
  GeminiCodec codec;
  ProviderRequest in = ChatRequest();
  in.model = "models/gemini-2.5-pro";
  auto request =
      codec.BuildRequest(in, "http://127.0.0.1:8080/v1beta", "", false);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(
      request->url,
      "http://127.0.0.1:8080/v1beta/models/gemini-2.5-pro:generateContent");
  EXPECT_EQ(HeaderValue(*request, "x-goog-api-key"), "<absent>");

  in.model = "tunedModels/my-tuned-1";
  request = codec.BuildRequest(in, kBase, kKey, false);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url,
            std::string(kBase) + "/tunedModels/my-tuned-1:generateContent");
}

TEST(GeminiRequestTest, RejectsUnsafeModelNamesAndEmptyContents) {
  GeminiCodec codec;
  ProviderRequest in = ChatRequest();
  for (const char* model : {"", "gemini pro", "gemini?key=x", "a#b",
                            "../../v1/x", "gemini:generateContent", "/abs"}) {
    in.model = model;
    auto request = codec.BuildRequest(in, kBase, kKey, false);
    EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument)
        << model;
  }
  ProviderRequest system_only;
  system_only.model = "gemini-2.0-flash";
  system_only.messages = {{MessageRole::kSystem, "only instructions"}};
  EXPECT_EQ(codec.BuildRequest(system_only, kBase, kKey, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ----------------------------------------------------------------- replies

TEST(GeminiReplyTest, DocumentedTextReply) {
  GeminiCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({
    "candidates": [{
      "content": {
        "parts": [{"text": "AI learns patterns from data "},
                  {"text": "to make predictions.\n"}],
        "role": "model"},
      "finishReason": "STOP",
      "avgLogprobs": -0.09
    }],
    "usageMetadata": {
      "promptTokenCount": 8, "candidatesTokenCount": 12, "totalTokenCount": 20,
      "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}],
      "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 12}]},
    "modelVersion": "gemini-2.0-flash",
    "responseId": "abc123"
  })"));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.reply.text,
            "AI learns patterns from data to make predictions.\n");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(outcome.reply.usage.reported);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 8);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 12);
  EXPECT_EQ(outcome.reply.model, "gemini-2.0-flash");
}

TEST(GeminiReplyTest, ThoughtsAreSkippedButBilledAsOutput) {
  GeminiCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({
    "candidates": [{
      "content": {"parts": [
        {"text": "**Counting paws** Two dogs, four paws each.", "thought": true},
        {"text": "There are 8 paws."}], "role": "model"},
      "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 22, "candidatesTokenCount": 6,
                      "thoughtsTokenCount": 120, "totalTokenCount": 148},
    "modelVersion": "gemini-2.5-flash"
  })"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.text, "There are 8 paws.");
  EXPECT_EQ(outcome.reply.usage.input_tokens, 22);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 126);
}

struct FinishCase {
  const char* wire;
  FinishReason expected;
};

class GeminiFinishReasonTest : public ::testing::TestWithParam<FinishCase> {};

TEST_P(GeminiFinishReasonTest, MapsDocumentedReason) {
  GeminiCodec codec;
  json body = json::parse(R"({
    "candidates": [{"content": {"parts": [{"text": "partial"}], "role": "model"},
                    "index": 0}],
    "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 1,
                      "totalTokenCount": 6}})");
  body["candidates"][0]["finishReason"] = GetParam().wire;
  ProviderOutcome outcome = codec.ParseReply(Response(200, body.dump()));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.finish_reason, GetParam().expected)
      << GetParam().wire;
  EXPECT_EQ(outcome.reply.text, "partial");
}

INSTANTIATE_TEST_SUITE_P(
    AllDocumented, GeminiFinishReasonTest,
    ::testing::Values(
        FinishCase{"STOP", FinishReason::kStop},
        FinishCase{"MAX_TOKENS", FinishReason::kLength},
        FinishCase{"SAFETY", FinishReason::kContentFilter},
        FinishCase{"RECITATION", FinishReason::kContentFilter},
        FinishCase{"LANGUAGE", FinishReason::kContentFilter},
        FinishCase{"BLOCKLIST", FinishReason::kContentFilter},
        FinishCase{"PROHIBITED_CONTENT", FinishReason::kContentFilter},
        FinishCase{"SPII", FinishReason::kContentFilter},
        FinishCase{"IMAGE_SAFETY", FinishReason::kContentFilter},
        FinishCase{"IMAGE_PROHIBITED_CONTENT", FinishReason::kContentFilter},
        FinishCase{"IMAGE_RECITATION", FinishReason::kContentFilter},
        FinishCase{"MALFORMED_FUNCTION_CALL", FinishReason::kError},
        FinishCase{"UNEXPECTED_TOOL_CALL", FinishReason::kError},
        FinishCase{"TOO_MANY_TOOL_CALLS", FinishReason::kError},
        FinishCase{"MISSING_THOUGHT_SIGNATURE", FinishReason::kError},
        FinishCase{"MALFORMED_RESPONSE", FinishReason::kError},
        FinishCase{"NO_IMAGE", FinishReason::kError},
        FinishCase{"OTHER", FinishReason::kUnspecified},
        FinishCase{"IMAGE_OTHER", FinishReason::kUnspecified},
        FinishCase{"FINISH_REASON_UNSPECIFIED", FinishReason::kUnspecified},
        FinishCase{"SOMETHING_NEW", FinishReason::kUnspecified}),
    [](const ::testing::TestParamInfo<FinishCase>& info) {
      return std::string(info.param.wire);
    });

TEST(GeminiReplyTest, BlockedCandidateHasNoContent) {
  const std::string body = R"({
    "candidates": [{"finishReason": "SAFETY", "index": 0, "safetyRatings": [
      {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
      {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH",
       "blocked": true}]}],
    "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
    "modelVersion": "gemini-1.5-flash-002"})";
  GeminiCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, body));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.text, "");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 9);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 0);
  EXPECT_TRUE(outcome.reply.usage.reported);
  EXPECT_EQ(GeminiFinishDetail(body),
            "SAFETY (HARM_CATEGORY_HARASSMENT: HIGH)");
}

TEST(GeminiReplyTest, FinishMessageIsTheDetail) {
  const std::string body = R"({
    "candidates": [{"content": {"parts": [{"text": "x"}], "role": "model"},
      "finishReason": "MALFORMED_FUNCTION_CALL",
      "finishMessage": "Malformed function call: foo(", "index": 0}]})";
  EXPECT_EQ(GeminiFinishDetail(body),
            "MALFORMED_FUNCTION_CALL: Malformed function call: foo(");
  EXPECT_EQ(GeminiFinishDetail(R"({"candidates": [{"finishReason": "STOP"}]})"),
            "");
  EXPECT_EQ(GeminiFinishDetail("not json"), "");
}

TEST(GeminiReplyTest, BlockedPromptIsAContentFilterReply) {
  const std::string body = R"({
    "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
    "usageMetadata": {"promptTokenCount": 12559, "totalTokenCount": 12559},
    "modelVersion": "gemini-1.5-flash-002"})";
  GeminiCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, body));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.text, "");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 12559);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 0);
  EXPECT_EQ(outcome.reply.model, "gemini-1.5-flash-002");
  EXPECT_EQ(GeminiFinishDetail(body), "prompt blocked: PROHIBITED_CONTENT");

  EXPECT_EQ(GeminiFinishDetail(R"({"promptFeedback": {"blockReason": "SAFETY",
      "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT",
                         "probability": "HIGH"},
                        {"category": "HARM_CATEGORY_HATE_SPEECH",
                         "probability": "LOW"}]}})"),
            "prompt blocked: SAFETY (HARM_CATEGORY_DANGEROUS_CONTENT: HIGH)");
}

TEST(GeminiReplyTest, NoUsageMetadataMeansNotReported) {
  GeminiCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({
    "candidates": [{"content": {"parts": [{"text": "ok"}]},
                    "finishReason": "STOP"}]})"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome.reply.usage.reported);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 0);
  EXPECT_EQ(outcome.reply.model, "");
}

TEST(GeminiReplyTest, MalformedBodiesAreTransient) {
  GeminiCodec codec;
  for (const char* body : {"", "<html>oops</html>", "[1, 2]", "\"text\"",
                           R"({"candidates": [{"content": )",
                           R"({"usageMetadata": {"promptTokenCount": 1}})",
                           R"({"candidates": []})"}) {
    ProviderOutcome outcome = codec.ParseReply(Response(200, body));
    ASSERT_FALSE(outcome.ok()) << body;
    EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient) << body;
    EXPECT_EQ(outcome.error->http_status, 200);
    EXPECT_EQ(outcome.error->message.rfind("malformed gemini response", 0), 0u)
        << outcome.error->message;
  }
}

TEST(GeminiReplyTest, ErrorObjectInSuccessBodyIsAnError) {
  GeminiCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({"error": {
    "code": 503, "message": "The model is overloaded. Please try again later.",
    "status": "UNAVAILABLE"}})"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(outcome.error->http_status, 503);
  EXPECT_EQ(outcome.error->message,
            "UNAVAILABLE: The model is overloaded. Please try again later.");
}

// --------------------------------------------------------------- streaming

struct StreamResult {
  std::string text;
  bool done = false;
  int events_after_done = 0;
  std::optional<ProviderError> error;
};

StreamResult Feed(StreamDecoder& decoder,
                  const std::vector<std::string>& data) {
  StreamResult result;
  for (const std::string& d : data) {
    if (result.done) ++result.events_after_done;
    StreamUpdate update = decoder.OnEvent(Data(d));
    result.text += update.delta;
    if (update.error) {
      result.error = update.error;
      break;
    }
    result.done = result.done || update.done;
  }
  return result;
}

TEST(GeminiStreamTest, DocumentedStreamEndToEnd) {
  GeminiCodec codec;
  std::unique_ptr<StreamDecoder> decoder = codec.NewStreamDecoder();
  StreamResult result = Feed(
      *decoder,
      {
          R"({"candidates": [{"content": {"parts": [{"text": "Once upon"}],
          "role": "model"}, "index": 0}],
          "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8},
          "modelVersion": "gemini-2.0-flash"})",
          R"({"candidates": [{"content": {"parts": [{"text": " a time, "}],
          "role": "model"}, "index": 0}],
          "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8},
          "modelVersion": "gemini-2.0-flash"})",
          R"({"candidates": [{"content": {"parts": [{"text": "there was a robot."}],
          "role": "model"}, "finishReason": "STOP", "index": 0}],
          "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 11,
                            "totalTokenCount": 19},
          "modelVersion": "gemini-2.0-flash"})",
      });
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Once upon a time, there was a robot.");
  const ProviderReply& summary = decoder->Summary();
  EXPECT_EQ(summary.text, "");
  EXPECT_EQ(summary.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(summary.usage.reported);
  EXPECT_EQ(summary.usage.input_tokens, 8);
  EXPECT_EQ(summary.usage.output_tokens, 11);
  EXPECT_EQ(summary.model, "gemini-2.0-flash");
}

TEST(GeminiStreamTest, NotDoneUntilAFinishReasonArrives) {
  GeminiStreamDecoder decoder;
  StreamUpdate first = decoder.OnEvent(Data(R"({"candidates": [{"content":
      {"parts": [{"text": "Hi"}], "role": "model"}, "index": 0}]})"));
  EXPECT_EQ(first.delta, "Hi");
  EXPECT_FALSE(first.done);
  EXPECT_FALSE(first.error);
  EXPECT_EQ(decoder.Summary().finish_reason, FinishReason::kUnspecified);
  EXPECT_FALSE(decoder.Summary().usage.reported);
  // Keep-alive style empty data is ignored.
  StreamUpdate empty = decoder.OnEvent(Data(""));
  EXPECT_EQ(empty.delta, "");
  EXPECT_FALSE(empty.done);
  EXPECT_FALSE(empty.error);
}

TEST(GeminiStreamTest, ThinkingStreamSkipsThoughtsAndCountsThem) {
  GeminiStreamDecoder decoder;
  StreamResult result = Feed(
      decoder,
      {
          R"({"candidates": [{"content": {"parts": [{"text": "**Examining** ...",
          "thought": true}], "role": "model"}, "index": 0}],
          "usageMetadata": {"promptTokenCount": 990, "totalTokenCount": 1057,
                            "thoughtsTokenCount": 67},
          "modelVersion": "gemini-2.5-flash"})",
          R"({"candidates": [{"content": {"parts": [{"text": "Answer."}],
          "role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}],
          "usageMetadata": {"promptTokenCount": 990, "candidatesTokenCount": 2,
                            "thoughtsTokenCount": 67, "totalTokenCount": 1059},
          "modelVersion": "gemini-2.5-flash"})",
      });
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Answer.");
  EXPECT_EQ(decoder.Summary().finish_reason, FinishReason::kLength);
  EXPECT_EQ(decoder.Summary().usage.input_tokens, 990);
  EXPECT_EQ(decoder.Summary().usage.output_tokens, 69);
}

TEST(GeminiStreamTest, SafetyStopMidStream) {
  GeminiStreamDecoder decoder;
  StreamResult result =
      Feed(decoder,
           {
               R"({"candidates": [{"content": {"parts": [{"text": "Step one"}],
          "role": "model"}, "index": 0}]})",
               R"({"candidates": [{"finishReason": "SAFETY", "index": 0,
          "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT",
                             "probability": "HIGH", "blocked": true}]}],
          "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 3,
                            "totalTokenCount": 13}})",
           });
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Step one");
  EXPECT_EQ(decoder.Summary().finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(decoder.finish_detail(),
            "SAFETY (HARM_CATEGORY_DANGEROUS_CONTENT: HIGH)");
}

TEST(GeminiStreamTest, BlockedPromptEndsTheStream) {
  GeminiStreamDecoder decoder;
  StreamUpdate update = decoder.OnEvent(Data(R"({
      "promptFeedback": {"blockReason": "OTHER"},
      "usageMetadata": {"promptTokenCount": 1919, "totalTokenCount": 1919},
      "modelVersion": "gemini-2.0-flash"})"));
  EXPECT_TRUE(update.done);
  EXPECT_FALSE(update.error);
  EXPECT_EQ(update.delta, "");
  EXPECT_EQ(decoder.Summary().finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(decoder.Summary().usage.input_tokens, 1919);
  EXPECT_EQ(decoder.finish_detail(), "prompt blocked: OTHER");
}

TEST(GeminiStreamTest, ErrorEventAfterTextIsAnError) {
  GeminiStreamDecoder decoder;
  StreamResult result = Feed(
      decoder,
      {
          R"({"candidates": [{"content": {"parts": [{"text": "the first half"}],
          "role": "model"}, "index": 0}],
          "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4}})",
          R"({"error": {"code": 503, "message":
          "The model is overloaded. Please try again later.",
          "status": "UNAVAILABLE"}})",
          R"({"candidates": [{"finishReason": "STOP"}]})",
      });
  EXPECT_FALSE(result.done);
  EXPECT_EQ(result.text, "the first half");
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->http_status, 503);
  EXPECT_EQ(result.error->message,
            "UNAVAILABLE: The model is overloaded. Please try again later.");
  EXPECT_EQ(decoder.Summary().usage.input_tokens, 4);
}

TEST(GeminiStreamTest, RateLimitErrorEventKeepsRetryDelay) {
  GeminiStreamDecoder decoder;
  StreamUpdate update = decoder.OnEvent(Data(R"({"error": {"code": 429,
      "message": "Resource has been exhausted (e.g. check quota).",
      "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo",
         "retryDelay": "12.5s"}]}})"));
  ASSERT_TRUE(update.error);
  EXPECT_EQ(update.error->error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(update.error->retry_after, absl::Milliseconds(12500));
}

TEST(GeminiStreamTest, MalformedEventsAreTransient) {
  for (const char* data : {"{\"candidates\": [", "[DONE]", "42", "[]"}) {
    GeminiStreamDecoder decoder;
    StreamUpdate update = decoder.OnEvent(Data(data));
    ASSERT_TRUE(update.error) << data;
    EXPECT_EQ(update.error->error_class, ErrorClass::kTransient);
    EXPECT_EQ(update.error->message.rfind("malformed gemini stream event: ", 0),
              0u)
        << update.error->message;
    EXPECT_FALSE(update.done);
  }
}

// ------------------------------------------------------------------ errors

ProviderError ParseHttpError(int status, const std::string& body,
                             http::HeaderList headers = {}) {
  GeminiCodec codec;
  return codec.ParseError(Response(status, body, std::move(headers)));
}

TEST(GeminiErrorTest, InvalidKeyIsReportedAs400) {
  ProviderError error = ParseHttpError(400, R"({"error": {
    "code": 400, "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT",
    "details": [
      {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
       "reason": "API_KEY_INVALID", "domain": "googleapis.com",
       "metadata": {"service": "generativelanguage.googleapis.com"}},
      {"@type": "type.googleapis.com/google.rpc.LocalizedMessage",
       "locale": "en-US",
       "message": "API key not valid. Please pass a valid API key."}]}})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.message,
            "INVALID_ARGUMENT: API key not valid. Please pass a valid API key. "
            "(reason: API_KEY_INVALID)");
  EXPECT_FALSE(error.retry_after);
}

TEST(GeminiErrorTest, ExpiredKeyIsKeyInvalid) {
  ProviderError error = ParseHttpError(400, R"({"error": {"code": 400,
    "message": "API key expired. Please renew the API key.",
    "status": "INVALID_ARGUMENT", "details": [
      {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
       "reason": "API_KEY_EXPIRED", "domain": "googleapis.com"}]}})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
}

TEST(GeminiErrorTest, BadRequestIsInvalidRequest) {
  ProviderError error = ParseHttpError(400, R"({"error": {"code": 400,
    "message": "Invalid JSON payload received. Unknown name \"foo\": Cannot find field.",
    "status": "INVALID_ARGUMENT", "details": [
      {"@type": "type.googleapis.com/google.rpc.BadRequest",
       "fieldViolations": [{"description": "Invalid JSON payload received."}]}]}})");
  EXPECT_EQ(error.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(error.message,
            "INVALID_ARGUMENT: Invalid JSON payload received. Unknown name "
            "\"foo\": Cannot find field.");
}

TEST(GeminiErrorTest, InputTooLongIsFailedPrecondition) {
  ProviderError error = ParseHttpError(400, R"({"error": {"code": 400,
    "message": "The input token count (3475108) exceeds the maximum number of tokens allowed (1048576).",
    "status": "INVALID_ARGUMENT"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kFailedPrecondition);
  EXPECT_EQ(error.message,
            "INVALID_ARGUMENT: The input token count (3475108) exceeds the "
            "maximum number of tokens allowed (1048576).");
}

TEST(GeminiErrorTest, UnsupportedLocationIsFailedPrecondition) {
  ProviderError error = ParseHttpError(400, R"({"error": {"code": 400,
    "message": "User location is not supported for the API use.",
    "status": "FAILED_PRECONDITION"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kFailedPrecondition);
  EXPECT_EQ(
      error.message,
      "FAILED_PRECONDITION: User location is not supported for the API use.");
}

TEST(GeminiErrorTest, PermissionDeniedIsKeyInvalid) {
  ProviderError error = ParseHttpError(403, R"({"error": {"code": 403,
    "message": "The caller does not have permission",
    "status": "PERMISSION_DENIED"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(error.http_status, 403);
  EXPECT_EQ(error.message,
            "PERMISSION_DENIED: The caller does not have permission");
}

TEST(GeminiErrorTest, UnknownModelIsModelNotFound) {
  ProviderError error = ParseHttpError(404, R"({"error": {"code": 404,
    "message": "models/gemini-9.9-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
    "status": "NOT_FOUND"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kModelNotFound);
  EXPECT_EQ(
      error.message.rfind("NOT_FOUND: models/gemini-9.9-pro is not found", 0),
      0u);
}

TEST(GeminiErrorTest, QuotaExhaustedKeepsRetryInfoDelay) {
  ProviderError error = ParseHttpError(429, R"({"error": {"code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details.",
    "status": "RESOURCE_EXHAUSTED", "details": [
      {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
         "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
         "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"},
         "quotaValue": "15"}]},
      {"@type": "type.googleapis.com/google.rpc.Help", "links": [
        {"description": "Learn more about Gemini API quotas",
         "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
      {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]}})");
  EXPECT_EQ(error.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after, absl::Seconds(37));
  EXPECT_EQ(error.message,
            "RESOURCE_EXHAUSTED: You exceeded your current quota, please check "
            "your plan and billing details.");
}

TEST(GeminiErrorTest, RetryInfoWinsOverRetryAfterHeader) {
  ProviderError error = ParseHttpError(
      429,
      R"({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
          "status": "RESOURCE_EXHAUSTED", "details": [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo",
             "retryDelay": "45.837906927s"}]}})",
      {{"retry-after", "3"}});
  EXPECT_EQ(error.retry_after, absl::Nanoseconds(45'837'906'927));
  ASSERT_EQ(error.rate_limit_headers.size(), 1u);
  EXPECT_EQ(error.rate_limit_headers[0].first, "retry-after");
}

TEST(GeminiErrorTest, RetryAfterHeaderWithoutRetryInfo) {
  ProviderError error = ParseHttpError(
      429,
      R"({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
          "status": "RESOURCE_EXHAUSTED"}})",
      {{"retry-after", "20"}, {"x-ratelimit-remaining-requests", "0"}});
  EXPECT_EQ(error.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(error.retry_after, absl::Seconds(20));
  EXPECT_EQ(error.rate_limit_headers.size(), 2u);
}

TEST(GeminiErrorTest, ServerErrorsAreTransient) {
  struct Case {
    int status;
    const char* body;
    const char* message;
  };
  for (
      const Case& c : {
          Case{
              500,
              R"({"error": {"code": 500, "message": "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", "status": "INTERNAL"}})",
              "INTERNAL: An internal error has occurred. Please retry or "
              "report in "
              "https://developers.generativeai.google/guide/troubleshooting"},
          Case{
              503,
              R"({"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}})",
              "UNAVAILABLE: The model is overloaded. Please try again later."},
          Case{
              504,
              R"({"error": {"code": 504, "message": "Deadline expired before operation could complete.", "status": "DEADLINE_EXCEEDED"}})",
              "DEADLINE_EXCEEDED: Deadline expired before operation could "
              "complete."},
      }) {
    ProviderError error = ParseHttpError(c.status, c.body);
    EXPECT_EQ(error.error_class, ErrorClass::kTransient) << c.status;
    EXPECT_EQ(error.http_status, c.status);
    EXPECT_EQ(error.message, c.message);
  }
}

TEST(GeminiErrorTest, ArrayWrappedEnvelope) {
  ProviderError error = ParseHttpError(400, R"([{"error": {"code": 400,
    "message": "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).",
    "errors": [{"message": "...", "domain": "global", "reason": "badRequest"}],
    "status": "INVALID_ARGUMENT"}}])");
  EXPECT_EQ(error.error_class, ErrorClass::kFailedPrecondition);
}

TEST(GeminiErrorTest, NonJsonBodiesAreClassifiedByStatus) {
  ProviderError bad_gateway =
      ParseHttpError(502, "<html><title>502 Bad Gateway</title></html>");
  EXPECT_EQ(bad_gateway.error_class, ErrorClass::kTransient);
  EXPECT_EQ(bad_gateway.http_status, 502);
  EXPECT_EQ(bad_gateway.message, "<html><title>502 Bad Gateway</title></html>");

  ProviderError unauthorized = ParseHttpError(401, "");
  EXPECT_EQ(unauthorized.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(unauthorized.message, "empty error body");

  ProviderError too_large = ParseHttpError(413, "Request Entity Too Large");
  EXPECT_EQ(too_large.error_class, ErrorClass::kFailedPrecondition);

  ProviderError throttled =
      ParseHttpError(429, "Too Many Requests", {{"retry-after", "7"}});
  EXPECT_EQ(throttled.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(throttled.retry_after, absl::Seconds(7));
}

TEST(GeminiErrorTest, UnauthenticatedStatusIsKeyInvalid) {
  ProviderError error = ParseHttpError(401, R"({"error": {"code": 401,
    "message": "Request had invalid authentication credentials.",
    "status": "UNAUTHENTICATED"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
}

TEST(GeminiErrorTest, KeyInvalidByMessageWithoutErrorInfo) {
  ProviderError error = ParseHttpError(400, R"({"error": {"code": 400,
    "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(
      error.message,
      "INVALID_ARGUMENT: API key not valid. Please pass a valid API key.");
}

TEST(GeminiErrorTest, ProtoDurations) {
  EXPECT_EQ(gemini::ParseProtoDuration("37s"), absl::Seconds(37));
  EXPECT_EQ(gemini::ParseProtoDuration("0.5s"), absl::Milliseconds(500));
  EXPECT_EQ(gemini::ParseProtoDuration("0s"), absl::ZeroDuration());
  EXPECT_FALSE(gemini::ParseProtoDuration(""));
  EXPECT_FALSE(gemini::ParseProtoDuration("s"));
  EXPECT_FALSE(gemini::ParseProtoDuration("37"));
  EXPECT_FALSE(gemini::ParseProtoDuration("-1s"));
  EXPECT_FALSE(gemini::ParseProtoDuration("1m"));
  EXPECT_FALSE(gemini::ParseProtoDuration("1e3s"));
}

}  // namespace
}  // namespace llmgw
