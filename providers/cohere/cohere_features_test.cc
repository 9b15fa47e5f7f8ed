// The rich contract in the Cohere v2 codec: tools, images, structured output,
// refusals of what v2 cannot express, tool-call streams, cached usage and
// embeddings, on payloads shaped like docs.cohere.com's examples.

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "nlohmann/json.hpp"
#include "providers/cohere/cohere_catalog.h"
#include "providers/cohere/cohere_codec.h"
#include "registry/provider.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

constexpr char kBase[] = "https://api.cohere.com/v2";

Message Msg(MessageRole role, std::string content) {
  Message message;
  message.role = role;
  message.content = std::move(content);
  return message;
}

ProviderRequest WeatherRequest() {
  ProviderRequest request;
  request.model = "command-a-03-2025";
  request.messages = {Msg(MessageRole::kUser, "Weather in Toronto?")};
  ToolDefinition tool;
  tool.name = "get_weather";
  tool.description = "gets the weather of a given location";
  tool.parameters_json_schema =
      R"({"type":"object","properties":{"location":{"type":"string"}},)"
      R"("required":["location"]})";
  request.tools = {tool};
  return request;
}

Json Body(const ProviderRequest& request) {
  absl::StatusOr<http::HttpRequest> built =
      CohereCodec().BuildRequest(request, kBase, "k", false);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? Json::parse(built->body) : Json();
}

std::string Refusal(const ProviderRequest& request) {
  absl::StatusOr<http::HttpRequest> built =
      CohereCodec().BuildRequest(request, kBase, "k", false);
  EXPECT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(built.status().message());
}

http::HttpResponse Response(int status, std::string body) {
  http::HttpResponse response;
  response.status_code = status;
  response.body = std::move(body);
  return response;
}

http::SseEvent Event(const std::string& type, Json data) {
  http::SseEvent event;
  event.event = type;
  data["type"] = type;
  event.data = data.dump();
  return event;
}

TEST(CohereToolsTest, ToolsAndRoundTripMessages) {
  ProviderRequest request = WeatherRequest();
  Message assistant = Msg(MessageRole::kAssistant, "");
  assistant.tool_calls = {
      {"get_weather_1", "get_weather", R"({"location":"Toronto"})"}};
  Message result = Msg(MessageRole::kTool, R"({"temperature":"20C"})");
  result.tool_call_id = "get_weather_1";
  result.tool_name = "get_weather";
  request.messages.push_back(assistant);
  request.messages.push_back(result);
  request.tool_choice.mode = ToolChoice::Mode::kRequired;
  Json body = Body(request);
  EXPECT_EQ(body["tools"], Json::parse(R"([{"type":"function","function":{
      "name":"get_weather","description":"gets the weather of a given location",
      "parameters":{"type":"object","properties":{"location":{"type":"string"}},
      "required":["location"]}}}])"));
  EXPECT_EQ(body["tool_choice"], "REQUIRED");
  EXPECT_EQ(body["messages"][1], Json::parse(R"({"role":"assistant",
      "tool_calls":[{"id":"get_weather_1","type":"function","function":{
      "name":"get_weather","arguments":"{\"location\":\"Toronto\"}"}}]})"));
  EXPECT_EQ(body["messages"][2], Json::parse(R"({"role":"tool",
      "tool_call_id":"get_weather_1",
      "content":[{"type":"text","text":"{\"temperature\":\"20C\"}"}]})"));
}

TEST(CohereToolsTest, EmptySchemaAndNoneChoice) {
  ProviderRequest request = WeatherRequest();
  request.tools[0].parameters_json_schema.clear();
  request.tools[0].description.clear();
  request.tool_choice.mode = ToolChoice::Mode::kNone;
  Json body = Body(request);
  EXPECT_EQ(body["tools"][0]["function"],
            Json::parse(R"({"name":"get_weather","parameters":
                {"type":"object","properties":{}}})"));
  EXPECT_EQ(body["tool_choice"], "NONE");
  request.tool_choice.mode = ToolChoice::Mode::kAuto;
  EXPECT_FALSE(Body(request).contains("tool_choice"));
}

