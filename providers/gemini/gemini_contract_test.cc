// The rich contract of the Gemini codec (issue #13) on payloads shaped like
// the Gemini API reference's examples (ai.google.dev/api/generate-content,
// ai.google.dev/gemini-api/docs/function-calling, .../structured-output,
// ai.google.dev/api/embeddings).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/gemini/gemini_codec.h"
#include "registry/provider.h"

namespace llmgw {
namespace {

using nlohmann::json;

constexpr char kBase[] = "https://generativelanguage.googleapis.com/v1beta";
constexpr char kKey[] = "AIzaSyTEST-not-a-real-key";

Message Text(MessageRole role, std::string text) {
  Message m;
  m.role = role;
  m.content = std::move(text);
  return m;
}

ProviderRequest Base() {
  ProviderRequest request;
  request.model = "gemini-2.5-flash";
  request.messages = {Text(MessageRole::kUser, "What is the weather?")};
  return request;
}

absl::StatusOr<json> Body(const ProviderRequest& request, bool stream = false) {
  GeminiCodec codec;
  auto built = codec.BuildRequest(request, kBase, kKey, stream);
  if (!built.ok()) return built.status();
  return json::parse(built->body);
}

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

ContentPart ImagePart(std::string url, std::string data, std::string mime,
                      std::string detail = "") {
  ContentPart part;
  part.kind = ContentPart::Kind::kImage;
  part.image.url = std::move(url);
  part.image.data = std::move(data);
  part.image.mime_type = std::move(mime);
  part.image.detail = std::move(detail);
  return part;
}

// ---------------------------------------------------------------- requests

TEST(GeminiToolsRequestTest, FullRoundTripTurnMapsToFunctionCallAndResponse) {
  ProviderRequest request = Base();
  ToolDefinition weather;
  weather.name = "get_weather";
  weather.description = "Current weather of a city";
  weather.parameters_json_schema = R"({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
      "city": {"type": "string", "description": "City name"},
      "unit": {"type": ["string", "null"], "enum": ["c", "f"]},
      "days": {"type": "integer", "format": "int32", "minimum": 1},
      "when": {"type": "string", "format": "uri"}
    },
    "required": ["city"],
    "additionalProperties": false})";
  ToolDefinition now;
  now.name = "now";
  now.parameters_json_schema = R"({"type":"object","properties":{}})";
  request.tools = {weather, now};
  request.tool_choice.mode = ToolChoice::Mode::kNamed;
  request.tool_choice.name = "get_weather";
  request.end_user_id = "user-42";

  Message call;
  call.role = MessageRole::kAssistant;
  call.tool_calls = {{"call_0", "get_weather", R"({"city":"Paris"})"},
                     {"call_1", "now", "{}"}};
  Message result1;
  result1.role = MessageRole::kTool;
  result1.tool_call_id = "call_0";
  result1.tool_name = "get_weather";
  result1.content = R"({"temp_c": 21})";
  Message result2 = result1;
  result2.tool_call_id = "call_1";
  result2.tool_name = "now";
  result2.content = "12:00";
  request.messages.push_back(call);
  request.messages.push_back(result1);
  request.messages.push_back(result2);

  absl::StatusOr<json> body = Body(request);
  ASSERT_TRUE(body.ok()) << body.status();
  const json expected = json::parse(R"({
    "contents": [
      {"role": "user", "parts": [{"text": "What is the weather?"}]},
      {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
        {"functionCall": {"name": "now", "args": {}}}]},
      {"role": "user", "parts": [
        {"functionResponse": {"name": "get_weather",
                              "response": {"temp_c": 21}}},
        {"functionResponse": {"name": "now",
                              "response": {"output": "12:00"}}}]}],
    "tools": [{"functionDeclarations": [
      {"name": "get_weather", "description": "Current weather of a city",
       "parameters": {
         "type": "OBJECT",
         "properties": {
           "city": {"type": "STRING", "description": "City name"},
           "unit": {"type": "STRING", "nullable": true, "enum": ["c", "f"]},
           "days": {"type": "INTEGER", "format": "int32", "minimum": 1},
           "when": {"type": "STRING"}},
         "required": ["city"]}},
      {"name": "now"}]}],
    "toolConfig": {"functionCallingConfig": {
      "mode": "ANY", "allowedFunctionNames": ["get_weather"]}}
  })");
  EXPECT_EQ(*body, expected) << body->dump(2);
  // No end-user field exists in the API: nothing of it goes on the wire.
  EXPECT_EQ(body->dump().find("user-42"), std::string::npos);
}

