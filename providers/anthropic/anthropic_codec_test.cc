#include "providers/anthropic/anthropic_codec.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "nlohmann/json.hpp"
#include "providers/anthropic/anthropic_catalog.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

constexpr char kBase[] = "https://api.anthropic.com/v1";
constexpr char kKey[] = "sk-ant-test-key";

ProviderSpec PresetSpec() { return AnthropicPresets().front(); }

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

TEST(AnthropicRequestTest, MinimalRequestHasRequiredFieldsOnly) {
  AnthropicCodec codec(PresetSpec());
  ProviderRequest request;
  request.model = "claude-sonnet-5-5";
  request.messages = {Msg(MessageRole::kSystem, "You are terse."),
                      Msg(MessageRole::kUser, "Hello, Claude")};

  auto built = codec.BuildRequest(request, kBase, kKey, /*stream=*/false);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->method, "POST");
  EXPECT_EQ(built->url, "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(HeaderValue(*built, "x-api-key"), kKey);
  EXPECT_EQ(HeaderValue(*built, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(HeaderValue(*built, "content-type"), "application/json");
  EXPECT_EQ(HeaderValue(*built, "authorization"), "<absent>");
  EXPECT_EQ(built->headers.size(), 3u);

  // max_tokens comes from the catalog (claude-sonnet-5-5: 128K output).
  Json expected = {
      {"model", "claude-sonnet-5-5"},
      {"max_tokens", 128000},
      {"system", "You are terse."},
      {"messages", {{{"role", "user"}, {"content", "Hello, Claude"}}}},
  };
  EXPECT_EQ(Json::parse(built->body), expected);
}

TEST(AnthropicRequestTest, OptionalFieldsWhenSetAndStreaming) {
  AnthropicCodec codec(PresetSpec());
  ProviderRequest request;
  request.model = "claude-haiku-4-5-20251001";
  request.messages = {Msg(MessageRole::kUser, "Count to three")};
  request.max_tokens = 256;
  request.temperature = 0.7f;
  request.top_p = 0.9f;
  request.stop = {"\n\nHuman:", "END"};

  auto built = codec.BuildRequest(request, kBase, kKey, /*stream=*/true);
  ASSERT_TRUE(built.ok()) << built.status();
  Json expected = {
      {"model", "claude-haiku-4-5-20251001"},
      {"max_tokens", 256},
      {"messages", {{{"role", "user"}, {"content", "Count to three"}}}},
      {"temperature", 0.7},
      {"top_p", 0.9},
      {"stop_sequences", {"\n\nHuman:", "END"}},
      {"stream", true},
  };
  EXPECT_EQ(Json::parse(built->body), expected);
  // Floats go out as their shortest decimal, not 0.699999988079071.
  EXPECT_NE(built->body.find("\"temperature\":0.7,"), std::string::npos)
      << built->body;
}

TEST(AnthropicRequestTest, SystemMessagesJoinedAndSameRoleTurnsMerged) {
  AnthropicCodec codec(PresetSpec());
  ProviderRequest request;
  request.model = "claude-opus-5-5";
  request.max_tokens = 100;
  request.messages = {
      Msg(MessageRole::kSystem, "Rule one."),
      Msg(MessageRole::kUser, "First part."),
      Msg(MessageRole::kUser, "Second part."),
      Msg(MessageRole::kAssistant, "Noted."),
      Msg(MessageRole::kSystem, "Rule two."),
      Msg(MessageRole::kUser, "Go on."),
  };

  auto built = codec.BuildRequest(request, kBase, kKey, false);
  ASSERT_TRUE(built.ok()) << built.status();
  Json body = Json::parse(built->body);
  EXPECT_EQ(body["system"], "Rule one.\n\nRule two.");
  Json expected_messages = {
      {{"role", "user"},
       {"content",
        {{{"type", "text"}, {"text", "First part."}},
         {{"type", "text"}, {"text", "Second part."}}}}},
      {{"role", "assistant"}, {"content", "Noted."}},
      {{"role", "user"}, {"content", "Go on."}},
  };
  EXPECT_EQ(body["messages"], expected_messages);
}

TEST(AnthropicRequestTest, MaxTokensDefaults) {
  AnthropicCodec codec(PresetSpec());
  ProviderRequest request;
  request.messages = {Msg(MessageRole::kUser, "hi")};

  request.model = "claude-3-haiku-20240307";
  EXPECT_EQ(codec.EffectiveMaxTokens(request), 4096);
  request.model = "claude-3-5-sonnet-20241022";
  EXPECT_EQ(codec.EffectiveMaxTokens(request), 8192);
  request.model = "claude-haiku-4-5";
  EXPECT_EQ(codec.EffectiveMaxTokens(request), 64000);
  request.model = "claude-not-in-catalog";
  EXPECT_EQ(codec.EffectiveMaxTokens(request), kAnthropicFallbackMaxTokens);
  auto built = codec.BuildRequest(request, kBase, kKey, false);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(Json::parse(built->body)["max_tokens"], 4096);
  request.max_tokens = 77;
  EXPECT_EQ(codec.EffectiveMaxTokens(request), 77);
}

TEST(AnthropicRequestTest, VersionOptionAndBaseUrl) {
  ProviderSpec spec = PresetSpec();
  spec.options["anthropic_version"] = "2099-01-01";
  AnthropicCodec codec(spec);
  ProviderRequest request;
  request.model = "claude-sonnet-5";
  request.messages = {Msg(MessageRole::kUser, "hi")};

  auto built = codec.BuildRequest(
      request, "https://proxy.example/anthropic/v1/", kKey, false);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->url, "https://proxy.example/anthropic/v1/messages");
  EXPECT_EQ(HeaderValue(*built, "anthropic-version"), "2099-01-01");

  ProviderSpec no_options = PresetSpec();
  no_options.options.clear();
  AnthropicCodec default_codec(no_options);
  built = default_codec.BuildRequest(request, kBase, kKey, false);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(HeaderValue(*built, "anthropic-version"), "2023-06-01");
}

TEST(AnthropicRequestTest, RejectsRequestsWithoutConversation) {
  AnthropicCodec codec(PresetSpec());
  ProviderRequest request;
  request.model = "claude-sonnet-5";
  EXPECT_FALSE(codec.BuildRequest(request, kBase, kKey, false).ok());
  request.messages = {Msg(MessageRole::kSystem, "only a system prompt")};
  auto built = codec.BuildRequest(request, kBase, kKey, false);
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  request.model.clear();
  request.messages = {Msg(MessageRole::kUser, "hi")};
  EXPECT_EQ(codec.BuildRequest(request, kBase, kKey, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Replies --------------------------------------------------------------

// The Messages API reference's example response.
constexpr char kDocumentedReply[] = R"json({
  "content": [{"text": "Hi! My name is Claude.", "type": "text"}],
  "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
  "model": "claude-3-5-sonnet-20241022",
  "role": "assistant",
  "stop_reason": "end_turn",
  "stop_sequence": null,
  "type": "message",
  "usage": {"input_tokens": 2095, "output_tokens": 503}
})json";

TEST(AnthropicReplyTest, DocumentedExample) {
  AnthropicCodec codec(PresetSpec());
  ProviderOutcome outcome = codec.ParseReply(Response(200, kDocumentedReply));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.reply.text, "Hi! My name is Claude.");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kStop);
  EXPECT_EQ(outcome.reply.model, "claude-3-5-sonnet-20241022");
  EXPECT_TRUE(outcome.reply.usage.reported);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 2095);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 503);
}

