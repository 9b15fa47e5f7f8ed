#include "providers/cohere/cohere_codec.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "nlohmann/json.hpp"
#include "providers/cohere/cohere_catalog.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

constexpr char kBase[] = "https://api.cohere.com/v2";
constexpr char kKey[] = "co-test-key-123";

Message Msg(MessageRole role, std::string content) {
  Message message;
  message.role = role;
  message.content = std::move(content);
  return message;
}

http::HttpResponse Response(int status, std::string body,
                            http::HeaderList headers = {}) {
  http::HttpResponse response;
  response.status_code = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

std::string HeaderValue(const http::HttpRequest& request,
                        const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

http::SseEvent Event(std::string name, std::string data) {
  http::SseEvent event;
  event.event = std::move(name);
  event.data = std::move(data);
  return event;
}

// --- Requests -------------------------------------------------------------

TEST(CohereRequestTest, MinimalRequest) {
  CohereCodec codec;
  ProviderRequest request;
  request.model = "command-a-03-2025";
  request.messages = {Msg(MessageRole::kUser, "Tell me about LLMs")};

  auto built = codec.BuildRequest(request, kBase, kKey, /*stream=*/false);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->method, "POST");
  EXPECT_EQ(built->url, "https://api.cohere.com/v2/chat");
  EXPECT_EQ(HeaderValue(*built, "authorization"), "Bearer co-test-key-123");
  EXPECT_EQ(HeaderValue(*built, "content-type"), "application/json");
  EXPECT_EQ(built->headers.size(), 2u);
  Json expected = {
      {"model", "command-a-03-2025"},
      {"messages", {{{"role", "user"}, {"content", "Tell me about LLMs"}}}},
      {"stream", false},
  };
  EXPECT_EQ(Json::parse(built->body), expected);
}

TEST(CohereRequestTest, AllOptionsAndStreaming) {
  CohereCodec codec;
  ProviderRequest request;
  request.model = "command-r-plus-08-2024";
  request.messages = {Msg(MessageRole::kSystem, "Be brief."),
                      Msg(MessageRole::kUser, "Hi"),
                      Msg(MessageRole::kAssistant, "Hello!"),
                      Msg(MessageRole::kUser, "List three regions.")};
  request.max_tokens = 300;
  request.temperature = 0.3f;
  request.top_p = 0.75f;
  request.stop = {"END", "\n\n\n"};

  auto built = codec.BuildRequest(request, kBase, kKey, /*stream=*/true);
  ASSERT_TRUE(built.ok()) << built.status();
  Json expected = {
      {"model", "command-r-plus-08-2024"},
      {"messages",
       {{{"role", "system"}, {"content", "Be brief."}},
        {{"role", "user"}, {"content", "Hi"}},
        {{"role", "assistant"}, {"content", "Hello!"}},
        {{"role", "user"}, {"content", "List three regions."}}}},
      {"stream", true},
      {"max_tokens", 300},
      {"temperature", 0.3},
      {"p", 0.75},
      {"stop_sequences", {"END", "\n\n\n"}},
  };
  EXPECT_EQ(Json::parse(built->body), expected);
  EXPECT_EQ(Json::parse(built->body).count("top_p"), 0u);
}

TEST(CohereRequestTest, SystemMessagesHoistedAndJoined) {
  CohereCodec codec;
  ProviderRequest request;
  request.model = "command-r";
  request.messages = {
      Msg(MessageRole::kUser, "Q1"), Msg(MessageRole::kSystem, "Rule A."),
      Msg(MessageRole::kAssistant, "A1"), Msg(MessageRole::kSystem, "Rule B."),
      Msg(MessageRole::kUser, "Q2")};
  auto built =
      codec.BuildRequest(request, "http://localhost:8080/v2/", kKey, false);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->url, "http://localhost:8080/v2/chat");
  Json expected_messages = {
      {{"role", "system"}, {"content", "Rule A.\n\nRule B."}},
      {{"role", "user"}, {"content", "Q1"}},
      {{"role", "assistant"}, {"content", "A1"}},
      {{"role", "user"}, {"content", "Q2"}},
  };
  EXPECT_EQ(Json::parse(built->body)["messages"], expected_messages);
}

