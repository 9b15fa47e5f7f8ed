// The rich contract (#13) in the OpenAI dialect: requests with parts, tools,
// tool results and response formats; replies with tool calls, refusals and
// usage detail; streamed tool-call deltas; embeddings. Payloads follow the
// examples of OpenAI's API reference (platform.openai.com/docs/api-reference
// /chat, /embeddings) and DeepSeek's (api-docs.deepseek.com).

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/minimax/minimax_codec.h"
#include "providers/openai_compatible/openai_compatible_codec.h"
#include "providers/openai_compatible/openai_tools.h"
#include "registry/provider.h"

namespace llmgw {
namespace {

using nlohmann::json;

constexpr char kBase[] = "https://api.openai.com/v1";

http::HttpResponse Ok(std::string body) {
  http::HttpResponse response;
  response.status_code = 200;
  response.body = std::move(body);
  return response;
}

http::SseEvent Data(std::string data) {
  http::SseEvent event;
  event.data = std::move(data);
  return event;
}

ProviderRequest ToolRequest() {
  ProviderRequest request;
  request.model = "gpt-4o";
  Message user;
  user.role = MessageRole::kUser;
  user.parts = {
      {ContentPart::Kind::kText, "What is in these images?", {}},
      {ContentPart::Kind::kImage,
       "",
       {"https://example.com/cat.png", "", "", "high"}},
      {ContentPart::Kind::kImage, "", {"", "\x89PNG", "image/png", ""}}};
  Message assistant;
  assistant.role = MessageRole::kAssistant;
  assistant.tool_calls = {{"call_abc", "get_weather", R"({"city":"Paris"})"}};
  Message tool;
  tool.role = MessageRole::kTool;
  tool.content = R"({"temp_c":18})";
  tool.tool_call_id = "call_abc";
  tool.tool_name = "get_weather";
  request.messages = {user, assistant, tool};
  request.tools = {
      {"get_weather", "Current weather",
       R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"},
      {"now", "", ""}};
  request.tool_choice = {ToolChoice::Mode::kNamed, "get_weather"};
  request.parallel_tool_calls = false;
  request.seed = 42;
  request.presence_penalty = 0.5f;
  request.frequency_penalty = -0.25f;
  request.end_user_id = "user-1234";
  return request;
}

TEST(OpenAiRichRequest, PartsToolsAndOptionsInTheDocumentedShape) {
  OpenAiCompatibleCodec codec;
  auto built = codec.BuildRequest(ToolRequest(), kBase, "sk-test", false);
  ASSERT_TRUE(built.ok()) << built.status();
  json body = json::parse(built->body);
  const json& user = body["messages"][0];
  EXPECT_EQ(user["content"][0],
            json({{"type", "text"}, {"text", "What is in these images?"}}));
  EXPECT_EQ(user["content"][1]["image_url"],
            json({{"url", "https://example.com/cat.png"}, {"detail", "high"}}));
  EXPECT_EQ(user["content"][2]["image_url"]["url"],
            "data:image/png;base64,iVBORw==");
  const json& assistant = body["messages"][1];
  EXPECT_TRUE(assistant["content"].is_null());
  EXPECT_EQ(assistant["tool_calls"][0],
            json::parse(R"({"id":"call_abc","type":"function","function":
              {"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}})"));
  EXPECT_EQ(body["messages"][2], json({{"role", "tool"},
                                       {"tool_call_id", "call_abc"},
                                       {"content", R"({"temp_c":18})"}}));
  EXPECT_EQ(body["tools"][0]["function"]["parameters"]["required"][0], "city");
  EXPECT_EQ(body["tools"][0]["function"]["description"], "Current weather");
  EXPECT_EQ(body["tools"][1]["function"]["parameters"],
            json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_EQ(
      body["tool_choice"],
      json::parse(R"({"type":"function","function":{"name":"get_weather"}})"));
  EXPECT_EQ(body["parallel_tool_calls"], false);
  EXPECT_EQ(body["seed"], 42);
  EXPECT_EQ(body["presence_penalty"], 0.5);
  EXPECT_EQ(body["frequency_penalty"], -0.25);
  EXPECT_EQ(body["user"], "user-1234");
  EXPECT_FALSE(body.contains("response_format"));
}

TEST(OpenAiRichRequest, ResponseFormatsAndToolChoiceModes) {
  OpenAiCompatibleCodec codec;
  ProviderRequest request;
  request.model = "gpt-4o";
  request.messages = {{MessageRole::kUser, "extract"}};
  request.response_format.type = ResponseFormat::Type::kJsonSchema;
  request.response_format.schema_name = "person";
  request.response_format.json_schema = R"({"type":"object"})";
  request.response_format.strict = true;
  request.tool_choice.mode = ToolChoice::Mode::kRequired;
  json body = json::parse(codec.BuildRequest(request, kBase, "", true)->body);
  EXPECT_EQ(body["response_format"],
            json::parse(R"({"type":"json_schema","json_schema":{"name":
              "person","schema":{"type":"object"},"strict":true}})"));
  EXPECT_EQ(body["tool_choice"], "required");
  EXPECT_EQ(body["stream_options"], json({{"include_usage", true}}));
  request.response_format.type = ResponseFormat::Type::kJsonObject;
  request.tool_choice.mode = ToolChoice::Mode::kNone;
  body = json::parse(codec.BuildRequest(request, kBase, "", false)->body);
  EXPECT_EQ(body["response_format"], json({{"type", "json_object"}}));
  EXPECT_EQ(body["tool_choice"], "none");
  request.parallel_tool_calls = true;
  EXPECT_EQ(codec.BuildRequest(request, kBase, "", false).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.parallel_tool_calls.reset();
  request.response_format.json_schema = "[1]";
  request.response_format.type = ResponseFormat::Type::kJsonSchema;
  EXPECT_EQ(codec.BuildRequest(request, kBase, "", false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OpenAiRichReply, ToolCallsRefusalAndUsageDetail) {
  OpenAiCompatibleCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Ok(R"({
    "id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024-08-06",
    "choices":[{"index":0,"message":{"role":"assistant","content":null,
      "refusal":null,"tool_calls":[{"id":"call_abc","type":"function",
      "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_def","type":"function","function":{"name":"now",
      "arguments":""}}]},"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
      "prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},
      "completion_tokens_details":{"reasoning_tokens":128}}})"));
  ASSERT_FALSE(outcome.error) << outcome.error->message;
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(outcome.reply.tool_calls.size(), 2u);
  EXPECT_EQ(outcome.reply.tool_calls[0].id, "call_abc");
  EXPECT_EQ(outcome.reply.tool_calls[0].arguments_json, R"({"city":"Paris"})");
  EXPECT_EQ(outcome.reply.tool_calls[1].arguments_json, "{}");
  EXPECT_EQ(outcome.reply.usage.input_tokens, 2006);
  EXPECT_EQ(outcome.reply.usage.cached_input_tokens, 1920);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 300);
  EXPECT_EQ(outcome.reply.usage.reasoning_tokens, 128);

  outcome = codec.ParseReply(Ok(R"({"choices":[{"index":0,"message":{
    "role":"assistant","content":null,"refusal":"I can't help with that."},
    "finish_reason":"stop"}]})"));
  EXPECT_EQ(outcome.reply.refusal, "I can't help with that.");
  outcome = codec.ParseReply(Ok(R"({"choices":[{"index":0,"message":{
    "role":"assistant","content":""},"finish_reason":"content_filter"}]})"));
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(outcome.reply.block_reason, "content_filter");
}