TEST(GeminiToolsRequestTest, ToolChoiceModes) {
  ProviderRequest request = Base();
  request.tools = {{"f", "", ""}};
  for (auto [mode, wire] :
       std::vector<std::pair<ToolChoice::Mode, std::string>>{
           {ToolChoice::Mode::kAuto, "AUTO"},
           {ToolChoice::Mode::kNone, "NONE"},
           {ToolChoice::Mode::kRequired, "ANY"}}) {
    request.tool_choice.mode = mode;
    absl::StatusOr<json> body = Body(request);
    ASSERT_TRUE(body.ok()) << body.status();
    EXPECT_EQ((*body)["toolConfig"],
              json({{"functionCallingConfig", {{"mode", wire}}}}));
    EXPECT_EQ((*body)["tools"][0]["functionDeclarations"][0],
              json({{"name", "f"}}));
  }
  request.tool_choice.mode = ToolChoice::Mode::kUnspecified;
  absl::StatusOr<json> body = Body(request);
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(body->contains("toolConfig"));
  request.parallel_tool_calls = true;  // the API's behaviour anyway
  EXPECT_TRUE(Body(request).ok());
}

TEST(GeminiToolsRequestTest, RefusesWhatTheApiCannotExpress) {
  ProviderRequest request = Base();
  request.tools = {{"f", "", ""}};
  request.parallel_tool_calls = false;
  absl::StatusOr<json> body = Body(request);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StrContains(body.status().message(), "parallel_tool_calls"));
  EXPECT_TRUE(absl::StrContains(body.status().message(), "Gemini API"));

  struct Case {
    const char* schema;
    const char* keyword;
  };
  for (
      const Case& c : {
          Case{
              R"({"type":"object","properties":{"a":{"oneOf":[{"type":"string"}]}}})",
              "oneOf"},
          Case{R"({"type":"object","properties":{"a":{"$ref":"#/x"}}})",
               "$ref"},
          Case{
              R"({"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"string"}}}})",
              "additionalProperties"},
          Case{R"({"type":"object","properties":{"o":{"type":"object"}}})",
               "without properties"},
          Case{
              R"({"type":"object","properties":{"n":{"type":"integer","enum":[1,2]}}})",
              "non-string enum"},
          Case{
              R"({"type":"object","properties":{"u":{"type":["string","integer"]}}})",
              "union"},
          Case{R"({"type":"object","properties":{"x":{"description":"any"}}})",
               "without \"type\""},
      }) {
    ProviderRequest r = Base();
    r.tools = {{"t", "", c.schema}};
    absl::StatusOr<json> refused = Body(r);
    ASSERT_FALSE(refused.ok()) << c.schema;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(refused.status().message(), c.keyword))
        << refused.status().message();
    EXPECT_TRUE(absl::StrContains(refused.status().message(), "Gemini API"));
  }
}