TEST(CohereRequestTest, RejectsRequestsWithoutConversationOrModel) {
  CohereCodec codec;
  ProviderRequest request;
  request.model = "command-r";
  request.messages = {Msg(MessageRole::kSystem, "system only")};
  EXPECT_EQ(codec.BuildRequest(request, kBase, kKey, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.messages = {Msg(MessageRole::kUser, "hi")};
  request.model.clear();
  EXPECT_EQ(codec.BuildRequest(request, kBase, kKey, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Replies --------------------------------------------------------------

// The Chat API (v2) reference's example response, text shortened.
constexpr char kDocumentedReply[] = R"json({
  "id": "c14c80c3-18eb-4519-9460-6c92edd8cfb4",
  "finish_reason": "COMPLETE",
  "message": {
    "role": "assistant",
    "content": [
      {
        "type": "text",
        "text": "LLMs stand for Large Language Models, which are a type of neural network model specialized in processing and generating human language."
      }
    ]
  },
  "usage": {
    "billed_units": {"input_tokens": 5, "output_tokens": 418},
    "tokens": {"input_tokens": 71, "output_tokens": 418}
  }
})json";

TEST(CohereReplyTest, DocumentedExampleUsesBilledUnits) {
  CohereCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, kDocumentedReply));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.reply.text,
            "LLMs stand for Large Language Models, which are a type of neural "
            "network model specialized in processing and generating human "
            "language.");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(outcome.reply.usage.reported);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 5);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 418);
  EXPECT_EQ(outcome.reply.model, "");
}

TEST(CohereReplyTest, UsageFallsBackToTokensAndAcceptsFloats) {
  CohereCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({
    "id": "x", "finish_reason": "MAX_TOKENS",
    "message": {"role": "assistant",
                "content": [{"type": "text", "text": "Part one, "},
                            {"type": "thinking", "thinking": "hmm"},
                            {"type": "text", "text": "part two"}]},
    "usage": {"billed_units": {"output_tokens": 12.0},
              "tokens": {"input_tokens": 80, "output_tokens": 14}}
  })"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.text, "Part one, part two");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kLength);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 80);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 12);
  EXPECT_TRUE(outcome.reply.usage.reported);
}

TEST(CohereReplyTest, ToolCallReplyWithoutContentAndNoUsage) {
  CohereCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Response(200, R"({
    "id": "y", "finish_reason": "TOOL_CALL",
    "message": {"role": "assistant", "tool_plan": "I will call the tool.",
                "tool_calls": [{"id": "get_weather_1", "type": "function",
                  "function": {"name": "get_weather",
                               "arguments": "{\"location\":\"Toronto\"}"}}]}
  })"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.text, "");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kToolCalls);
  EXPECT_FALSE(outcome.reply.usage.reported);
}

TEST(CohereReplyTest, EveryFinishReason) {
  const std::vector<std::pair<std::string, FinishReason>> cases = {
      {"COMPLETE", FinishReason::kStop},
      {"STOP_SEQUENCE", FinishReason::kStop},
      {"MAX_TOKENS", FinishReason::kLength},
      {"TOOL_CALL", FinishReason::kToolCalls},
      {"ERROR", FinishReason::kError},
      {"TIMEOUT", FinishReason::kError},
      {"ERROR_TOXIC", FinishReason::kContentFilter},
      {"ERROR_LIMIT", FinishReason::kLength},
      {"USER_CANCEL", FinishReason::kCancelled},
      {"complete", FinishReason::kUnspecified},
      {"", FinishReason::kUnspecified},
  };
  CohereCodec codec;
  for (const auto& [reason, expected] : cases) {
    std::string body =
        R"({"id":"z","finish_reason":")" + reason +
        R"(","message":{"role":"assistant","content":[{"type":"text","text":"ok"}]}})";
    ProviderOutcome outcome = codec.ParseReply(Response(200, body));
    ASSERT_TRUE(outcome.ok()) << reason;
    EXPECT_EQ(outcome.reply.finish_reason, expected) << reason;
    EXPECT_EQ(CohereFinishReason(reason), expected) << reason;
  }
}

