#include "providers/openai_compatible/openai_compatible_codec.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/openai_compatible/openai_errors.h"
#include "providers/openai_compatible/openai_response.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

using nlohmann::json;

constexpr char kOpenAiBase[] = "https://api.openai.com/v1";

ProviderRequest HelloRequest() {
  ProviderRequest request;
  request.model = "gpt-4o";
  request.messages = {{MessageRole::kSystem, "You are a helpful assistant."},
                      {MessageRole::kUser, "Hello!"}};
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

std::optional<std::string> RequestHeader(const http::HttpRequest& request,
                                         const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

http::SseEvent Data(std::string data) {
  http::SseEvent event;
  event.data = std::move(data);
  return event;
}

// What a stream produced, fed the way the transport feeds it: deltas
// concatenated, stopping at the first error or terminal event.
struct StreamResult {
  std::string text;
  bool done = false;
  std::optional<ProviderError> error;
  ProviderReply summary;
  // Events handed to the decoder.
  int events = 0;
};

StreamResult Decode(const WireCodec& codec,
                    const std::vector<http::SseEvent>& events) {
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

TEST(OpenAiCompatibleRequestTest, MinimalRequestSendsOnlyRequiredFields) {
  OpenAiCompatibleCodec codec;
  absl::StatusOr<http::HttpRequest> request =
      codec.BuildRequest(HelloRequest(), kOpenAiBase, "sk-test", false);
  ASSERT_TRUE(request.ok()) << request.status();

  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(request->headers,
            (http::HeaderList{{"Content-Type", "application/json"},
                              {"Accept", "application/json"},
                              {"Authorization", "Bearer sk-test"}}));
  EXPECT_EQ(json::parse(request->body), json::parse(R"({
    "model": "gpt-4o",
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "Hello!"}
    ]
  })"));
}

TEST(OpenAiCompatibleRequestTest, SendsEverySetFieldAndStreamUsage) {
  OpenAiCompatibleCodec codec;
  ProviderRequest request = HelloRequest();
  request.messages.push_back({MessageRole::kAssistant, "Hi! How can I help?"});
  request.messages.push_back({MessageRole::kSystem, "Answer briefly."});
  request.messages.push_back({MessageRole::kUser, "Count to three."});
  request.max_tokens = 256;
  request.temperature = 0.7f;
  request.top_p = 0.9f;
  request.stop = {"\n\n", "END"};

  absl::StatusOr<http::HttpRequest> built =
      codec.BuildRequest(request, kOpenAiBase, "sk-test", true);
  ASSERT_TRUE(built.ok()) << built.status();

  EXPECT_EQ(RequestHeader(*built, "Accept"), "text/event-stream");
  EXPECT_EQ(json::parse(built->body), json::parse(R"({
    "model": "gpt-4o",
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "Hello!"},
      {"role": "assistant", "content": "Hi! How can I help?"},
      {"role": "system", "content": "Answer briefly."},
      {"role": "user", "content": "Count to three."}
    ],
    "max_tokens": 256,
    "temperature": 0.7,
    "top_p": 0.9,
    "stop": ["\n\n", "END"],
    "stream": true,
    "stream_options": {"include_usage": true}
  })"));
  // Floats go out as the decimals the caller meant.
  EXPECT_NE(built->body.find("\"temperature\":0.7,"), std::string::npos)
      << built->body;
}

TEST(OpenAiCompatibleRequestTest, ZeroTemperatureIsSentWhenSet) {
  OpenAiCompatibleCodec codec;
  ProviderRequest request = HelloRequest();
  request.temperature = 0.0f;
  absl::StatusOr<http::HttpRequest> built =
      codec.BuildRequest(request, kOpenAiBase, "sk-test", false);
  ASSERT_TRUE(built.ok());
  json body = json::parse(built->body);
  ASSERT_TRUE(body.contains("temperature"));
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_FALSE(body.contains("top_p"));
  EXPECT_FALSE(body.contains("stream"));
}