TEST(CohereToolsTest, RefusesWhatV2CannotExpress) {
  ProviderRequest request = WeatherRequest();
  request.tool_choice = {ToolChoice::Mode::kNamed, "get_weather"};
  EXPECT_NE(Refusal(request).find("named tool_choice"), std::string::npos);
  request.tool_choice = {};
  request.parallel_tool_calls = false;
  EXPECT_NE(Refusal(request).find("parallel_tool_calls"), std::string::npos);
  request.parallel_tool_calls = true;  // Cohere's default: sent as nothing
  EXPECT_FALSE(Body(request).contains("parallel_tool_calls"));
  request.end_user_id = "user-42";
  EXPECT_NE(Refusal(request).find("end_user_id is not supported by the "
                                  "Cohere v2 Chat API"),
            std::string::npos);
  request.end_user_id.clear();
  request.response_format.type = ResponseFormat::Type::kJsonObject;
  EXPECT_NE(Refusal(request).find("response_format together with tools"),
            std::string::npos);
  request.response_format = {};
  request.presence_penalty = 1.5f;
  EXPECT_NE(Refusal(request).find("presence_penalty must be between 0 and 1"),
            std::string::npos);
}

TEST(CohereOptionsTest, ResponseFormatSeedPenalties) {
  ProviderRequest request;
  request.model = "command-r-08-2024";
  request.messages = {Msg(MessageRole::kUser, "Generate a JSON person")};
  request.response_format.type = ResponseFormat::Type::kJsonSchema;
  request.response_format.schema_name = "person";
  request.response_format.strict = true;
  request.response_format.json_schema =
      R"({"type":"object","properties":{"name":{"type":"string"}},)"
      R"("required":["name"]})";
  request.seed = 7;
  request.presence_penalty = 0.5f;
  request.frequency_penalty = 0.25f;
  Json body = Body(request);
  EXPECT_EQ(body["response_format"], Json::parse(R"({"type":"json_object",
      "json_schema":{"type":"object","properties":{"name":{"type":"string"}},
      "required":["name"]}})"));
  EXPECT_EQ(body["seed"], 7);
  EXPECT_EQ(body["presence_penalty"], 0.5);
  EXPECT_EQ(body["frequency_penalty"], 0.25);
  request.response_format = {};
  request.response_format.type = ResponseFormat::Type::kJsonObject;
  EXPECT_EQ(Body(request)["response_format"],
            Json::parse(R"({"type":"json_object"})"));
}

TEST(CohereContentTest, ImagesAsUrlAndInlineData) {
  ProviderRequest request;
  request.model = "command-a-vision-07-2025";
  Message user;
  user.role = MessageRole::kUser;
  ContentPart text;
  text.text = "Describe both";
  ContentPart url;
  url.kind = ContentPart::Kind::kImage;
  url.image.url = "https://example.com/cat.png";
  url.image.detail = "low";
  ContentPart inline_bytes;
  inline_bytes.kind = ContentPart::Kind::kImage;
  inline_bytes.image.data = std::string("\x89PNG", 4);
  inline_bytes.image.mime_type = "image/png";
  user.parts = {text, url, inline_bytes};
  request.messages = {Msg(MessageRole::kSystem, "be brief"), user};
  Json body = Body(request);
  EXPECT_EQ(body["messages"][0],
            Json::parse(R"({"role":"system","content":"be brief"})"));
  EXPECT_EQ(body["messages"][1]["content"], Json::parse(R"([
      {"type":"text","text":"Describe both"},
      {"type":"image_url","image_url":{"url":"https://example.com/cat.png",
                                       "detail":"low"}},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw=="}}
  ])"));
}

TEST(CohereReplyTest, ToolCallsPlanAndCachedUsage) {
  const char* body = R"({"id":"x","finish_reason":"TOOL_CALL",
    "message":{"role":"assistant","tool_plan":"I will check the weather.",
      "tool_calls":[{"id":"get_weather_1byjy32y4hvq","type":"function",
        "function":{"name":"get_weather","arguments":"{\"location\":\"Toronto\"}"}}]},
    "usage":{"billed_units":{"input_tokens":37,"output_tokens":28},
             "tokens":{"input_tokens":1000,"output_tokens":59},
             "cached_tokens":20}})";
  ProviderOutcome outcome = CohereCodec().ParseReply(Response(200, body));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  EXPECT_EQ(outcome.reply.text, "");
  EXPECT_EQ(outcome.reply.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(outcome.reply.tool_calls.size(), 1u);
  EXPECT_EQ(outcome.reply.tool_calls[0].id, "get_weather_1byjy32y4hvq");
  EXPECT_EQ(outcome.reply.tool_calls[0].name, "get_weather");
  EXPECT_EQ(outcome.reply.tool_calls[0].arguments_json,
            R"({"location":"Toronto"})");
  EXPECT_EQ(outcome.reply.usage.input_tokens, 37);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 28);
  EXPECT_EQ(outcome.reply.usage.cached_input_tokens, 20);
}