TEST(CohereReplyTest, MalformedBodiesAreTransient) {
  CohereCodec codec;
  for (const char* body :
       {"", "<html>oops</html>", "[]", R"({"id":"x"})",
        R"({"message":{"role":"assistant","content":"flat text"}})"}) {
    ProviderOutcome outcome = codec.ParseReply(Response(200, body));
    ASSERT_FALSE(outcome.ok()) << body;
    EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient) << body;
    EXPECT_EQ(outcome.error->message.rfind("malformed Cohere response", 0), 0u)
        << outcome.error->message;
  }
  ProviderOutcome in_band =
      codec.ParseReply(Response(200, R"({"message":"internal error"})"));
  ASSERT_FALSE(in_band.ok());
  EXPECT_EQ(in_band.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(in_band.error->message, "internal error");
}

// --- Streaming ------------------------------------------------------------

struct StreamResult {
  std::string text;
  bool done = false;
  std::optional<ProviderError> error;
};

StreamResult Feed(StreamDecoder& decoder,
                  const std::vector<http::SseEvent>& events) {
  StreamResult result;
  for (const http::SseEvent& event : events) {
    StreamUpdate update = decoder.OnEvent(event);
    if (result.done || result.error) {
      EXPECT_TRUE(update.delta.empty());
      EXPECT_FALSE(update.done);
      EXPECT_FALSE(update.error.has_value());
      continue;
    }
    result.text += update.delta;
    if (update.done) result.done = true;
    if (update.error) result.error = update.error;
  }
  return result;
}

// A basic chat stream as the streaming guide lays it out.
std::vector<http::SseEvent> DocumentedStream() {
  return {
      Event(
          "message-start",
          R"({"id":"29f14a5a-11de-4cae-9800-25e4747408ea","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}})"),
      Event(
          "content-start",
          R"({"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":""}}}})"),
      Event(
          "content-delta",
          R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hello"}}},"logprobs":null})"),
      Event(
          "content-delta",
          R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":" there!"}}},"logprobs":null})"),
      Event("content-end", R"({"type":"content-end","index":0})"),
      Event(
          "message-end",
          R"({"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"billed_units":{"input_tokens":3,"output_tokens":3},"tokens":{"input_tokens":69,"output_tokens":3}}}})"),
  };
}

TEST(CohereStreamTest, DocumentedSequence) {
  CohereCodec codec;
  auto decoder = codec.NewStreamDecoder();
  StreamResult result = Feed(*decoder, DocumentedStream());
  EXPECT_EQ(result.text, "Hello there!");
  EXPECT_TRUE(result.done);
  EXPECT_FALSE(result.error.has_value());
  const ProviderReply& summary = decoder->Summary();
  EXPECT_TRUE(summary.text.empty());
  EXPECT_EQ(summary.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(summary.usage.reported);
  EXPECT_EQ(summary.usage.input_tokens, 3);
  EXPECT_EQ(summary.usage.output_tokens, 3);
}

TEST(CohereStreamTest, NotDoneWithoutMessageEnd) {
  CohereCodec codec;
  auto decoder = codec.NewStreamDecoder();
  std::vector<http::SseEvent> events = DocumentedStream();
  events.pop_back();
  StreamResult result = Feed(*decoder, events);
  EXPECT_EQ(result.text, "Hello there!");
  EXPECT_FALSE(result.done);
  EXPECT_EQ(decoder->Summary().finish_reason, FinishReason::kUnspecified);
  EXPECT_FALSE(decoder->Summary().usage.reported);
}

TEST(CohereStreamTest, ToolPlanToolCallsAndCitationsIgnored) {
  CohereCodec codec;
  auto decoder = codec.NewStreamDecoder();
  StreamResult result = Feed(
      *decoder,
      {
          Event(
              "message-start",
              R"({"id":"m1","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}})"),
          Event(
              "tool-plan-delta",
              R"({"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will look up the weather."}}})"),
          Event(
              "tool-call-start",
              R"({"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"get_weather_abc","type":"function","function":{"name":"get_weather","arguments":""}}}}})"),
          Event(
              "tool-call-delta",
              R"({"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\"location\":\"Toronto\"}"}}}}})"),
          Event("tool-call-end", R"({"type":"tool-call-end","index":0})"),
          Event(
              "citation-start",
              R"({"type":"citation-start","index":0,"delta":{"message":{"citations":{"start":0,"end":5,"text":"Hello","sources":[]}}}})"),
          Event("citation-end", R"({"type":"citation-end","index":0})"),
          Event("debug", R"({"type":"debug","prompt":"..."})"),
          Event(
              "message-end",
              R"({"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":37,"output_tokens":28},"tokens":{"input_tokens":913,"output_tokens":83}}}})"),
      });
  EXPECT_EQ(result.text, "");
  EXPECT_TRUE(result.done);
  EXPECT_EQ(decoder->Summary().finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(decoder->Summary().usage.input_tokens, 37);
  EXPECT_EQ(decoder->Summary().usage.output_tokens, 28);
}