TEST(AnthropicReplyTest, ConcatenatesTextBlocksAndSkipsOthers) {
  AnthropicCodec codec(PresetSpec());
  constexpr char kBody[] = R"json({
    "type": "message", "role": "assistant", "model": "claude-opus-5-5",
    "content": [
      {"type": "thinking", "thinking": "Let me check.", "signature": "abc"},
      {"type": "text", "text": "I'll look that up. "},
      {"type": "tool_use", "id": "toolu_01", "name": "get_weather",
       "input": {"location": "Paris"}},
      {"type": "text", "text": "One moment."}
    ],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 10, "cache_creation_input_tokens": 200,
              "cache_read_input_tokens": 3000, "output_tokens": 42}
  })json";
  ProviderOutcome outcome = codec.ParseReply(Response(200, kBody));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.text, "I'll look that up. One moment.");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kToolCalls);
  // Cache writes and reads are billed input tokens.
  EXPECT_EQ(outcome.reply.usage.input_tokens, 3210);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 42);
}

TEST(AnthropicReplyTest, EveryStopReason) {
  AnthropicCodec codec(PresetSpec());
  const std::vector<std::pair<std::string, FinishReason>> cases = {
      {"\"end_turn\"", FinishReason::kStop},
      {"\"stop_sequence\"", FinishReason::kStop},
      {"\"pause_turn\"", FinishReason::kStop},
      {"\"max_tokens\"", FinishReason::kLength},
      {"\"model_context_window_exceeded\"", FinishReason::kLength},
      {"\"tool_use\"", FinishReason::kToolCalls},
      {"\"refusal\"", FinishReason::kContentFilter},
      {"\"something_new\"", FinishReason::kUnspecified},
      {"null", FinishReason::kUnspecified},
  };
  for (const auto& [stop_reason, expected] : cases) {
    std::string body = R"({"type":"message","content":[{"type":"text",)"
                       R"("text":"x"}],"stop_reason":)" +
                       stop_reason + "}";
    ProviderOutcome outcome = codec.ParseReply(Response(200, body));
    ASSERT_TRUE(outcome.ok()) << stop_reason;
    EXPECT_EQ(outcome.reply.finish_reason, expected) << stop_reason;
    EXPECT_FALSE(outcome.reply.usage.reported) << stop_reason;
  }
}

