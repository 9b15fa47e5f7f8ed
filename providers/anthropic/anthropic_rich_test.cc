// The rich contract (#13) in the Anthropic codec: content blocks, images,
// tools, tool results, structured output, refusals, usage detail and
// streamed tool calls, on payloads shaped like the Messages API reference
// and the "Streaming Messages" page.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "nlohmann/json.hpp"
#include "providers/anthropic/anthropic_catalog.h"
#include "providers/anthropic/anthropic_codec.h"
#include "providers/anthropic/anthropic_stream.h"
#include "registry/provider.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

constexpr char kBase[] = "https://api.anthropic.com/v1";

AnthropicCodec Codec() { return AnthropicCodec(AnthropicPresets().front()); }

Message Msg(MessageRole role, std::string content) {
  Message message;
  message.role = role;
  message.content = std::move(content);
  return message;
}

ProviderRequest Request() {
  ProviderRequest request;
  request.model = "claude-sonnet-5-5";
  request.max_tokens = 100;
  request.messages = {Msg(MessageRole::kUser, "What's the weather in Paris?")};
  return request;
}

Json Body(const ProviderRequest& request) {
  auto built = Codec().BuildRequest(request, kBase, "sk-ant", false);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? Json::parse(built->body) : Json();
}

std::string Refused(const ProviderRequest& request) {
  auto built = Codec().BuildRequest(request, kBase, "sk-ant", false);
  EXPECT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(built.status().message());
}

ToolDefinition WeatherTool() {
  ToolDefinition tool;
  tool.name = "get_weather";
  tool.description = "Get the current weather in a given location";
  tool.parameters_json_schema =
      R"({"type":"object","properties":{"location":{"type":"string"}},)"
      R"("required":["location"]})";
  return tool;
}

TEST(AnthropicToolsRequestTest, ToolsAndEveryToolChoice) {
  ProviderRequest request = Request();
  ToolDefinition no_args;
  no_args.name = "get_time";
  request.tools = {WeatherTool(), no_args};
  Json body = Body(request);
  Json expected_tools = Json::parse(R"([
    {"name":"get_weather",
     "description":"Get the current weather in a given location",
     "input_schema":{"type":"object",
                     "properties":{"location":{"type":"string"}},
                     "required":["location"]}},
    {"name":"get_time","input_schema":{"type":"object","properties":{}}}])");
  EXPECT_EQ(body["tools"], expected_tools);
  EXPECT_FALSE(body.contains("tool_choice"));

  const std::pair<ToolChoice::Mode, Json> cases[] = {
      {ToolChoice::Mode::kAuto, {{"type", "auto"}}},
      {ToolChoice::Mode::kNone, {{"type", "none"}}},
      {ToolChoice::Mode::kRequired, {{"type", "any"}}},
      {ToolChoice::Mode::kNamed, {{"type", "tool"}, {"name", "get_time"}}},
  };
  for (const auto& [mode, json] : cases) {
    request.tool_choice.mode = mode;
    request.tool_choice.name =
        mode == ToolChoice::Mode::kNamed ? "get_time" : "";
    EXPECT_EQ(Body(request)["tool_choice"], json);
  }

  // parallel_tool_calls=false -> disable_parallel_tool_use.
  request.parallel_tool_calls = false;
  request.tool_choice = ToolChoice();
  EXPECT_EQ(Body(request)["tool_choice"],
            Json({{"type", "auto"}, {"disable_parallel_tool_use", true}}));
  request.tool_choice.mode = ToolChoice::Mode::kRequired;
  EXPECT_EQ(Body(request)["tool_choice"],
            Json({{"type", "any"}, {"disable_parallel_tool_use", true}}));
  request.parallel_tool_calls = true;
  EXPECT_EQ(Body(request)["tool_choice"], Json({{"type", "any"}}));
}