TEST(OpenAiCompatibleRequestTest, MaxCompletionTokensOption) {
  ProviderSpec spec;
  spec.options["max_tokens_field"] = "max_completion_tokens";
  OpenAiCompatibleCodec codec(OpenAiCompatibleOptions::FromSpec(spec));
  ProviderRequest request = HelloRequest();
  request.max_tokens = 100;
  absl::StatusOr<http::HttpRequest> built =
      codec.BuildRequest(request, kOpenAiBase, "sk-test", false);
  ASSERT_TRUE(built.ok());
  json body = json::parse(built->body);
  EXPECT_EQ(body["max_completion_tokens"], 100);
  EXPECT_FALSE(body.contains("max_tokens"));
}

TEST(OpenAiCompatibleRequestTest, UnknownMaxTokensFieldFallsBackToMaxTokens) {
  ProviderSpec spec;
  spec.options["max_tokens_field"] = "max_new_tokens";
  EXPECT_EQ(OpenAiCompatibleOptions::FromSpec(spec).max_tokens_field,
            "max_tokens");
}

TEST(OpenAiCompatibleRequestTest, StreamUsageCanBeTurnedOff) {
  ProviderSpec spec;
  spec.options["stream_usage"] = "false";
  OpenAiCompatibleCodec codec(OpenAiCompatibleOptions::FromSpec(spec));
  absl::StatusOr<http::HttpRequest> built =
      codec.BuildRequest(HelloRequest(), kOpenAiBase, "sk-test", true);
  ASSERT_TRUE(built.ok());
  json body = json::parse(built->body);
  EXPECT_EQ(body["stream"], true);
  EXPECT_FALSE(body.contains("stream_options"));
}

TEST(OpenAiCompatibleRequestTest, NoAuthorizationHeaderWithoutKey) {
  OpenAiCompatibleCodec codec;
  ProviderRequest request = HelloRequest();
  request.model = "llama3.1";
  absl::StatusOr<http::HttpRequest> built =
      codec.BuildRequest(request, "http://localhost:11434/v1", "", false);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->url, "http://localhost:11434/v1/chat/completions");
  EXPECT_EQ(RequestHeader(*built, "Authorization"), std::nullopt);
  EXPECT_EQ(built->headers.size(), 2u);
}

TEST(OpenAiCompatibleRequestTest, ExtraHeadersFromOptions) {
  ProviderSpec spec;
  spec.options["header.HTTP-Referer"] = "https://gateway.example";
  spec.options["header.X-Title"] = "llm-gateway";
  OpenAiCompatibleCodec codec(OpenAiCompatibleOptions::FromSpec(spec));
  absl::StatusOr<http::HttpRequest> built = codec.BuildRequest(
      HelloRequest(), "https://openrouter.ai/api/v1", "sk-or-1", false);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->url, "https://openrouter.ai/api/v1/chat/completions");
  EXPECT_EQ(RequestHeader(*built, "Authorization"), "Bearer sk-or-1");
  EXPECT_EQ(RequestHeader(*built, "HTTP-Referer"), "https://gateway.example");
  EXPECT_EQ(RequestHeader(*built, "X-Title"), "llm-gateway");
}

TEST(OpenAiCompatibleRequestTest, TrailingSlashOnBaseUrlIsTolerated) {
  OpenAiCompatibleCodec codec;
  absl::StatusOr<http::HttpRequest> built = codec.BuildRequest(
      HelloRequest(), "https://api.groq.com/openai/v1/", "gsk", false);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->url, "https://api.groq.com/openai/v1/chat/completions");
}

TEST(OpenAiCompatibleRequestTest, RejectsRequestWithoutMessagesOrModel) {
  OpenAiCompatibleCodec codec;
  ProviderRequest no_messages = HelloRequest();
  no_messages.messages.clear();
  EXPECT_EQ(
      codec.BuildRequest(no_messages, kOpenAiBase, "k", false).status().code(),
      absl::StatusCode::kInvalidArgument);
  ProviderRequest no_model = HelloRequest();
  no_model.model.clear();
  EXPECT_EQ(
      codec.BuildRequest(no_model, kOpenAiBase, "k", false).status().code(),
      absl::StatusCode::kInvalidArgument);
}

// --- Reply ---------------------------------------------------------------