TEST(AnthropicReplyTest, MalformedBodiesAreTransient) {
  AnthropicCodec codec(PresetSpec());
  for (const char* body :
       {"", "not json", "[1,2]", R"({"type":"message","content":"text"})",
        R"({"type":"message"})"}) {
    ProviderOutcome outcome = codec.ParseReply(Response(200, body));
    ASSERT_FALSE(outcome.ok()) << body;
    EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient) << body;
    EXPECT_EQ(outcome.error->http_status, 200);
    EXPECT_EQ(outcome.error->message.rfind("malformed Anthropic response", 0),
              0u)
        << outcome.error->message;
  }
}

TEST(AnthropicReplyTest, ErrorObjectInSuccessfulResponse) {
  AnthropicCodec codec(PresetSpec());
  ProviderOutcome outcome = codec.ParseReply(Response(
      200,
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(outcome.error->message, "overloaded_error: Overloaded");
}

// --- Streaming ------------------------------------------------------------

struct StreamResult {
  std::string text;
  bool done = false;
  std::optional<ProviderError> error;
  int events_after_end = 0;
};

StreamResult Feed(StreamDecoder& decoder,
                  const std::vector<http::SseEvent>& events) {
  StreamResult result;
  for (const http::SseEvent& event : events) {
    if (result.done || result.error) {
      ++result.events_after_end;
      StreamUpdate late = decoder.OnEvent(event);
      EXPECT_TRUE(late.delta.empty());
      EXPECT_FALSE(late.error.has_value());
      continue;
    }
    StreamUpdate update = decoder.OnEvent(event);
    result.text += update.delta;
    if (update.done) result.done = true;
    if (update.error) result.error = update.error;
  }
  return result;
}

// The "basic streaming request" example of the streaming guide.
std::vector<http::SseEvent> DocumentedStream() {
  return {
      Event(
          "message_start",
          R"({"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-3-5-sonnet-20241022", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}})"),
      Event(
          "content_block_start",
          R"({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})"),
      Event("ping", R"({"type": "ping"})"),
      Event(
          "content_block_delta",
          R"({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}})"),
      Event(
          "content_block_delta",
          R"({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}})"),
      Event("content_block_stop",
            R"({"type": "content_block_stop", "index": 0})"),
      Event(
          "message_delta",
          R"({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}})"),
      Event("message_stop", R"({"type": "message_stop"})"),
  };
}

TEST(AnthropicStreamTest, DocumentedSequence) {
  AnthropicCodec codec(PresetSpec());
  auto decoder = codec.NewStreamDecoder();
  StreamResult result = Feed(*decoder, DocumentedStream());
  EXPECT_EQ(result.text, "Hello!");
  EXPECT_TRUE(result.done);
  EXPECT_FALSE(result.error.has_value());
  const ProviderReply& summary = decoder->Summary();
  EXPECT_TRUE(summary.text.empty());
  EXPECT_EQ(summary.finish_reason, FinishReason::kStop);
  EXPECT_EQ(summary.model, "claude-3-5-sonnet-20241022");
  EXPECT_TRUE(summary.usage.reported);
  EXPECT_EQ(summary.usage.input_tokens, 25);
  EXPECT_EQ(summary.usage.output_tokens, 15);
}

TEST(AnthropicStreamTest, NotDoneWithoutMessageStop) {
  AnthropicCodec codec(PresetSpec());
  auto decoder = codec.NewStreamDecoder();
  std::vector<http::SseEvent> events = DocumentedStream();
  events.pop_back();
  StreamResult result = Feed(*decoder, events);
  EXPECT_EQ(result.text, "Hello!");
  EXPECT_FALSE(result.done);
  EXPECT_EQ(decoder->Summary().finish_reason, FinishReason::kStop);
}

TEST(AnthropicStreamTest, ToolUseThinkingAndCacheUsage) {
  AnthropicCodec codec(PresetSpec());
  auto decoder = codec.NewStreamDecoder();
  StreamResult result = Feed(
      *decoder,
      {
          Event(
              "message_start",
              R"({"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-opus-5-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":2}}})"),
          Event(
              "content_block_start",
              R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})"),
          Event(
              "content_block_delta",
              R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user wants weather."}})"),
          Event(
              "content_block_delta",
              R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}})"),
          Event("content_block_stop",
                R"({"type":"content_block_stop","index":0})"),
          Event(
              "content_block_start",
              R"({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})"),
          Event(
              "content_block_delta",
              R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking the weather."}})"),
          Event("content_block_stop",
                R"({"type":"content_block_stop","index":1})"),
          Event(
              "content_block_start",
              R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}})"),
          Event(
              "content_block_delta",
              R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}})"),
          Event(
              "content_block_delta",
              R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\"}"}})"),
          Event("content_block_stop",
                R"({"type":"content_block_stop","index":2})"),
          Event(
              "message_delta",
              R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}})"),
          Event("message_stop", R"({"type":"message_stop"})"),
      });
  EXPECT_EQ(result.text, "Checking the weather.");
  EXPECT_TRUE(result.done);
  EXPECT_EQ(decoder->Summary().finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(decoder->Summary().usage.input_tokens, 2572);
  EXPECT_EQ(decoder->Summary().usage.output_tokens, 89);
}