TEST(AnthropicToolsRequestTest, ToolRoundTripTurns) {
  ProviderRequest request = Request();
  request.tools = {WeatherTool()};
  Message call = Msg(MessageRole::kAssistant, "Let me check.");
  call.tool_calls = {{"toolu_01A", "get_weather", R"({"location":"Paris"})"},
                     {"toolu_01B", "get_weather", R"({"location":"Nice"})"}};
  Message first = Msg(MessageRole::kTool, "15 degrees");
  first.tool_call_id = "toolu_01A";
  first.tool_name = "get_weather";
  Message second = Msg(MessageRole::kTool, "");
  second.tool_call_id = "toolu_01B";
  second.tool_name = "get_weather";
  Message silent_call = Msg(MessageRole::kAssistant, "");
  silent_call.tool_calls = {{"toolu_01C", "get_weather", ""}};
  request.messages.push_back(call);
  request.messages.push_back(first);
  request.messages.push_back(second);
  request.messages.push_back(Msg(MessageRole::kUser, "And tomorrow?"));
  request.messages.push_back(silent_call);

  Json expected = Json::parse(R"([
    {"role":"user","content":"What's the weather in Paris?"},
    {"role":"assistant","content":[
      {"type":"text","text":"Let me check."},
      {"type":"tool_use","id":"toolu_01A","name":"get_weather",
       "input":{"location":"Paris"}},
      {"type":"tool_use","id":"toolu_01B","name":"get_weather",
       "input":{"location":"Nice"}}]},
    {"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_01A","content":"15 degrees"},
      {"type":"tool_result","tool_use_id":"toolu_01B"},
      {"type":"text","text":"And tomorrow?"}]},
    {"role":"assistant","content":[
      {"type":"tool_use","id":"toolu_01C","name":"get_weather","input":{}}]}
  ])");
  EXPECT_EQ(Body(request)["messages"], expected);
}

TEST(AnthropicContentRequestTest, ImagesAsUrlBase64AndDataUrl) {
  ProviderRequest request = Request();
  Message user;
  user.role = MessageRole::kUser;
  ContentPart text;
  text.text = "Compare these";
  ContentPart by_url;
  by_url.kind = ContentPart::Kind::kImage;
  by_url.image.url = "https://upload.wikimedia.org/cat.jpg";
  ContentPart inline_bytes;
  inline_bytes.kind = ContentPart::Kind::kImage;
  inline_bytes.image.data = std::string("\x89PNG\r\n", 6);
  inline_bytes.image.mime_type = "image/png";
  ContentPart data_url;
  data_url.kind = ContentPart::Kind::kImage;
  data_url.image.url = "data:image/gif;base64,R0lGODlh";
  user.parts = {text, by_url, inline_bytes, data_url};
  request.messages = {user};

  Json expected = Json::parse(R"([{"role":"user","content":[
    {"type":"text","text":"Compare these"},
    {"type":"image","source":{"type":"url",
                              "url":"https://upload.wikimedia.org/cat.jpg"}},
    {"type":"image","source":{"type":"base64","media_type":"image/png",
                              "data":"iVBORw0K"}},
    {"type":"image","source":{"type":"base64","media_type":"image/gif",
                              "data":"R0lGODlh"}}]}])");
  EXPECT_EQ(Body(request)["messages"], expected);

  request.messages[0].parts[2].image.mime_type = "image/bmp";
  EXPECT_NE(Refused(request).find("image/bmp"), std::string::npos);
  request.messages[0].parts[2].image.mime_type = "image/png";
  request.messages[0].parts[3].image.url = "data:image/gif,plain";
  EXPECT_NE(Refused(request).find("base64"), std::string::npos);
}

TEST(AnthropicOptionsRequestTest, StructuredOutputAndUserId) {
  ProviderRequest request = Request();
  request.response_format.type = ResponseFormat::Type::kJsonSchema;
  request.response_format.schema_name = "weather";
  request.response_format.json_schema =
      R"({"type":"object","properties":{"t":{"type":"number"}},)"
      R"("required":["t"],"additionalProperties":false})";
  request.response_format.strict = true;
  request.end_user_id = "user-5f1c";
  Json body = Body(request);
  EXPECT_EQ(body["output_config"],
            Json::parse(R"({"format":{"type":"json_schema","schema":
              {"type":"object","properties":{"t":{"type":"number"}},
               "required":["t"],"additionalProperties":false}}})"));
  EXPECT_EQ(body["metadata"], Json({{"user_id", "user-5f1c"}}));
}