// The example response of OpenAI's "Create chat completion" reference.
constexpr char kOpenAiExampleReply[] = R"({
  "id": "chatcmpl-123",
  "object": "chat.completion",
  "created": 1677652288,
  "model": "gpt-4o-mini",
  "system_fingerprint": "fp_44709d6fcb",
  "choices": [{
    "index": 0,
    "message": {
      "role": "assistant",
      "content": "\n\nHello there, how may I assist you today?"
    },
    "logprobs": null,
    "finish_reason": "stop"
  }],
  "usage": {
    "prompt_tokens": 9,
    "completion_tokens": 12,
    "total_tokens": 21,
    "completion_tokens_details": {"reasoning_tokens": 0}
  }
})";

TEST(OpenAiCompatibleReplyTest, ParsesDocumentedExample) {
  OpenAiCompatibleCodec codec;
  ProviderOutcome outcome =
      codec.ParseReply(Response(200, kOpenAiExampleReply));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.reply.text, "\n\nHello there, how may I assist you today?");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(outcome.reply.usage.reported);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 9);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 12);
  EXPECT_EQ(outcome.reply.model, "gpt-4o-mini");
}

struct FinishCase {
  const char* wire;  // nullptr: JSON null
  FinishReason expected;
};

class OpenAiFinishReasonTest : public ::testing::TestWithParam<FinishCase> {};

TEST_P(OpenAiFinishReasonTest, MapsFinishReason) {
  json body = json::parse(kOpenAiExampleReply);
  if (GetParam().wire == nullptr) {
    body["choices"][0]["finish_reason"] = nullptr;
  } else {
    body["choices"][0]["finish_reason"] = GetParam().wire;
  }
  OpenAiCompatibleCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, body.dump()));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.finish_reason, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    AllDocumented, OpenAiFinishReasonTest,
    ::testing::Values(FinishCase{"stop", FinishReason::kStop},
                      FinishCase{"length", FinishReason::kLength},
                      FinishCase{"content_filter",
                                 FinishReason::kContentFilter},
                      FinishCase{"tool_calls", FinishReason::kToolCalls},
                      FinishCase{"function_call", FinishReason::kToolCalls},
                      FinishCase{"error", FinishReason::kError},
                      FinishCase{"eos_token", FinishReason::kStop},
                      FinishCase{"something_new", FinishReason::kUnspecified},
                      FinishCase{nullptr, FinishReason::kUnspecified}));

TEST(OpenAiCompatibleReplyTest, NullContentWithToolCallsIsEmptyText) {
  OpenAiCompatibleCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({
    "id": "chatcmpl-abc123",
    "object": "chat.completion",
    "model": "gpt-4o",
    "choices": [{
      "index": 0,
      "message": {
        "role": "assistant",
        "content": null,
        "tool_calls": [{"id": "call_abc123", "type": "function",
                        "function": {"name": "get_current_weather",
                                     "arguments": "{\"location\": \"Boston, MA\"}"}}]
      },
      "logprobs": null,
      "finish_reason": "tool_calls"
    }],
    "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99}
  })"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.text, "");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 82);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 17);
}

TEST(OpenAiCompatibleReplyTest, MissingUsageIsNotReported) {
  json body = json::parse(kOpenAiExampleReply);
  body.erase("usage");
  OpenAiCompatibleCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, body.dump()));
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome.reply.usage.reported);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 0);

  body["usage"] = nullptr;
  outcome = codec.ParseReply(Response(200, body.dump()));
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome.reply.usage.reported);
}

TEST(OpenAiCompatibleReplyTest, ContentPartsAreConcatenated) {
  OpenAiCompatibleCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({
    "model": "some-model",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant",
                             "content": [{"type": "text", "text": "Hello, "},
                                         {"type": "text", "text": "world"}]}}]
  })"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.text, "Hello, world");
}

TEST(OpenAiCompatibleReplyTest, MalformedBodiesAreTransient) {
  OpenAiCompatibleCodec codec;
  for (const char* body :
       {"", "<html>Bad Gateway</html>", "[1,2]", R"({"choices": []})",
        R"({"choices": [{"index": 0}]})", R"({"id": "x"})"}) {
    ProviderOutcome outcome = codec.ParseReply(Response(200, body));
    ASSERT_FALSE(outcome.ok()) << body;
    EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient) << body;
    EXPECT_EQ(outcome.error->http_status, 200);
    EXPECT_EQ(
        outcome.error->message.rfind("malformed chat completion response: ", 0),
        0u)
        << outcome.error->message;
  }
}