TEST(GeminiSchemaTest, MapsDropsAndInfers) {
  ProviderRequest request = Base();
  request.response_format.type = ResponseFormat::Type::kJsonSchema;
  request.response_format.schema_name = "s";
  request.response_format.json_schema = R"({
    "$id": "x", "title": "T",
    "properties": {
      "kind": {"const": "a", "$comment": "c"},
      "tags": {"items": {"type": "string", "format": "email"},
               "minItems": 1, "examples": [["x"]]},
      "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
      "u": {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
      "at": {"type": "string", "format": "date-time", "deprecated": true}},
    "propertyOrdering": ["kind", "tags", "n", "at"]})";
  absl::StatusOr<json> body = Body(request);
  ASSERT_TRUE(body.ok()) << body.status();
  const json expected = json::parse(R"({
    "type": "OBJECT", "title": "T",
    "properties": {
      "kind": {"type": "STRING", "enum": ["a"]},
      "tags": {"type": "ARRAY", "items": {"type": "STRING"}, "minItems": 1,
               "example": ["x"]},
      "n": {"type": "INTEGER", "nullable": true},
      "u": {"nullable": true,
            "anyOf": [{"type": "INTEGER"}, {"type": "STRING"}]},
      "at": {"type": "STRING", "format": "date-time"}},
    "propertyOrdering": ["kind", "tags", "n", "at"]})");
  EXPECT_EQ((*body)["generationConfig"]["responseSchema"], expected)
      << body->dump(2);
}

TEST(GeminiContentRequestTest, ImagesInlineUrlAndDataUrl) {
  ProviderRequest request = Base();
  Message user;
  user.role = MessageRole::kUser;
  user.parts = {{ContentPart::Kind::kText, "Describe", {}},
                ImagePart("", std::string("\x89PNG\r\n", 6), "image/png"),
                ImagePart("https://example.com/cat.JPG?x=1", "", ""),
                ImagePart("https://example.com/pic", "", "image/webp", "high"),
                ImagePart("data:image/jpeg;base64,/9j/4AAQ", "", "")};
  request.messages = {user};
  absl::StatusOr<json> body = Body(request);
  ASSERT_TRUE(body.ok()) << body.status();
  const json expected_parts = json::parse(R"([
    {"text": "Describe"},
    {"inlineData": {"mimeType": "image/png", "data": "iVBORw0K"}},
    {"fileData": {"mimeType": "image/jpeg",
                  "fileUri": "https://example.com/cat.JPG?x=1"}},
    {"fileData": {"mimeType": "image/webp", "fileUri": "https://example.com/pic"}},
    {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4AAQ"}}])");
  EXPECT_EQ((*body)["contents"][0]["parts"], expected_parts) << body->dump(2);
  EXPECT_EQ((*body)["generationConfig"]["mediaResolution"],
            "MEDIA_RESOLUTION_HIGH");
}

TEST(GeminiContentRequestTest, RefusesImagesTheApiRejects) {
  for (const ContentPart& part :
       {ImagePart("", "GIF89a", "image/gif"),
        ImagePart("https://example.com/anim.gif", "", ""),
        ImagePart("https://example.com/no-extension", "", ""),
        ImagePart("data:image/png,rawbytes", "", "")}) {
    ProviderRequest request = Base();
    Message user;
    user.role = MessageRole::kUser;
    user.parts = {part};
    request.messages = {user};
    absl::StatusOr<json> body = Body(request);
    ASSERT_FALSE(body.ok()) << part.image.url;
    EXPECT_EQ(body.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(body.status().message(), "Gemini API"))
        << body.status().message();
  }
  ProviderRequest request = Base();
  Message user;
  user.role = MessageRole::kUser;
  user.parts = {ImagePart("https://a/x.png", "", "", "low"),
                ImagePart("https://a/y.png", "", "", "high")};
  request.messages = {user};
  EXPECT_FALSE(Body(request).ok());
}

TEST(GeminiConfigRequestTest, JsonSchemaSeedAndPenalties) {
  ProviderRequest request = Base();
  request.response_format.type = ResponseFormat::Type::kJsonSchema;
  request.response_format.schema_name = "recipe";
  request.response_format.strict = true;
  request.response_format.json_schema = R"({
    "type": "array",
    "items": {"type": "object",
              "properties": {"name": {"type": "string"},
                             "minutes": {"type": "number"}},
              "required": ["name"], "additionalProperties": false}})";
  request.seed = 42;
  request.presence_penalty = 0.5f;
  request.frequency_penalty = -0.25f;
  absl::StatusOr<json> body = Body(request);
  ASSERT_TRUE(body.ok()) << body.status();
  const json expected = json::parse(R"({
    "seed": 42, "presencePenalty": 0.5, "frequencyPenalty": -0.25,
    "responseMimeType": "application/json",
    "responseSchema": {"type": "ARRAY", "items": {
      "type": "OBJECT",
      "properties": {"name": {"type": "STRING"},
                     "minutes": {"type": "NUMBER"}},
      "required": ["name"]}}})");
  EXPECT_EQ((*body)["generationConfig"], expected) << body->dump(2);

  request.response_format = {};
  request.response_format.type = ResponseFormat::Type::kJsonObject;
  request.seed = int64_t{1} << 40;
  EXPECT_FALSE(Body(request).ok());
  request.seed.reset();
  body = Body(request);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["generationConfig"]["responseMimeType"],
            "application/json");
  EXPECT_FALSE((*body)["generationConfig"].contains("responseSchema"));
}