TEST(AnthropicOptionsRequestTest, UnsupportedFeaturesAreNamed) {
  ProviderRequest request = Request();
  request.response_format.type = ResponseFormat::Type::kJsonObject;
  EXPECT_NE(Refused(request).find(
                "response_format json_object is not supported by the "
                "Anthropic Messages API"),
            std::string::npos);
  request = Request();
  request.seed = 42;
  EXPECT_EQ(Refused(request),
            "seed is not supported by the Anthropic Messages API");
  request = Request();
  request.presence_penalty = 0.5f;
  EXPECT_EQ(Refused(request),
            "presence_penalty is not supported by the Anthropic Messages API");
  request = Request();
  request.frequency_penalty = 0.5f;
  EXPECT_EQ(Refused(request),
            "frequency_penalty is not supported by the Anthropic Messages "
            "API");
  request = Request();
  request.tool_choice.mode = ToolChoice::Mode::kRequired;
  EXPECT_NE(Refused(request).find("needs at least one tool"),
            std::string::npos);
}

TEST(AnthropicOptionsRequestTest, NoEmbeddingsEndpoint) {
  ProviderRequest request;
  request.model = "claude-sonnet-5-5";
  request.operation = Operation::kEmbed;
  request.embed.inputs = {"hello"};
  auto built = Codec().BuildEmbedRequest(request, kBase, "sk-ant");
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
}

http::HttpResponse Ok(std::string body) {
  http::HttpResponse response;
  response.status_code = 200;
  response.body = std::move(body);
  return response;
}