TEST(OpenAiCompatibleReplyTest, ErrorObjectInSuccessfulBody) {
  // OpenRouter: "any error occurred while the LLM is producing the output will
  // be emitted in the response body" with HTTP 200.
  OpenAiCompatibleCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(
      200,
      R"({"error": {"code": 502, "message": "Provider returned error"}})"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(outcome.error->http_status, 200);
  EXPECT_EQ(outcome.error->message, "Provider returned error");
}

// --- Stream --------------------------------------------------------------

// OpenAI's streaming example with stream_options.include_usage: content
// chunks, the finish_reason chunk with an empty delta, the usage chunk with
// empty choices, then [DONE].
std::vector<http::SseEvent> OpenAiExampleStream() {
  return {
      Data(
          R"({"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null})"),
      Data(
          R"({"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null})"),
      Data(
          R"({"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":"!"},"logprobs":null,"finish_reason":null}],"usage":null})"),
      Data(
          R"({"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":" How can I help?"},"logprobs":null,"finish_reason":null}],"usage":null})"),
      Data(
          R"({"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null})"),
      Data(
          R"({"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15}})"),
      Data("[DONE]"),
  };
}

TEST(OpenAiCompatibleStreamTest, DocumentedStreamWithUsageChunk) {
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(codec, OpenAiExampleStream());
  EXPECT_FALSE(result.error.has_value());
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.events, 7);
  EXPECT_EQ(result.text, "Hello! How can I help?");
  EXPECT_EQ(result.summary.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(result.summary.usage.reported);
  EXPECT_EQ(result.summary.usage.input_tokens, 9);
  EXPECT_EQ(result.summary.usage.output_tokens, 6);
  EXPECT_EQ(result.summary.model, "gpt-4o-mini");
  EXPECT_EQ(result.summary.text, "");
}

TEST(OpenAiCompatibleStreamTest, StreamWithoutUsageLeavesUsageUnreported) {
  std::vector<http::SseEvent> events = OpenAiExampleStream();
  events.erase(events.begin() + 5);  // the usage chunk
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(codec, events);
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Hello! How can I help?");
  EXPECT_EQ(result.summary.finish_reason, FinishReason::kStop);
  EXPECT_FALSE(result.summary.usage.reported);
}

TEST(OpenAiCompatibleStreamTest, UsageOnTheFinalContentChunk) {
  // vLLM / Together: usage rides on the chunk with the finish_reason.
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(
      codec,
      {Data(
           R"({"id":"cmpl-1","object":"chat.completion.chunk","model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]})"),
       Data(
           R"({"id":"cmpl-1","object":"chat.completion.chunk","model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"length"}],"usage":{"prompt_tokens":20,"completion_tokens":2,"total_tokens":22}})"),
       Data("[DONE]")});
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Hi there");
  EXPECT_EQ(result.summary.finish_reason, FinishReason::kLength);
  EXPECT_TRUE(result.summary.usage.reported);
  EXPECT_EQ(result.summary.usage.input_tokens, 20);
  EXPECT_EQ(result.summary.usage.output_tokens, 2);
}

TEST(OpenAiCompatibleStreamTest, GroqUsageInXGroq) {
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(
      codec,
      {Data(
           R"({"id":"chatcmpl-9","object":"chat.completion.chunk","model":"llama-3.1-8b-instant","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01"}})"),
       Data(
           R"({"id":"chatcmpl-9","object":"chat.completion.chunk","model":"llama-3.1-8b-instant","choices":[{"index":0,"delta":{"content":"Fast"},"logprobs":null,"finish_reason":null}]})"),
       Data(
           R"({"id":"chatcmpl-9","object":"chat.completion.chunk","model":"llama-3.1-8b-instant","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_01","usage":{"queue_time":0.02,"prompt_tokens":14,"prompt_time":0.001,"completion_tokens":1,"completion_time":0.003,"total_tokens":15,"total_time":0.004}}})"),
       Data("[DONE]")});
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "Fast");
  EXPECT_EQ(result.summary.model, "llama-3.1-8b-instant");
  EXPECT_TRUE(result.summary.usage.reported);
  EXPECT_EQ(result.summary.usage.input_tokens, 14);
  EXPECT_EQ(result.summary.usage.output_tokens, 1);
}