TEST(CohereStreamTest, ThinkingContentIsNotText) {
  CohereCodec codec;
  auto decoder = codec.NewStreamDecoder();
  StreamResult result = Feed(
      *decoder,
      {
          Event(
              "content-start",
              R"({"type":"content-start","index":0,"delta":{"message":{"content":{"type":"thinking","thinking":""}}}})"),
          Event(
              "content-delta",
              R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"Let me think."}}}})"),
          Event(
              "content-start",
              R"({"type":"content-start","index":1,"delta":{"message":{"content":{"type":"text","text":"Answer"}}}})"),
          Event(
              "content-delta",
              R"({"type":"content-delta","index":1,"delta":{"message":{"content":{"text":": 42"}}}})"),
      });
  EXPECT_EQ(result.text, "Answer: 42");
}

TEST(CohereStreamTest, MessageEndWithErrorFails) {
  CohereCodec codec;
  auto decoder = codec.NewStreamDecoder();
  std::vector<http::SseEvent> events = DocumentedStream();
  events.back() = Event(
      "message-end",
      R"({"type":"message-end","delta":{"error":"model overloaded","finish_reason":"ERROR","usage":{"billed_units":{"input_tokens":3,"output_tokens":2}}}})");
  StreamResult result = Feed(*decoder, events);
  EXPECT_EQ(result.text, "Hello there!");
  EXPECT_FALSE(result.done);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message, "generation error: model overloaded");
  EXPECT_EQ(decoder->Summary().finish_reason, FinishReason::kError);
  EXPECT_EQ(decoder->Summary().usage.output_tokens, 2);
}

TEST(CohereStreamTest, ErrorBodyInsideStream) {
  CohereCodec codec;
  auto decoder = codec.NewStreamDecoder();
  StreamResult result =
      Feed(*decoder, {DocumentedStream()[0], DocumentedStream()[2],
                      Event("", R"({"message":"streaming error"})"),
                      DocumentedStream()[3]});
  EXPECT_EQ(result.text, "Hello");
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message, "streaming error");
}

TEST(CohereStreamTest, MalformedEventIsTransient) {
  CohereCodec codec;
  auto decoder = codec.NewStreamDecoder();
  StreamResult result =
      Feed(*decoder, {DocumentedStream()[0],
                      Event("content-delta", R"({"type":"content-delta",)"),
                      DocumentedStream()[2]});
  EXPECT_EQ(result.text, "");
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message.rfind("malformed Cohere stream event", 0), 0u)
      << result.error->message;
}

TEST(CohereStreamTest, EventNameUsedWhenDataHasNoType) {
  CohereCodec codec;
  auto decoder = codec.NewStreamDecoder();
  StreamUpdate update = decoder->OnEvent(Event(
      "content-delta", R"({"delta":{"message":{"content":{"text":"x"}}}})"));
  EXPECT_EQ(update.delta, "x");
  update = decoder->OnEvent(
      Event("message-end", R"({"delta":{"finish_reason":"STOP_SEQUENCE"}})"));
  EXPECT_TRUE(update.done);
  EXPECT_EQ(decoder->Summary().finish_reason, FinishReason::kStop);
}