// ----------------------------------------------------------------- replies

constexpr char kFunctionCallReply[] = R"({
  "candidates": [{
    "content": {"role": "model", "parts": [
      {"text": "Let me check."},
      {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
      {"functionCall": {"name": "now"}}]},
    "finishReason": "STOP", "index": 0}],
  "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 20,
                    "cachedContentTokenCount": 100, "thoughtsTokenCount": 30,
                    "totalTokenCount": 170},
  "modelVersion": "gemini-2.5-flash"})";

TEST(GeminiToolsReplyTest, FunctionCallsBecomeToolCallsWithStableIds) {
  GeminiCodec codec;
  ProviderOutcome outcome = codec.ParseReply(Ok(kFunctionCallReply));
  ASSERT_TRUE(outcome.ok()) << outcome.error->message;
  const ProviderReply& reply = outcome.reply;
  EXPECT_EQ(reply.text, "Let me check.");
  EXPECT_EQ(reply.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(reply.tool_calls.size(), 2u);
  EXPECT_EQ(reply.tool_calls[0].id, "call_0");
  EXPECT_EQ(reply.tool_calls[0].name, "get_weather");
  EXPECT_EQ(json::parse(reply.tool_calls[0].arguments_json),
            json({{"city", "Paris"}}));
  EXPECT_EQ(reply.tool_calls[1].id, "call_1");
  EXPECT_EQ(reply.tool_calls[1].arguments_json, "{}");
  // input includes the cached tokens; output includes the thoughts.
  EXPECT_TRUE(reply.usage.reported);
  EXPECT_EQ(reply.usage.input_tokens, 120);
  EXPECT_EQ(reply.usage.cached_input_tokens, 100);
  EXPECT_EQ(reply.usage.output_tokens, 50);
  EXPECT_EQ(reply.usage.reasoning_tokens, 30);
  EXPECT_EQ(reply.block_reason, "");
}

TEST(GeminiBlockReplyTest, PromptBlockAndFilteredCandidateSetBlockReason) {
  GeminiCodec codec;
  ProviderOutcome blocked = codec.ParseReply(Ok(R"({
    "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
    "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7}})"));
  ASSERT_TRUE(blocked.ok());
  EXPECT_EQ(blocked.reply.finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(blocked.reply.block_reason, "PROHIBITED_CONTENT");
  EXPECT_EQ(blocked.reply.usage.input_tokens, 7);

  for (const char* reason :
       {"SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"}) {
    ProviderOutcome filtered = codec.ParseReply(Ok(absl::StrCat(
        R"({"candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]},
            "finishReason": ")",
        reason, R"("}]})")));
    ASSERT_TRUE(filtered.ok());
    EXPECT_EQ(filtered.reply.finish_reason, FinishReason::kContentFilter);
    EXPECT_EQ(filtered.reply.block_reason, reason);
  }
}

// ----------------------------------------------------------------- streams