TEST(OpenAiCompatibleStreamTest, OpenRouterMidStreamError) {
  // OpenRouter's documented mid-stream error chunk.
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(
      codec,
      {Data(
           R"({"id":"gen-1","object":"chat.completion.chunk","model":"openai/gpt-4o","choices":[{"index":0,"delta":{"content":"Partial"},"finish_reason":null}]})"),
       Data(
           R"({"id":"cmpl-abc123","object":"chat.completion.chunk","created":1234567890,"model":"gpt-3.5-turbo","provider":"openai","error":{"code":"server_error","message":"Provider disconnected unexpectedly"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]})"),
       Data("[DONE]")});
  EXPECT_FALSE(result.done);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->http_status, 0);
  EXPECT_EQ(result.error->message,
            "server_error: Provider disconnected unexpectedly");
  EXPECT_EQ(result.text, "Partial");
  EXPECT_EQ(result.summary.finish_reason, FinishReason::kError);
  EXPECT_EQ(result.events, 2);
}

TEST(OpenAiCompatibleStreamTest, InStreamErrorWithNumericStatusCode) {
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(
      codec,
      {Data(
          R"({"error":{"code":429,"message":"Rate limit exceeded: free-models-per-min"}})")});
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(result.error->message, "Rate limit exceeded: free-models-per-min");
}

TEST(OpenAiCompatibleStreamTest, InStreamOpenAiErrorObject) {
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(
      codec,
      {Data(
          R"({"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}})")});
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message,
            "The server had an error while processing your request. Sorry "
            "about that!");
}

TEST(OpenAiCompatibleStreamTest, ErrorEventType) {
  http::SseEvent event;
  event.event = "error";
  event.data = "upstream connection lost";
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(codec, {event});
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message, "upstream connection lost");
}

TEST(OpenAiCompatibleStreamTest, MalformedEventIsTransient) {
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(
      codec,
      {Data(
           R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]})"),
       Data(R"({"id":"c","object":"chat.compl)"), Data("[DONE]")});
  EXPECT_FALSE(result.done);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message,
            R"(malformed stream event: {"id":"c","object":"chat.compl)");
  EXPECT_EQ(result.text, "ok");
}

TEST(OpenAiCompatibleStreamTest, NonObjectEventIsTransient) {
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(codec, {Data("42")});
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
}

TEST(OpenAiCompatibleStreamTest, EmptyDataIsIgnored) {
  OpenAiCompatibleCodec codec;
  StreamResult result = Decode(
      codec,
      {Data(""),
       Data(
           R"({"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]})"),
       Data("  "), Data("[DONE]")});
  EXPECT_FALSE(result.error.has_value());
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.text, "x");
}

// --- Errors --------------------------------------------------------------

ProviderError ParseError(int status, const std::string& body,
                         http::HeaderList headers = {}) {
  OpenAiCompatibleCodec codec;
  return codec.ParseError(Response(status, body, std::move(headers)));
}

TEST(OpenAiCompatibleErrorTest, InvalidApiKey) {
  ProviderError error = ParseError(401, R"({
    "error": {
      "message": "Incorrect API key provided: sk-abc***xyz. You can find your API key at https://platform.openai.com/account/api-keys.",
      "type": "invalid_request_error",
      "param": null,
      "code": "invalid_api_key"
    }
  })");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(error.http_status, 401);
  EXPECT_EQ(error.message,
            "invalid_api_key: Incorrect API key provided: sk-abc***xyz. You "
            "can find your API key at "
            "https://platform.openai.com/account/api-keys.");
}

TEST(OpenAiCompatibleErrorTest, InsufficientQuotaIsKeyInvalidDespite429) {
  ProviderError error = ParseError(429, R"({
    "error": {
      "message": "You exceeded your current quota, please check your plan and billing details.",
      "type": "insufficient_quota",
      "param": null,
      "code": "insufficient_quota"
    }
  })");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(error.http_status, 429);
}