TEST(CohereReplyTest, ToxicIsABlockAndBadToolCallsAreMalformed) {
  ProviderOutcome toxic = CohereCodec().ParseReply(Response(
      200, R"({"finish_reason":"ERROR_TOXIC","message":{"content":[]}})"));
  ASSERT_TRUE(toxic.ok());
  EXPECT_EQ(toxic.reply.finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(toxic.reply.block_reason, "ERROR_TOXIC");
  ProviderOutcome bad = CohereCodec().ParseReply(Response(
      200, R"({"finish_reason":"TOOL_CALL","message":{"tool_calls":{}}})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error->error_class, ErrorClass::kTransient);
}

std::vector<StreamUpdate> Feed(StreamDecoder& decoder,
                               const std::vector<http::SseEvent>& events) {
  std::vector<StreamUpdate> updates;
  for (const http::SseEvent& event : events) {
    updates.push_back(decoder.OnEvent(event));
  }
  return updates;
}

Json StartCall(const std::string& id, const std::string& name) {
  return {{"index", 0},
          {"delta",
           {{"message",
             {{"tool_calls",
               {{"id", id},
                {"type", "function"},
                {"function", {{"name", name}, {"arguments", ""}}}}}}}}}};
}

Json ArgumentPiece(int index, const std::string& piece) {
  return {{"index", index},
          {"delta",
           {{"message",
             {{"tool_calls", {{"function", {{"arguments", piece}}}}}}}}}};
}

TEST(CohereStreamTest, ToolCallDeltasAssembleAndUsageLands) {
  std::unique_ptr<StreamDecoder> decoder = CohereCodec().NewStreamDecoder();
  Json second = StartCall("call_b", "get_time");
  second["index"] = 1;
  std::vector<StreamUpdate> updates = Feed(
      *decoder,
      {Event("message-start", {{"id", "m"}}),
       Event("tool-plan-delta",
             {{"delta", {{"message", {{"tool_plan", "I"}}}}}}),
       Event("tool-call-start", StartCall("call_a", "get_weather")),
       Event("tool-call-delta", ArgumentPiece(0, "{\"location\":")),
       Event("tool-call-delta", ArgumentPiece(0, "\"Toronto\"}")),
       Event("tool-call-end", {{"index", 0}}), Event("tool-call-start", second),
       Event("tool-call-end", {{"index", 1}}),
       Event("message-end",
             Json::parse(R"({"delta":{"finish_reason":"TOOL_CALL","usage":{
                 "billed_units":{"input_tokens":37,"output_tokens":28},
                 "tokens":{"input_tokens":1000,"output_tokens":59},
                 "cached_tokens":12}}})"))});
  EXPECT_EQ(updates[1].delta, "");  // the plan is not answer text
  ASSERT_EQ(updates[2].tool_call_deltas.size(), 1u);
  EXPECT_EQ(updates[2].tool_call_deltas[0].index, 0);
  EXPECT_EQ(updates[2].tool_call_deltas[0].id, "call_a");
  EXPECT_EQ(updates[2].tool_call_deltas[0].name, "get_weather");
  ASSERT_EQ(updates[3].tool_call_deltas.size(), 1u);
  EXPECT_EQ(updates[3].tool_call_deltas[0].arguments_json_delta,
            "{\"location\":");
  EXPECT_EQ(updates[6].tool_call_deltas[0].index, 1);
  EXPECT_TRUE(updates.back().done);
  const ProviderReply& summary = decoder->Summary();
  ASSERT_EQ(summary.tool_calls.size(), 2u);
  EXPECT_EQ(summary.tool_calls[0].arguments_json, R"({"location":"Toronto"})");
  EXPECT_EQ(summary.tool_calls[1].name, "get_time");
  EXPECT_EQ(summary.tool_calls[1].arguments_json, "{}");
  EXPECT_EQ(summary.finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(summary.usage.input_tokens, 37);
  EXPECT_EQ(summary.usage.output_tokens, 28);
  EXPECT_EQ(summary.usage.cached_input_tokens, 12);
  EXPECT_TRUE(summary.usage.reported);
}

TEST(CohereStreamTest, BoundsFailTheStream) {
  std::unique_ptr<StreamDecoder> many = CohereCodec().NewStreamDecoder();
  StreamUpdate last;
  for (int i = 0; i <= 128 && !last.error.has_value(); ++i) {
    Json start = StartCall("c", "f");
    start["index"] = i;
    last = many->OnEvent(Event("tool-call-start", start));
  }
  ASSERT_TRUE(last.error.has_value());
  EXPECT_EQ(last.error->error_class, ErrorClass::kTransient);
  EXPECT_NE(last.error->message.find("malformed Cohere stream"),
            std::string::npos);

  std::unique_ptr<StreamDecoder> big = CohereCodec().NewStreamDecoder();
  big->OnEvent(Event("tool-call-start", StartCall("c", "f")));
  const std::string piece(512 * 1024, 'x');
  big->OnEvent(Event("tool-call-delta", ArgumentPiece(0, piece)));
  big->OnEvent(Event("tool-call-delta", ArgumentPiece(0, piece)));
  StreamUpdate over =
      big->OnEvent(Event("tool-call-delta", ArgumentPiece(0, "y")));
  ASSERT_TRUE(over.error.has_value());
  EXPECT_EQ(over.error->error_class, ErrorClass::kTransient);
}

ProviderRequest EmbedRequest(std::string model, int32_t dimensions) {
  ProviderRequest request;
  request.operation = Operation::kEmbed;
  request.model = std::move(model);
  request.embed.inputs = {"hello", "world"};
  request.embed.dimensions = dimensions;
  return request;
}

TEST(CohereEmbedTest, BuildsTheV2EmbedBody) {
  ProviderRequest request = EmbedRequest("embed-v4.0", 512);
  request.embed.input_type = EmbedInputType::kSearchQuery;
  absl::StatusOr<http::HttpRequest> built =
      CohereCodec().BuildEmbedRequest(request, kBase, "k");
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->url, "https://api.cohere.com/v2/embed");
  EXPECT_EQ(Json::parse(built->body), Json::parse(R"({"model":"embed-v4.0",
      "texts":["hello","world"],"input_type":"search_query",
      "embedding_types":["float"],"output_dimension":512})"));
  request.embed.input_type = EmbedInputType::kUnspecified;
  request.embed.dimensions = 0;
  built = CohereCodec().BuildEmbedRequest(request, kBase, "k");
  ASSERT_TRUE(built.ok());
  Json body = Json::parse(built->body);
  EXPECT_EQ(body["input_type"], "search_document");
  EXPECT_FALSE(body.contains("output_dimension"));
}

TEST(CohereEmbedTest, DimensionsOnlyWhereTheModelHasThem) {
  absl::StatusOr<http::HttpRequest> v3 = CohereCodec().BuildEmbedRequest(
      EmbedRequest("embed-english-v3.0", 256), kBase, "k");
  ASSERT_FALSE(v3.ok());
  EXPECT_EQ(v3.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(v3.status().message().find(
                "dimensions is not supported by Cohere embedding model "
                "embed-english-v3.0"),
            std::string::npos);
  absl::StatusOr<http::HttpRequest> odd = CohereCodec().BuildEmbedRequest(
      EmbedRequest("embed-v4.0", 300), kBase, "k");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.status().message().find("dimensions 300"), std::string::npos);
}

TEST(CohereEmbedTest, ParsesFloatsAndBilledUnits) {
  ProviderOutcome outcome = CohereCodec().ParseEmbedReply(
      Response(200, R"({"id":"e","embeddings":{"float":[[0.5,-1.25],[0.0,2.0]]},
               "texts":["hello","world"],"response_type":"embeddings_by_type",
               "meta":{"api_version":{"version":"2"},
                       "billed_units":{"input_tokens":2}}})"));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  ASSERT_EQ(outcome.reply.embeddings.size(), 2u);
  EXPECT_EQ(outcome.reply.embeddings[0], (std::vector<float>{0.5f, -1.25f}));
  EXPECT_EQ(outcome.reply.usage.input_tokens, 2);
  EXPECT_EQ(outcome.reply.usage.output_tokens, 0);
  ProviderOutcome short_reply = CohereCodec().ParseEmbedReply(
      Response(200, R"({"embeddings":{"float":[[1.0]]},"texts":["a","b"]})"));
  ASSERT_FALSE(short_reply.ok());
  EXPECT_EQ(short_reply.error->error_class, ErrorClass::kTransient);
}

TEST(CohereCatalogTest, EveryModelHasFeatures) {
  bool saw_embed = false, saw_vision = false;
  for (const ProviderSpec& spec : CoherePresets()) {
    for (const ModelSpec& model : spec.models) {
      EXPECT_FALSE(model.features.empty()) << model.name;
      for (const std::string& f : model.features) {
        saw_embed |= f == "embeddings";
        saw_vision |= f == "vision";
      }
    }
  }
  EXPECT_TRUE(saw_embed);
  EXPECT_TRUE(saw_vision);
}

}  // namespace
}  // namespace llmgw