TEST(AnthropicRichReplyTest, ToolUseBlocksAndUsageDetail) {
  ProviderOutcome outcome = Codec().ParseReply(Ok(R"({
    "id":"msg_01","type":"message","role":"assistant",
    "model":"claude-sonnet-5-5",
    "content":[
      {"type":"thinking","thinking":"...","signature":"x"},
      {"type":"text","text":"I'll check."},
      {"type":"tool_use","id":"toolu_01A","name":"get_weather",
       "input":{"location":"San Francisco, CA","unit":"celsius"}},
      {"type":"tool_use","id":"toolu_01B","name":"get_time","input":{}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":10,"cache_creation_input_tokens":20,
             "cache_read_input_tokens":300,"output_tokens":50,
             "output_tokens_details":{"thinking_tokens":12}}})"));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  const ProviderReply& reply = outcome.reply;
  EXPECT_EQ(reply.text, "I'll check.");
  EXPECT_EQ(reply.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(reply.tool_calls.size(), 2u);
  EXPECT_EQ(reply.tool_calls[0].id, "toolu_01A");
  EXPECT_EQ(reply.tool_calls[0].name, "get_weather");
  EXPECT_EQ(Json::parse(reply.tool_calls[0].arguments_json),
            Json({{"location", "San Francisco, CA"}, {"unit", "celsius"}}));
  EXPECT_EQ(reply.tool_calls[1].arguments_json, "{}");
  EXPECT_EQ(reply.usage.input_tokens, 330);
  EXPECT_EQ(reply.usage.cached_input_tokens, 300);
  EXPECT_EQ(reply.usage.cache_write_input_tokens, 20);
  EXPECT_EQ(reply.usage.output_tokens, 50);
  EXPECT_EQ(reply.usage.reasoning_tokens, 12);
  EXPECT_TRUE(reply.refusal.empty());
}

TEST(AnthropicRichReplyTest, RefusalWithAndWithoutStopDetails) {
  ProviderOutcome outcome = Codec().ParseReply(Ok(R"({
    "type":"message","role":"assistant","model":"claude-sonnet-5-5",
    "content":[{"type":"text","text":"Hello.."}],"stop_reason":"refusal",
    "stop_details":{"type":"refusal","category":"cyber",
                    "explanation":"This could enable malware."},
    "usage":{"input_tokens":5,"output_tokens":2}})"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(outcome.reply.refusal, "This could enable malware.");
  EXPECT_EQ(outcome.reply.block_reason, "cyber");
  EXPECT_EQ(outcome.reply.text, "Hello..");

  outcome = Codec().ParseReply(Ok(R"({"type":"message","content":[],
    "stop_reason":"refusal","usage":{"input_tokens":5,"output_tokens":0}})"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kContentFilter);
  EXPECT_FALSE(outcome.reply.refusal.empty());
  EXPECT_EQ(outcome.reply.block_reason, "refusal");
}

http::SseEvent Event(const std::string& name, const std::string& data) {
  http::SseEvent event;
  event.event = name;
  event.data = data;
  return event;
}

// The tool-use stream of the "Streaming Messages" page, shortened.
std::vector<http::SseEvent> ToolStream() {
  return {
      Event("message_start",
            R"({"type":"message_start","message":{"id":"msg_014p","type":)"
            R"("message","role":"assistant","model":"claude-sonnet-5-5",)"
            R"("content":[],"stop_reason":null,"usage":{"input_tokens":472,)"
            R"("cache_creation_input_tokens":0,"cache_read_input_tokens":)"
            R"(1000,"output_tokens":2}}})"),
      Event("content_block_start",
            R"({"type":"content_block_start","index":0,"content_block":)"
            R"({"type":"text","text":""}})"),
      Event("content_block_delta",
            R"({"type":"content_block_delta","index":0,"delta":{"type":)"
            R"("text_delta","text":"Okay, let's check"}})"),
      Event("content_block_stop", R"({"type":"content_block_stop","index":0})"),
      Event("content_block_start",
            R"({"type":"content_block_start","index":1,"content_block":)"
            R"({"type":"tool_use","id":"toolu_01T1","name":"get_weather",)"
            R"("input":{}}})"),
      Event("content_block_delta",
            R"({"type":"content_block_delta","index":1,"delta":{"type":)"
            R"("input_json_delta","partial_json":""}})"),
      Event("content_block_delta",
            R"({"type":"content_block_delta","index":1,"delta":{"type":)"
            R"("input_json_delta","partial_json":"{\"location\":"}})"),
      Event("content_block_delta",
            R"({"type":"content_block_delta","index":1,"delta":{"type":)"
            R"("input_json_delta","partial_json":" \"San Francisco, CA\"}"}})"),
      Event("content_block_stop", R"({"type":"content_block_stop","index":1})"),
      Event("content_block_start",
            R"({"type":"content_block_start","index":2,"content_block":)"
            R"({"type":"tool_use","id":"toolu_01T2","name":"get_time",)"
            R"("input":{}}})"),
      Event("content_block_stop", R"({"type":"content_block_stop","index":2})"),
      Event("message_delta",
            R"({"type":"message_delta","delta":{"stop_reason":"tool_use",)"
            R"("stop_sequence":null},"usage":{"output_tokens":89}})"),
      Event("message_stop", R"({"type":"message_stop"})"),
  };
}