TEST(OpenAiCompatibleErrorTest, RateLimitKeepsRetryAfterAndHeaders) {
  ProviderError error = ParseError(429, R"({
    "error": {
      "message": "Rate limit reached for gpt-4o in organization org-123 on tokens per min (TPM): Limit 30000, Used 29000, Requested 1500. Please try again in 1s.",
      "type": "tokens",
      "param": null,
      "code": "rate_limit_exceeded"
    }
  })",
                                   {{"retry-after", "20"},
                                    {"x-ratelimit-limit-tokens", "30000"},
                                    {"x-ratelimit-remaining-tokens", "1000"},
                                    {"x-ratelimit-reset-tokens", "2s"},
                                    {"content-type", "application/json"}});
  EXPECT_EQ(error.error_class, ErrorClass::kRateLimited);
  ASSERT_TRUE(error.retry_after.has_value());
  EXPECT_EQ(*error.retry_after, absl::Seconds(20));
  EXPECT_EQ(error.rate_limit_headers,
            (std::vector<std::pair<std::string, std::string>>{
                {"retry-after", "20"},
                {"x-ratelimit-limit-tokens", "30000"},
                {"x-ratelimit-remaining-tokens", "1000"},
                {"x-ratelimit-reset-tokens", "2s"}}));
}

TEST(OpenAiCompatibleErrorTest, RetryAfterMilliseconds) {
  ProviderError error = ParseError(
      429,
      R"({"error":{"message":"Too many requests","type":"requests","code":"rate_limit_exceeded"}})",
      {{"retry-after-ms", "1500"}});
  EXPECT_EQ(error.error_class, ErrorClass::kRateLimited);
  ASSERT_TRUE(error.retry_after.has_value());
  EXPECT_EQ(*error.retry_after, absl::Milliseconds(1500));
}

TEST(OpenAiCompatibleErrorTest, ContextLengthExceeded) {
  ProviderError error = ParseError(400, R"({
    "error": {
      "message": "This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens. Please reduce the length of the messages.",
      "type": "invalid_request_error",
      "param": "messages",
      "code": "context_length_exceeded"
    }
  })");
  EXPECT_EQ(error.error_class, ErrorClass::kFailedPrecondition);
  EXPECT_EQ(error.message.rfind("context_length_exceeded: This model's", 0),
            0u);
}

TEST(OpenAiCompatibleErrorTest, ContextLengthWithoutCodeFromVllm) {
  ProviderError error = ParseError(400, R"({
    "object": "error",
    "message": "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
    "type": "BadRequestError",
    "param": null,
    "code": 400
  })");
  EXPECT_EQ(error.error_class, ErrorClass::kFailedPrecondition);
}

TEST(OpenAiCompatibleErrorTest, ModelNotFound) {
  ProviderError error = ParseError(404, R"({
    "error": {
      "message": "The model `gpt-5o` does not exist or you do not have access to it.",
      "type": "invalid_request_error",
      "param": null,
      "code": "model_not_found"
    }
  })");
  EXPECT_EQ(error.error_class, ErrorClass::kModelNotFound);
  EXPECT_EQ(error.http_status, 404);
}

TEST(OpenAiCompatibleErrorTest, DeepSeekModelNotExistWith400) {
  ProviderError error = ParseError(
      400,
      R"({"error":{"message":"Model Not Exist","type":"invalid_request_error","param":null,"code":"invalid_request_error"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kModelNotFound);
}

TEST(OpenAiCompatibleErrorTest, OllamaModelNotFound) {
  ProviderError error = ParseError(
      404,
      R"({"error":{"message":"model \"llama3\" not found, try pulling it first","type":"api_error","param":null,"code":null}})");
  EXPECT_EQ(error.error_class, ErrorClass::kModelNotFound);
  EXPECT_EQ(error.message, "model \"llama3\" not found, try pulling it first");
}

TEST(OpenAiCompatibleErrorTest, OtherBadRequestIsInvalidRequest) {
  ProviderError error = ParseError(400, R"({
    "error": {
      "message": "Invalid value for 'temperature': expected a number between 0 and 2.",
      "type": "invalid_request_error",
      "param": "temperature",
      "code": "invalid_value"
    }
  })");
  EXPECT_EQ(error.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(error.message,
            "invalid_value: Invalid value for 'temperature': expected a number "
            "between 0 and 2.");
}