TEST(GeminiToolsStreamTest, WholeFunctionCallsBecomeDeltasAndUsageLands) {
  GeminiCodec codec;
  auto decoder = codec.NewStreamDecoder();
  StreamUpdate first = decoder->OnEvent(Data(R"({"candidates": [{"content":
      {"role": "model", "parts": [{"text": "Checking"}]}, "index": 0}],
      "usageMetadata": {"promptTokenCount": 120, "totalTokenCount": 120},
      "modelVersion": "gemini-2.5-flash"})"));
  EXPECT_EQ(first.delta, "Checking");
  EXPECT_TRUE(first.tool_call_deltas.empty());
  StreamUpdate second = decoder->OnEvent(Data(R"({"candidates": [{"content":
      {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
      "index": 0}]})"));
  ASSERT_EQ(second.tool_call_deltas.size(), 1u);
  EXPECT_EQ(second.tool_call_deltas[0].index, 0);
  EXPECT_EQ(second.tool_call_deltas[0].id, "call_0");
  EXPECT_EQ(second.tool_call_deltas[0].name, "get_weather");
  EXPECT_EQ(json::parse(second.tool_call_deltas[0].arguments_json_delta),
            json({{"city", "Paris"}}));
  EXPECT_FALSE(second.done);
  StreamUpdate last = decoder->OnEvent(Data(R"({"candidates": [{"content":
      {"role": "model", "parts": [
        {"functionCall": {"name": "now", "args": {}}}]},
      "finishReason": "STOP", "index": 0}],
      "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 20,
                        "cachedContentTokenCount": 100,
                        "thoughtsTokenCount": 30, "totalTokenCount": 170}})"));
  ASSERT_EQ(last.tool_call_deltas.size(), 1u);
  EXPECT_EQ(last.tool_call_deltas[0].index, 1);
  EXPECT_EQ(last.tool_call_deltas[0].id, "call_1");
  EXPECT_TRUE(last.done);

  const ProviderReply& summary = decoder->Summary();
  EXPECT_EQ(summary.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(summary.tool_calls.size(), 2u);
  EXPECT_EQ(summary.tool_calls[0].id, "call_0");
  EXPECT_EQ(summary.tool_calls[1].name, "now");
  EXPECT_EQ(summary.usage.input_tokens, 120);
  EXPECT_EQ(summary.usage.cached_input_tokens, 100);
  EXPECT_EQ(summary.usage.output_tokens, 50);
  EXPECT_EQ(summary.usage.reasoning_tokens, 30);

  // The same ids as the unary reply of the same turn.
  ProviderOutcome unary = codec.ParseReply(Ok(kFunctionCallReply));
  EXPECT_EQ(unary.reply.tool_calls[1].id, summary.tool_calls[1].id);
}

TEST(GeminiToolsStreamTest, BoundsCallsAndArguments) {
  GeminiCodec codec;
  auto decoder = codec.NewStreamDecoder();
  json parts = json::array();
  for (int i = 0; i < 129; ++i) {
    parts.push_back(
        {{"functionCall", {{"name", "f"}, {"args", json::object()}}}});
  }
  json chunk = {
      {"candidates",
       json::array({{{"content", {{"role", "model"}, {"parts", parts}}}}})}};
  StreamUpdate update = decoder->OnEvent(Data(chunk.dump()));
  ASSERT_TRUE(update.error.has_value());
  EXPECT_EQ(update.error->error_class, ErrorClass::kTransient);
  EXPECT_TRUE(absl::StrContains(update.error->message, "malformed"));
  EXPECT_EQ(update.tool_call_deltas.size(), 128u);

  auto big = codec.NewStreamDecoder();
  json args = {{"blob", std::string((1 << 20) + 1, 'a')}};
  json one = {
      {"candidates",
       json::array({{{"content",
                      {{"role", "model"},
                       {"parts", json::array({{{"functionCall",
                                                {{"name", "f"},
                                                 {"args", args}}}}})}}}}})}};
  StreamUpdate too_big = big->OnEvent(Data(one.dump()));
  ASSERT_TRUE(too_big.error.has_value());
  EXPECT_EQ(too_big.error->error_class, ErrorClass::kTransient);
}