TEST(AnthropicRichStreamTest, ToolCallDeltasAssembledWithUsage) {
  std::unique_ptr<StreamDecoder> decoder = Codec().NewStreamDecoder();
  std::vector<ToolCallDelta> deltas;
  std::string text;
  bool done = false;
  for (const http::SseEvent& event : ToolStream()) {
    StreamUpdate update = decoder->OnEvent(event);
    ASSERT_FALSE(update.error.has_value()) << update.error->message;
    text += update.delta;
    for (ToolCallDelta& d : update.tool_call_deltas) deltas.push_back(d);
    done = done || update.done;
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(text, "Okay, let's check");
  ASSERT_EQ(deltas.size(), 5u);
  EXPECT_EQ(deltas[0].index, 0);
  EXPECT_EQ(deltas[0].id, "toolu_01T1");
  EXPECT_EQ(deltas[0].name, "get_weather");
  EXPECT_EQ(deltas[0].arguments_json_delta, "");
  EXPECT_EQ(deltas[1].arguments_json_delta, "{\"location\":");
  EXPECT_EQ(deltas[2].arguments_json_delta, " \"San Francisco, CA\"}");
  EXPECT_TRUE(deltas[2].id.empty());
  EXPECT_EQ(deltas[3].index, 1);
  EXPECT_EQ(deltas[3].name, "get_time");
  EXPECT_EQ(deltas[4].index, 1);
  EXPECT_EQ(deltas[4].arguments_json_delta, "{}");

  const ProviderReply& summary = decoder->Summary();
  ASSERT_EQ(summary.tool_calls.size(), 2u);
  EXPECT_EQ(Json::parse(summary.tool_calls[0].arguments_json),
            Json({{"location", "San Francisco, CA"}}));
  EXPECT_EQ(summary.tool_calls[1].arguments_json, "{}");
  EXPECT_EQ(summary.finish_reason, FinishReason::kToolCalls);
  // Input from message_start (472 + 1000 cached), output from message_delta.
  EXPECT_EQ(summary.usage.input_tokens, 1472);
  EXPECT_EQ(summary.usage.cached_input_tokens, 1000);
  EXPECT_EQ(summary.usage.output_tokens, 89);
  EXPECT_TRUE(summary.usage.reported);
}

TEST(AnthropicRichStreamTest, RefusalArrivesOnMessageDelta) {
  std::unique_ptr<StreamDecoder> decoder = Codec().NewStreamDecoder();
  decoder->OnEvent(Event("message_start", R"({"type":"message_start",
      "message":{"model":"m","usage":{"input_tokens":9,"output_tokens":1}}})"));
  StreamUpdate update = decoder->OnEvent(Event("message_delta", R"({
      "type":"message_delta","delta":{"stop_reason":"refusal",
      "stop_details":{"type":"refusal","category":"bio","explanation":null}},
      "usage":{"output_tokens":3}})"));
  EXPECT_FALSE(update.refusal_delta.empty());
  EXPECT_EQ(decoder->Summary().refusal, update.refusal_delta);
  EXPECT_EQ(decoder->Summary().block_reason, "bio");
  EXPECT_EQ(decoder->Summary().finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(decoder->Summary().usage.input_tokens, 9);
  EXPECT_EQ(decoder->Summary().usage.output_tokens, 3);
}

std::string ToolStart(int index) {
  return Json({{"type", "content_block_start"},
               {"index", index},
               {"content_block",
                {{"type", "tool_use"},
                 {"id", "toolu_" + std::to_string(index)},
                 {"name", "f"},
                 {"input", Json::object()}}}})
      .dump();
}

TEST(AnthropicRichStreamTest, BoundsFailTheStream) {
  std::unique_ptr<StreamDecoder> decoder = Codec().NewStreamDecoder();
  for (size_t i = 0; i < kAnthropicMaxStreamToolCalls; ++i) {
    StreamUpdate update =
        decoder->OnEvent(Event("content_block_start", ToolStart(i)));
    ASSERT_FALSE(update.error.has_value());
  }
  StreamUpdate over = decoder->OnEvent(
      Event("content_block_start", ToolStart(kAnthropicMaxStreamToolCalls)));
  ASSERT_TRUE(over.error.has_value());
  EXPECT_EQ(over.error->error_class, ErrorClass::kTransient);
  EXPECT_NE(over.error->message.find("malformed Anthropic stream"),
            std::string::npos);

  decoder = Codec().NewStreamDecoder();
  decoder->OnEvent(Event("content_block_start", ToolStart(0)));
  const std::string piece(64 * 1024, 'a');
  Json delta = {
      {"type", "content_block_delta"},
      {"index", 0},
      {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}};
  StreamUpdate update;
  int pieces = 0;
  while (!update.error.has_value() && pieces < 100) {
    update = decoder->OnEvent(Event("content_block_delta", delta.dump()));
    ++pieces;
  }
  ASSERT_TRUE(update.error.has_value());
  EXPECT_EQ(pieces, 17);  // 16 pieces = 1 MiB fit, the 17th does not
  EXPECT_EQ(update.error->error_class, ErrorClass::kTransient);
}

}  // namespace
}  // namespace llmgw