TEST(AnthropicStreamTest, MessageDeltaUsageIsCumulativeAndMayCarryInput) {
  AnthropicCodec codec(PresetSpec());
  auto decoder = codec.NewStreamDecoder();
  Feed(
      *decoder,
      {
          Event(
              "message_start",
              R"({"type":"message_start","message":{"model":"claude-sonnet-5","usage":{"input_tokens":10,"output_tokens":1}}})"),
          Event(
              "message_delta",
              R"({"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":5}})"),
          Event(
              "message_delta",
              R"({"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":12,"cache_read_input_tokens":3,"output_tokens":9}})"),
      });
  const ProviderReply& summary = decoder->Summary();
  EXPECT_EQ(summary.finish_reason, FinishReason::kLength);
  EXPECT_EQ(summary.usage.input_tokens, 15);
  EXPECT_EQ(summary.usage.output_tokens, 9);
}

TEST(AnthropicStreamTest, InStreamOverloadedError) {
  AnthropicCodec codec(PresetSpec());
  auto decoder = codec.NewStreamDecoder();
  std::vector<http::SseEvent> events = DocumentedStream();
  events.resize(4);  // message_start ... first "Hello" delta.
  events.push_back(Event(
      "error",
      R"({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})"));
  const http::SseEvent late_delta = events[3];
  events.push_back(late_delta);  // Ignored after the error.
  StreamResult result = Feed(*decoder, events);
  EXPECT_EQ(result.text, "Hello");
  EXPECT_FALSE(result.done);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->http_status, 0);
  EXPECT_EQ(result.error->message, "overloaded_error: Overloaded");
  EXPECT_EQ(result.events_after_end, 1);
  // What was reported before the error is kept.
  EXPECT_EQ(decoder->Summary().usage.input_tokens, 25);
}