TEST(OpenAiRichReply, DeepSeekCacheHitTokens) {
  OpenAiCompatibleCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Ok(R"({"model":"deepseek-chat",
    "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},
    "finish_reason":"stop"}],"usage":{"prompt_tokens":100,
    "completion_tokens":5,"prompt_cache_hit_tokens":64,
    "prompt_cache_miss_tokens":36}})"));
  EXPECT_EQ(outcome.reply.usage.input_tokens, 100);
  EXPECT_EQ(outcome.reply.usage.cached_input_tokens, 64);
}

struct Streamed {
  std::vector<ToolCallDelta> deltas;
  std::string refusal;
  bool done = false;
  std::optional<ProviderError> error;
};

Streamed Feed(StreamDecoder& decoder, const std::vector<std::string>& data) {
  Streamed out;
  for (const std::string& d : data) {
    StreamUpdate update = decoder.OnEvent(Data(d));
    for (auto& delta : update.tool_call_deltas) out.deltas.push_back(delta);
    out.refusal += update.refusal_delta;
    if (update.error) {
      out.error = update.error;
      break;
    }
    if (update.done) {
      out.done = true;
      break;
    }
  }
  return out;
}

TEST(OpenAiRichStream, ToolCallDeltasAssembleAndUsageOnTheLastChunk) {
  OpenAiCompatibleCodec codec;
  auto decoder = codec.NewStreamDecoder();
  const std::string head =
      R"({"id":"c","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":)";
  Streamed s = Feed(
      *decoder,
      {head +
           R"({"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]})",
       head +
           R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"finish_reason":null}]})",
       head +
           R"({"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Paris\"}"}}]},"finish_reason":null}]})",
       head +
           R"({"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"now","arguments":""}}]},"finish_reason":null}]})",
       head + R"({},"finish_reason":"tool_calls"}]})",
       R"({"id":"c","object":"chat.completion.chunk","model":"gpt-4o","choices":[],"usage":{"prompt_tokens":50,"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":32}}})",
       "[DONE]"});
  ASSERT_FALSE(s.error);
  EXPECT_TRUE(s.done);
  ASSERT_EQ(s.deltas.size(), 4u);
  EXPECT_EQ(s.deltas[0].id, "call_1");
  EXPECT_EQ(s.deltas[0].name, "get_weather");
  EXPECT_EQ(s.deltas[1].arguments_json_delta, R"({"ci)");
  EXPECT_TRUE(s.deltas[1].id.empty());
  EXPECT_EQ(s.deltas[3].index, 1);
  const ProviderReply& summary = decoder->Summary();
  EXPECT_EQ(summary.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(summary.tool_calls.size(), 2u);
  EXPECT_EQ(summary.tool_calls[0].arguments_json, R"({"city":"Paris"})");
  EXPECT_EQ(summary.tool_calls[1].arguments_json, "{}");
  EXPECT_EQ(summary.usage.input_tokens, 50);
  EXPECT_EQ(summary.usage.cached_input_tokens, 32);
  EXPECT_TRUE(summary.usage.reported);
}