TEST(GeminiBlockStreamTest, PromptBlockEndsTheStreamWithBlockReason) {
  GeminiCodec codec;
  auto decoder = codec.NewStreamDecoder();
  StreamUpdate update = decoder->OnEvent(Data(R"({
    "promptFeedback": {"blockReason": "SAFETY"},
    "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5}})"));
  EXPECT_TRUE(update.done);
  EXPECT_EQ(decoder->Summary().finish_reason, FinishReason::kContentFilter);
  EXPECT_EQ(decoder->Summary().block_reason, "SAFETY");
  EXPECT_EQ(decoder->Summary().usage.input_tokens, 5);
}

// -------------------------------------------------------------- embeddings

TEST(GeminiEmbedTest, BuildsBatchEmbedContents) {
  GeminiCodec codec;
  ProviderRequest request;
  request.operation = Operation::kEmbed;
  request.model = "gemini-embedding-001";
  request.embed.inputs = {"first text", "second"};
  request.embed.dimensions = 768;
  request.embed.input_type = EmbedInputType::kSearchQuery;
  auto built = codec.BuildEmbedRequest(request, kBase, kKey);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->url, absl::StrCat(kBase,
                                     "/models/gemini-embedding-001:"
                                     "batchEmbedContents"));
  const json expected = json::parse(R"({"requests": [
    {"model": "models/gemini-embedding-001",
     "content": {"parts": [{"text": "first text"}]},
     "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 768},
    {"model": "models/gemini-embedding-001",
     "content": {"parts": [{"text": "second"}]},
     "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 768}]})");
  EXPECT_EQ(json::parse(built->body), expected);
  bool has_key = false;
  for (const auto& [name, value] : built->headers) {
    if (name == "x-goog-api-key") has_key = value == kKey;
  }
  EXPECT_TRUE(has_key);

  for (auto [type, wire] : std::vector<std::pair<EmbedInputType, std::string>>{
           {EmbedInputType::kSearchDocument, "RETRIEVAL_DOCUMENT"},
           {EmbedInputType::kClassification, "CLASSIFICATION"},
           {EmbedInputType::kClustering, "CLUSTERING"}}) {
    request.embed.input_type = type;
    built = codec.BuildEmbedRequest(request, kBase, kKey);
    ASSERT_TRUE(built.ok());
    EXPECT_EQ(json::parse(built->body)["requests"][1]["taskType"], wire);
  }
  request.embed.input_type = EmbedInputType::kUnspecified;
  request.embed.dimensions = 0;
  built = codec.BuildEmbedRequest(request, kBase, kKey);
  ASSERT_TRUE(built.ok());
  EXPECT_FALSE(json::parse(built->body)["requests"][0].contains("taskType"));
  EXPECT_FALSE(
      json::parse(built->body)["requests"][0].contains("outputDimensionality"));

  request.embed.inputs.assign(101, "x");
  built = codec.BuildEmbedRequest(request, kBase, kKey);
  ASSERT_FALSE(built.ok());
  EXPECT_TRUE(absl::StrContains(built.status().message(), "at most 100"));
}

TEST(GeminiEmbedTest, ParsesVectorsWithoutUsage) {
  GeminiCodec codec;
  ProviderOutcome outcome = codec.ParseEmbedReply(Ok(R"({"embeddings": [
    {"values": [0.25, -0.5, 1]}, {"values": [0, 0.125, -1]}]})"));
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome.reply.embeddings.size(), 2u);
  EXPECT_EQ(outcome.reply.embeddings[0], (std::vector<float>{0.25f, -0.5f, 1}));
  EXPECT_EQ(outcome.reply.embeddings[1], (std::vector<float>{0, 0.125f, -1}));
  EXPECT_FALSE(outcome.reply.usage.reported);

  ProviderOutcome bad =
      codec.ParseEmbedReply(Ok(R"({"embeddings": [{"values": ["x"]}]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error->error_class, ErrorClass::kTransient);
  ProviderOutcome error = codec.ParseEmbedReply(Ok(R"({"error": {"code": 429,
      "message": "quota", "status": "RESOURCE_EXHAUSTED"}})"));
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error->error_class, ErrorClass::kRateLimited);
}

}  // namespace
}  // namespace llmgw