// --- Errors ---------------------------------------------------------------

TEST(CohereErrorTest, DocumentedStatusesAndMessages) {
  CohereCodec codec;
  struct Case {
    int status;
    std::string message;
    ErrorClass expected;
  };
  const std::vector<Case> cases = {
      {400, "invalid request: temperature must be between 0 and 1.0 inclusive.",
       ErrorClass::kInvalidRequest},
      {400, "system turn must be the first in the list",
       ErrorClass::kInvalidRequest},
      {400,
       "too many tokens: total number of tokens in the prompt cannot exceed "
       "4081 - received 4292. Try using a shorter prompt, or enabling prompt "
       "truncating.",
       ErrorClass::kFailedPrecondition},
      {400,
       "too many tokens: max tokens must be less than or equal to 4096, the "
       "maximum output for this model - received 8192.",
       ErrorClass::kFailedPrecondition},
      {401, "invalid api token", ErrorClass::kKeyInvalid},
      {401, "no api key supplied", ErrorClass::kKeyInvalid},
      {402,
       "Please add or update your payment method at "
       "https://dashboard.cohere.com/billing?tab=payment to continue",
       ErrorClass::kKeyInvalid},
      {403, "Forbidden", ErrorClass::kKeyInvalid},
      {404,
       "model 'command-z' not found, make sure the correct model ID was used "
       "and that you have access to the model.",
       ErrorClass::kModelNotFound},
      {422, "unprocessable entity", ErrorClass::kInvalidRequest},
      {429,
       "You are past the per minute request limit, please wait and try again "
       "later.",
       ErrorClass::kRateLimited},
      {429,
       "You are using a Trial key, which is limited to 1000 API calls / "
       "month. You can continue to use the Trial key for free or upgrade to a "
       "Production key.",
       ErrorClass::kKeyInvalid},
      {498, "invalid token", ErrorClass::kKeyInvalid},
      {499, "request cancelled", ErrorClass::kTransient},
      {500, "internal server error, this has been reported to our developers",
       ErrorClass::kTransient},
      {503, "service unavailable", ErrorClass::kTransient},
      {504, "gateway timeout", ErrorClass::kTransient},
  };
  for (const Case& c : cases) {
    Json body = {{"id", "9e2b0a3e-0a31-4d2e-8b6c-3b0f0d1b2c3d"},
                 {"message", c.message}};
    ProviderError error = codec.ParseError(Response(c.status, body.dump()));
    EXPECT_EQ(error.error_class, c.expected) << c.status << " " << c.message;
    EXPECT_EQ(error.http_status, c.status);
    EXPECT_EQ(error.message, c.message);
    EXPECT_EQ(error.message.find(kKey), std::string::npos);
  }
}

TEST(CohereErrorTest, RateLimitKeepsRetryAfterAndHeaders) {
  CohereCodec codec;
  ProviderError error = codec.ParseError(Response(
      429,
      R"({"message":"trial token rate limit exceeded, limit is 100000 tokens per minute"})",
      {{"retry-after", "30"},
       {"x-ratelimit-remaining", "0"},
       {"content-type", "application/json"}}));
  EXPECT_EQ(error.error_class, ErrorClass::kRateLimited);
  ASSERT_TRUE(error.retry_after.has_value());
  EXPECT_EQ(*error.retry_after, absl::Seconds(30));
  ASSERT_EQ(error.rate_limit_headers.size(), 2u);
  EXPECT_EQ(error.rate_limit_headers[1].first, "x-ratelimit-remaining");
  EXPECT_EQ(error.message,
            "trial token rate limit exceeded, limit is 100000 tokens per "
            "minute");
}