TEST(OpenAiCompatibleErrorTest, ServerErrorsAreTransient) {
  EXPECT_EQ(
      ParseError(
          500,
          R"({"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}})")
          .error_class,
      ErrorClass::kTransient);
  EXPECT_EQ(
      ParseError(
          503,
          R"({"error":{"message":"The engine is currently overloaded, please try again later.","type":"server_error","param":null,"code":null}})")
          .error_class,
      ErrorClass::kTransient);
  ProviderError html = ParseError(502, "<html><body>Bad Gateway</body></html>");
  EXPECT_EQ(html.error_class, ErrorClass::kTransient);
  EXPECT_EQ(html.http_status, 502);
  EXPECT_EQ(html.message, "<html><body>Bad Gateway</body></html>");
}

TEST(OpenAiCompatibleErrorTest, EmptyBodyIsClassifiedByStatus) {
  ProviderError error = ParseError(401, "");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(error.message, "empty error body");
}

TEST(OpenAiCompatibleErrorTest, OpenRouterInsufficientCredits) {
  ProviderError error = ParseError(
      402,
      R"({"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/credits"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(
      error.message,
      "Insufficient credits. Add more using https://openrouter.ai/credits");
}

TEST(OpenAiCompatibleErrorTest, OpenRouterModerationIsInvalidRequestNotKey) {
  ProviderError error = ParseError(403, R"({
    "error": {
      "code": 403,
      "message": "openai/gpt-4o requires moderation on OpenAI. Your input was flagged for \"harassment\".",
      "metadata": {"reasons": ["harassment"], "flagged_input": "...",
                   "provider_name": "OpenAI", "model_slug": "openai/gpt-4o"}
    }
  })");
  EXPECT_EQ(error.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(error.http_status, 403);
}

TEST(OpenAiCompatibleErrorTest, OpenRouterInvalidKey) {
  ProviderError error = ParseError(
      401, R"({"error":{"code":401,"message":"No auth credentials found"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
}

TEST(OpenAiCompatibleErrorTest, GroqRequestLargerThanTokensPerMinute) {
  ProviderError error = ParseError(413, R"({
    "error": {
      "message": "Request too large for model `llama-3.1-8b-instant` in organization `org_1` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 9582, please reduce your message size and try again.",
      "type": "tokens",
      "code": "rate_limit_exceeded"
    }
  })");
  EXPECT_EQ(error.error_class, ErrorClass::kFailedPrecondition);
}

TEST(OpenAiCompatibleErrorTest, DeepSeekInsufficientBalance) {
  ProviderError error = ParseError(
      402,
      R"({"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
}

TEST(OpenAiCompatibleErrorTest, TgiValidationErrorOverContext) {
  ProviderError error = ParseError(
      422,
      R"({"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`","error_type":"validation"})");
  EXPECT_EQ(error.error_class, ErrorClass::kFailedPrecondition);
  EXPECT_EQ(error.message.rfind("Input validation error:", 0), 0u);
}

TEST(OpenAiCompatibleErrorTest, FastApiValidationDetail) {
  ProviderError error = ParseError(
      422,
      R"({"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"},{"loc":["body","model"],"msg":"str type expected","type":"type_error.str"}]})");
  EXPECT_EQ(error.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(error.message, "field required; str type expected");
}

TEST(OpenAiCompatibleErrorTest, DetailStringUnauthorized) {
  ProviderError error = ParseError(401, R"({"detail":"Invalid credentials"})");
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(error.message, "Invalid credentials");
}

TEST(OpenAiCompatibleErrorTest, ClassifierIsExact) {
  using openai_compat::ClassifyOpenAiError;
  using openai_compat::OpenAiErrorFields;
  OpenAiErrorFields invalid_request;
  invalid_request.type = "invalid_request_error";
  invalid_request.message = "bad thing";
  // In a stream (status 0) an invalid_request_error is not transient.
  EXPECT_EQ(ClassifyOpenAiError(0, invalid_request),
            ErrorClass::kInvalidRequest);
  OpenAiErrorFields unknown;
  unknown.message = "something odd";
  EXPECT_EQ(ClassifyOpenAiError(0, unknown), ErrorClass::kTransient);
  EXPECT_EQ(ClassifyOpenAiError(409, unknown), ErrorClass::kTransient);
  EXPECT_EQ(ClassifyOpenAiError(400, unknown), ErrorClass::kInvalidRequest);
  OpenAiErrorFields auth;
  auth.type = "authentication_error";
  EXPECT_EQ(ClassifyOpenAiError(0, auth), ErrorClass::kKeyInvalid);
}

}  // namespace
}  // namespace llmgw