TEST(OpenAiRichStream, RefusalDeltasAndBounds) {
  OpenAiCompatibleCodec codec;
  auto decoder = codec.NewStreamDecoder();
  Streamed s = Feed(
      *decoder, {R"({"choices":[{"index":0,"delta":{"refusal":"I can't"}}]})",
                 R"({"choices":[{"index":0,"delta":{"refusal":" do that."}}]})",
                 "[DONE]"});
  EXPECT_EQ(s.refusal, "I can't do that.");
  EXPECT_EQ(decoder->Summary().refusal, "I can't do that.");

  decoder = codec.NewStreamDecoder();
  std::vector<std::string> many;
  for (int i = 0; i <= 128; ++i) {
    many.push_back(absl::StrCat(
        R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":)", i,
        R"(,"id":"c)", i,
        R"(","function":{"name":"f","arguments":"{}"}}]}}]})"));
  }
  s = Feed(*decoder, many);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->error_class, ErrorClass::kTransient);
  EXPECT_EQ(decoder->Summary().tool_calls.size(), 128u);

  decoder = codec.NewStreamDecoder();
  const std::string big(600 * 1024, 'x');
  const std::string piece =
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":")" +
      big + R"("}}]}}]})";
  s = Feed(*decoder, {piece, piece});
  ASSERT_TRUE(s.error);
  EXPECT_NE(s.error->message.find("1 MiB"), std::string::npos);
}

TEST(OpenAiEmbeddings, RequestAndReply) {
  OpenAiCompatibleCodec codec;
  ProviderRequest request;
  request.operation = Operation::kEmbed;
  request.model = "text-embedding-3-small";
  request.embed.inputs = {"a", "b"};
  request.embed.dimensions = 3;
  auto built = codec.BuildEmbedRequest(request, kBase, "sk-test");
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->url, "https://api.openai.com/v1/embeddings");
  EXPECT_EQ(json::parse(built->body),
            json::parse(R"({"model":"text-embedding-3-small","input":["a","b"],
              "encoding_format":"float","dimensions":3})"));
  ProviderOutcome outcome = codec.ParseEmbedReply(Ok(R"({"object":"list",
    "data":[{"object":"embedding","index":1,"embedding":[0.5,-1.0,0.25]},
            {"object":"embedding","index":0,"embedding":[1.0,0.0,2.0]}],
    "model":"text-embedding-3-small","usage":{"prompt_tokens":8,
    "total_tokens":8}})"));
  ASSERT_FALSE(outcome.error) << outcome.error->message;
  ASSERT_EQ(outcome.reply.embeddings.size(), 2u);
  EXPECT_EQ(outcome.reply.embeddings[0],
            (std::vector<float>{1.0f, 0.0f, 2.0f}));
  EXPECT_EQ(outcome.reply.embeddings[1][1], -1.0f);
  EXPECT_EQ(outcome.reply.usage.input_tokens, 8);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 0);
  outcome = codec.ParseEmbedReply(Ok(R"({"data":[{"index":0,"embedding":[1]},
    {"index":0,"embedding":[2]}]})"));
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kTransient);
  outcome = codec.ParseEmbedReply(
      Ok(R"({"error":{"message":"bad key","type":"invalid_request_error",
        "code":"invalid_api_key"}})"));
  ASSERT_TRUE(outcome.error);
}

TEST(MiniMaxRich, ToolsGoThroughUndocumentedOptionsAreRefused) {
  MiniMaxCodec codec;
  ProviderRequest request = ToolRequest();
  request.model = "MiniMax-M2";
  auto refused =
      codec.BuildRequest(request, "https://api.minimax.io/v1", "k", false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("not supported by the MiniMax"),
            std::string::npos)
      << refused.status();
  request.seed.reset();
  request.presence_penalty.reset();
  request.frequency_penalty.reset();
  request.parallel_tool_calls.reset();
  request.end_user_id.clear();
  auto built =
      codec.BuildRequest(request, "https://api.minimax.io/v1", "k", false);
  ASSERT_TRUE(built.ok()) << built.status();
  json body = json::parse(built->body);
  EXPECT_EQ(body["tools"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(body["messages"][2]["role"], "tool");
}

}  // namespace
}  // namespace llmgw