TEST(CohereErrorTest, DataBodiesAndNonJsonBodies) {
  CohereCodec codec;
  ProviderError cancelled = codec.ParseError(
      Response(499, R"({"data":"request cancelled by user"})"));
  EXPECT_EQ(cancelled.error_class, ErrorClass::kTransient);
  EXPECT_EQ(cancelled.message, "request cancelled by user");

  ProviderError html =
      codec.ParseError(Response(502, "<html><body>Bad gateway</body></html>"));
  EXPECT_EQ(html.error_class, ErrorClass::kTransient);
  EXPECT_EQ(html.message, "<html><body>Bad gateway</body></html>");

  ProviderError empty = codec.ParseError(Response(404, ""));
  EXPECT_EQ(empty.error_class, ErrorClass::kModelNotFound);
  EXPECT_EQ(empty.message, "empty error body");
}

// --- Presets --------------------------------------------------------------

TEST(CoherePresetTest, SchemaEntry) {
  std::vector<ProviderSpec> presets = CoherePresets();
  ASSERT_EQ(presets.size(), 1u);
  const ProviderSpec& spec = presets[0];
  EXPECT_EQ(spec.name, "cohere");
  EXPECT_EQ(spec.wire_format, "cohere");
  EXPECT_EQ(spec.api_key_env, "COHERE_API_KEY");
  EXPECT_EQ(spec.api_keys_env, "COHERE_API_KEYS");
  EXPECT_EQ(spec.model_env, "COHERE_MODEL");
  EXPECT_EQ(spec.base_url_env, "COHERE_API_BASE");
  EXPECT_TRUE(spec.requires_api_key);
  EXPECT_EQ(spec.default_base_url, "https://api.cohere.com/v2");
  EXPECT_EQ(spec.default_model, "command-r-plus");
  EXPECT_EQ(spec.route_prefixes,
            (std::vector<std::string>{"command", "c4ai-", "embed-"}));
  EXPECT_DOUBLE_EQ(spec.confidence_score, 0.8);
  EXPECT_EQ(spec.timeouts.connect, absl::Seconds(10));
  EXPECT_EQ(spec.timeouts.read, absl::Seconds(60));
  ASSERT_NE(spec.FindModel("command-r-plus"), nullptr);
  ASSERT_NE(spec.FindModel("command-r-plus-08-2024"), nullptr);
}

TEST(CoherePresetTest, CatalogPricesInNanoUsd) {
  ProviderSpec spec = CoherePresets()[0];
  const ModelSpec* r7b = spec.FindModel("command-r7b-12-2024");
  ASSERT_NE(r7b, nullptr);
  EXPECT_EQ(r7b->input_nano_usd_per_million, 37'500'000);
  EXPECT_EQ(r7b->output_nano_usd_per_million, 150'000'000);
  const ModelSpec* command_a = spec.FindModel("command-a-03-2025");
  ASSERT_NE(command_a, nullptr);
  EXPECT_EQ(command_a->context_window, 256'000);
  EXPECT_EQ(command_a->max_output_tokens, 8'000);
  EXPECT_EQ(command_a->input_nano_usd_per_million, 2'500'000'000);
  EXPECT_EQ(command_a->output_nano_usd_per_million, 10'000'000'000);
  const ModelSpec* embed = spec.FindModel("embed-v4.0");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->input_nano_usd_per_million, 120'000'000);
  EXPECT_EQ(embed->output_nano_usd_per_million, 0);
  for (const ModelSpec& model : spec.models) {
    EXPECT_GT(model.context_window, 0) << model.name;
    const bool embeddings =
        model.features == std::vector<std::string>{"embeddings"};
    if (embeddings) {
      EXPECT_GT(model.input_nano_usd_per_million, 0) << model.name;
      EXPECT_EQ(model.output_nano_usd_per_million, 0) << model.name;
      continue;
    }
    EXPECT_GT(model.max_output_tokens, 0) << model.name;
    // Command A Vision has no public per-token price (catalog.yaml).
    if (model.name == "command-a-vision-07-2025") continue;
    EXPECT_GT(model.input_nano_usd_per_million, 0) << model.name;
    EXPECT_GT(model.output_nano_usd_per_million,
              model.input_nano_usd_per_million)
        << model.name;
  }
}

}  // namespace
}  // namespace llmgw