TEST(AnthropicStreamTest, InStreamErrorsAreClassifiedByType) {
  AnthropicCodec codec(PresetSpec());
  const std::vector<std::pair<std::string, ErrorClass>> cases = {
      {"api_error", ErrorClass::kTransient},
      {"rate_limit_error", ErrorClass::kRateLimited},
      {"invalid_request_error", ErrorClass::kInvalidRequest},
      {"authentication_error", ErrorClass::kKeyInvalid},
      {"not_found_error", ErrorClass::kModelNotFound},
      {"brand_new_error", ErrorClass::kTransient},
  };
  for (const auto& [type, expected] : cases) {
    auto decoder = codec.NewStreamDecoder();
    StreamUpdate update =
        decoder->OnEvent(Event("error", R"({"type":"error","error":{"type":")" +
                                            type + R"(","message":"boom"}})"));
    ASSERT_TRUE(update.error.has_value()) << type;
    EXPECT_EQ(update.error->error_class, expected) << type;
    EXPECT_EQ(update.error->message, type + ": boom");
  }
}

TEST(AnthropicStreamTest, MalformedEventIsTransient) {
  AnthropicCodec codec(PresetSpec());
  auto decoder = codec.NewStreamDecoder();
  StreamResult result =
      Feed(*decoder, {DocumentedStream()[0],
                      Event("content_block_delta", R"({"type": "content_bl)"),
                      DocumentedStream()[3]});
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(result.error->message.rfind("malformed Anthropic stream event", 0),
            0u)
      << result.error->message;
  EXPECT_TRUE(result.text.empty());
  EXPECT_EQ(result.events_after_end, 1);
}

TEST(AnthropicStreamTest, EventNameUsedWhenDataHasNoType) {
  AnthropicCodec codec(PresetSpec());
  auto decoder = codec.NewStreamDecoder();
  StreamUpdate update = decoder->OnEvent(Event("message_stop", "{}"));
  EXPECT_TRUE(update.done);
  // Data-less events (comments, keep-alives) are ignored.
  auto other = codec.NewStreamDecoder();
  update = other->OnEvent(Event("ping", ""));
  EXPECT_FALSE(update.done);
  EXPECT_FALSE(update.error.has_value());
}

// --- Errors ---------------------------------------------------------------

std::string ErrorBody(const std::string& type, const std::string& message) {
  return R"({"type":"error","error":{"type":")" + type + R"(","message":")" +
         message + R"("},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"})";
}

TEST(AnthropicErrorTest, DocumentedStatusesAndTypes) {
  AnthropicCodec codec(PresetSpec());
  struct Case {
    int status;
    std::string type;
    std::string message;
    ErrorClass expected;
  };
  const std::vector<Case> cases = {
      {400, "invalid_request_error",
       "messages: roles must alternate between \\\"user\\\" and "
       "\\\"assistant\\\"",
       ErrorClass::kInvalidRequest},
      {400, "invalid_request_error",
       "prompt is too long: 208310 tokens > 200000 maximum",
       ErrorClass::kFailedPrecondition},
      {400, "invalid_request_error",
       "input length and `max_tokens` exceed context limit: 197626 + 8192 > "
       "200000, decrease input length or `max_tokens` and try again",
       ErrorClass::kFailedPrecondition},
      {400, "invalid_request_error",
       "Your credit balance is too low to access the Anthropic API. Please go "
       "to Plans & Billing to upgrade or purchase credits.",
       ErrorClass::kKeyInvalid},
      {400, "invalid_request_error",
       "You have reached your specified API usage limits. You will regain "
       "access on 2026-12-01 at 00:00 UTC.",
       ErrorClass::kKeyInvalid},
      {401, "authentication_error", "invalid x-api-key",
       ErrorClass::kKeyInvalid},
      {402, "billing_error", "Payment required", ErrorClass::kKeyInvalid},
      {403, "permission_error",
       "Your API key does not have permission to use the specified resource.",
       ErrorClass::kKeyInvalid},
      {404, "not_found_error", "model: claude-3-5-sonnet-20241022",
       ErrorClass::kModelNotFound},
      {413, "request_too_large",
       "Request exceeds the maximum allowed number of bytes.",
       ErrorClass::kFailedPrecondition},
      {429, "rate_limit_error",
       "Number of request tokens has exceeded your per-minute rate limit",
       ErrorClass::kRateLimited},
      {500, "api_error", "Internal server error", ErrorClass::kTransient},
      {529, "overloaded_error", "Overloaded", ErrorClass::kTransient},
  };
  for (const Case& c : cases) {
    ProviderError error =
        codec.ParseError(Response(c.status, ErrorBody(c.type, c.message)));
    EXPECT_EQ(error.error_class, c.expected) << c.status << " " << c.message;
    EXPECT_EQ(error.http_status, c.status);
    EXPECT_EQ(error.message.rfind(c.type + ": ", 0), 0u) << error.message;
    EXPECT_EQ(error.message.find(kKey), std::string::npos);
  }
  ProviderError overloaded = codec.ParseError(
      Response(529, ErrorBody("overloaded_error", "Overloaded")));
  EXPECT_EQ(overloaded.message, "overloaded_error: Overloaded");
  EXPECT_FALSE(overloaded.retry_after.has_value());
}

TEST(AnthropicErrorTest, RateLimitKeepsRetryAfterAndHeaders) {
  AnthropicCodec codec(PresetSpec());
  ProviderError error = codec.ParseError(Response(
      429,
      ErrorBody("rate_limit_error",
                "This request would exceed your organization's rate limit."),
      {{"retry-after", "17"},
       {"anthropic-ratelimit-requests-limit", "50"},
       {"anthropic-ratelimit-requests-remaining", "0"},
       {"anthropic-ratelimit-requests-reset", "2026-11-22T10:00:17Z"},
       {"request-id", "req_018EeWyXxfu5pfWkrYcMdjWG"},
       {"content-type", "application/json"}}));
  EXPECT_EQ(error.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(error.http_status, 429);
  ASSERT_TRUE(error.retry_after.has_value());
  EXPECT_EQ(*error.retry_after, absl::Seconds(17));
  EXPECT_EQ(error.rate_limit_headers.size(), 4u);
  EXPECT_EQ(error.rate_limit_headers[0].first, "retry-after");
  EXPECT_EQ(error.rate_limit_headers[2].second, "0");
  EXPECT_EQ(error.message,
            "rate_limit_error: This request would exceed your organization's "
            "rate limit.");
}

TEST(AnthropicErrorTest, MonthlySpendCapIsNotARateLimit) {
  AnthropicCodec codec(PresetSpec());
  ProviderError error = codec.ParseError(Response(
      429,
      R"({"type":"error","error":{"type":"rate_limit_error","message":"Your organization has reached its monthly usage limit.","details":{"error_code":"enforced_spend_limit_reached"}}})"));
  EXPECT_EQ(error.error_class, ErrorClass::kKeyInvalid);
  EXPECT_FALSE(error.retry_after.has_value());
}

TEST(AnthropicErrorTest, NonJsonBodiesFallBackToStatus) {
  AnthropicCodec codec(PresetSpec());
  ProviderError bad_gateway = codec.ParseError(
      Response(502, "<html>\n<h1>502 Bad Gateway</h1>\n</html>"));
  EXPECT_EQ(bad_gateway.error_class, ErrorClass::kTransient);
  EXPECT_EQ(bad_gateway.message, "<html> <h1>502 Bad Gateway</h1> </html>");

  ProviderError unauthorized = codec.ParseError(Response(401, ""));
  EXPECT_EQ(unauthorized.error_class, ErrorClass::kKeyInvalid);
  EXPECT_EQ(unauthorized.message, "empty error body");

  ProviderError unknown_type = codec.ParseError(
      Response(404, R"({"type":"error","error":{"type":"","message":"?"}})"));
  EXPECT_EQ(unknown_type.error_class, ErrorClass::kModelNotFound);
  EXPECT_EQ(unknown_type.message, "?");
}

// --- Presets --------------------------------------------------------------

TEST(AnthropicPresetTest, SchemaEntry) {
  std::vector<ProviderSpec> presets = AnthropicPresets();
  ASSERT_EQ(presets.size(), 1u);
  const ProviderSpec& spec = presets[0];
  EXPECT_EQ(spec.name, "anthropic");
  EXPECT_EQ(spec.wire_format, "anthropic");
  EXPECT_EQ(spec.api_key_env, "ANTHROPIC_API_KEY");
  EXPECT_EQ(spec.api_keys_env, "ANTHROPIC_API_KEYS");
  EXPECT_EQ(spec.model_env, "ANTHROPIC_MODEL");
  EXPECT_EQ(spec.base_url_env, "ANTHROPIC_API_BASE");
  EXPECT_TRUE(spec.requires_api_key);
  EXPECT_EQ(spec.default_base_url, "https://api.anthropic.com/v1");
  EXPECT_EQ(spec.default_model, "claude-sonnet-4-5");
  EXPECT_NE(spec.FindModel("claude-3-5-sonnet-20241022"), nullptr);
  EXPECT_EQ(spec.route_prefixes, std::vector<std::string>{"claude"});
  EXPECT_DOUBLE_EQ(spec.confidence_score, 0.85);
  EXPECT_EQ(spec.timeouts.connect, absl::Seconds(10));
  EXPECT_EQ(spec.timeouts.read, absl::Seconds(60));
  EXPECT_EQ(spec.options.at("anthropic_version"), "2023-06-01");
  ASSERT_NE(spec.FindModel(spec.default_model), nullptr);
}

TEST(AnthropicPresetTest, CatalogPricesInNanoUsd) {
  ProviderSpec spec = AnthropicPresets()[0];
  const ModelSpec* haiku3 = spec.FindModel("claude-3-haiku-20240307");
  ASSERT_NE(haiku3, nullptr);
  EXPECT_EQ(haiku3->input_nano_usd_per_million, 250'000'000);
  EXPECT_EQ(haiku3->output_nano_usd_per_million, 1'250'000'000);
  const ModelSpec* haiku55 = spec.FindModel("claude-haiku-5-5");
  ASSERT_NE(haiku55, nullptr);
  EXPECT_EQ(haiku55->input_nano_usd_per_million, 100'000'000);
  EXPECT_EQ(haiku55->output_nano_usd_per_million, 500'000'000);
  const ModelSpec* opus55 = spec.FindModel("claude-opus-5-5");
  ASSERT_NE(opus55, nullptr);
  EXPECT_EQ(opus55->context_window, 1'000'000);
  EXPECT_EQ(opus55->max_output_tokens, 128'000);
  EXPECT_EQ(opus55->input_nano_usd_per_million, 4'000'000'000);
  EXPECT_EQ(opus55->output_nano_usd_per_million, 20'000'000'000);
  for (const ModelSpec& model : spec.models) {
    EXPECT_GT(model.context_window, 0) << model.name;
    EXPECT_GT(model.max_output_tokens, 0) << model.name;
    EXPECT_GT(model.input_nano_usd_per_million, 0) << model.name;
    EXPECT_GT(model.output_nano_usd_per_million,
              model.input_nano_usd_per_million)
        << model.name;
    EXPECT_EQ(model.name.rfind("claude", 0), 0u) << model.name;
  }
}

}  // namespace
}  // namespace llmgw
