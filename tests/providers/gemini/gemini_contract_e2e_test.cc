// The rich contract (issue #13) through the real gateway (gRPC stubs, event
// loop, HTTP client) in front of the fake Gemini API: a full tool round trip,
// streamed tool calls, JSON-schema output, images, cached-token billing,
// blocks and the refusals of what the Gemini API cannot express
// (embeddings: gemini_embed_e2e_test.cc). What the fake received is asserted
// against the Gemini API reference (providers/gemini/README.md).
#include <grpcpp/grpcpp.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::Usage;
using nlohmann::json;

constexpr char kKey[] = "AIzaSyFakeGeminiKey-0123456789abcdefghi";
constexpr char kModel[] = "gemini-2.5-flash";
constexpr char kWeatherSchema[] =
    R"({"type":"object","properties":{"city":{"type":"string"}},)"
    R"("required":["city"],"additionalProperties":false})";

std::map<std::string, std::string> GeminiEnv() {
  return {{"GEMINI_API_KEY", kKey},
          {"GEMINI_API_BASE", GatewayHarness::FakeBaseUrl("gemini")}};
}

pb::GenerateRequest WeatherRequest() {
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("weather in Paris?", kModel);
  pb::Tool* tool = request.add_tools();
  tool->set_name("get_weather");
  tool->set_description("Current weather");
  tool->set_parameters_json_schema(kWeatherSchema);
  request.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_AUTO);
  return request;
}

json SentBody(GatewayHarness& h) {
  auto sent = h.upstream().LastRequest();
  return sent.has_value() ? sent->JsonBody() : json();
}

const json kDeclarations = json::parse(R"([{"functionDeclarations": [
  {"name": "get_weather", "description": "Current weather",
   "parameters": {"type": "OBJECT",
                  "properties": {"city": {"type": "STRING"}},
                  "required": ["city"]}}]}])");

TEST(GeminiContractE2eTest, ToolRoundTrip) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::Ok().WithToolCalls(
      {{"", "get_weather", R"({"city":"Paris"})"}}));
  pb::GenerateRequest first = WeatherRequest();
  pb::GenerateResponse call;
  grpc::Status status = h.Generate(first, &call);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(call.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(call.tool_calls_size(), 1);
  EXPECT_EQ(call.tool_calls(0).id(), "call_0");
  EXPECT_EQ(call.tool_calls(0).name(), "get_weather");
  EXPECT_EQ(json::parse(call.tool_calls(0).arguments_json()),
            json({{"city", "Paris"}}));
  json sent = SentBody(h);
  EXPECT_EQ(sent["tools"], kDeclarations) << sent.dump(2);
  EXPECT_EQ(sent["toolConfig"],
            json::parse(R"({"functionCallingConfig": {"mode": "AUTO"}})"));

  pb::GenerateRequest second = WeatherRequest();
  pb::ChatMessage* assistant = second.add_messages();
  assistant->set_role(pb::ROLE_ASSISTANT);
  *assistant->add_tool_calls() = call.tool_calls(0);
  pb::ChatMessage* result = second.add_messages();
  result->set_role(pb::ROLE_TOOL);
  result->set_tool_call_id("call_0");
  result->set_tool_name("get_weather");
  result->set_content(R"({"temp_c":21})");
  pb::GenerateResponse answer;
  status = h.Generate(second, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.finish_reason(), pb::FINISH_REASON_STOP);
  EXPECT_EQ(answer.text(), R"(Echo: {"temp_c":21})");
  EXPECT_EQ(answer.tool_calls_size(), 0);
  const json expected_contents = json::parse(R"([
    {"role": "user", "parts": [{"text": "weather in Paris?"}]},
    {"role": "model", "parts": [
      {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
    {"role": "user", "parts": [
      {"functionResponse": {"name": "get_weather",
                            "response": {"temp_c": 21}}}]}])");
  EXPECT_EQ(SentBody(h)["contents"], expected_contents) << SentBody(h).dump(2);
  EXPECT_EQ(h.upstream().RequestCount(), 2);
}

TEST(GeminiContractE2eTest, StreamedToolCalls) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::Ok().WithToolCalls(
      {{"", "get_weather", R"({"city":"Paris"})"},
       {"", "get_weather", R"({"city":"Rome"})"}}));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto reader = h.stub().GenerateStream(&context, WeatherRequest());
  pb::GenerateStreamEvent event;
  std::vector<pb::ToolCallDelta> deltas;
  pb::StreamSummary summary;
  while (reader->Read(&event)) {
    if (event.has_tool_call_delta()) deltas.push_back(event.tool_call_delta());
    if (event.has_summary()) summary = event.summary();
  }
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(deltas.size(), 2u);
  EXPECT_EQ(deltas[0].index(), 0);
  EXPECT_EQ(deltas[0].id(), "call_0");
  EXPECT_EQ(deltas[0].name(), "get_weather");
  EXPECT_EQ(json::parse(deltas[0].arguments_json_delta()),
            json({{"city", "Paris"}}));
  EXPECT_EQ(deltas[1].index(), 1);
  EXPECT_EQ(deltas[1].id(), "call_1");
  EXPECT_EQ(summary.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(summary.tool_calls_size(), 2);
  EXPECT_EQ(summary.tool_calls(1).id(), "call_1");
  EXPECT_EQ(json::parse(summary.tool_calls(1).arguments_json()),
            json({{"city", "Rome"}}));
  auto sent = h.upstream().LastRequest();
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->path,
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent");
  EXPECT_EQ(sent->JsonBody()["tools"], kDeclarations);
}

TEST(GeminiContractE2eTest, JsonSchemaOutput) {
  GatewayHarness h(GeminiEnv());
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("a recipe please", kModel);
  pb::ResponseFormat* format = request.mutable_response_format();
  format->set_type(pb::ResponseFormat::TYPE_JSON_SCHEMA);
  format->set_schema_name("recipe");
  format->set_strict(true);
  format->set_json_schema(
      R"({"type":"object","properties":{"name":{"type":"string"},)"
      R"("steps":{"type":"array","items":{"type":"string"}}},)"
      R"("required":["name"],"additionalProperties":false})");
  request.set_seed(7);
  request.set_presence_penalty(0.5);
  request.set_frequency_penalty(0.25);
  grpc::Status status = h.Generate(request);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const json expected = json::parse(R"({
    "seed": 7, "presencePenalty": 0.5, "frequencyPenalty": 0.25,
    "responseMimeType": "application/json",
    "responseSchema": {"type": "OBJECT", "properties": {
      "name": {"type": "STRING"},
      "steps": {"type": "ARRAY", "items": {"type": "STRING"}}},
      "required": ["name"]}})");
  EXPECT_EQ(SentBody(h)["generationConfig"], expected) << SentBody(h).dump(2);
}

TEST(GeminiContractE2eTest, ImagesByUrlAndInlineBytes) {
  GatewayHarness h(GeminiEnv());
  pb::GenerateRequest request;
  request.set_model(kModel);
  pb::ChatMessage* user = request.add_messages();
  user->set_role(pb::ROLE_USER);
  user->add_parts()->set_text("what is in these?");
  pb::ImagePart* url = user->add_parts()->mutable_image();
  url->set_url("https://example.com/cat.png");
  pb::ImagePart* bytes = user->add_parts()->mutable_image();
  bytes->set_data(std::string("\xff\xd8\xff\xe0", 4));
  bytes->set_mime_type("image/jpeg");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: what is in these?");
  const json expected = json::parse(R"([{"role": "user", "parts": [
    {"text": "what is in these?"},
    {"fileData": {"mimeType": "image/png",
                  "fileUri": "https://example.com/cat.png"}},
    {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4A=="}}]}])");
  EXPECT_EQ(SentBody(h)["contents"], expected) << SentBody(h).dump(2);
}

// gemini-2.5-flash: $0.30 input, $0.03 cached input, $2.50 output (thinking
// included) per million tokens.
constexpr int64_t kCachedCost = 200 * 300 + 800 * 30 + 200 * 2'500;

Usage CachedUsage() {
  Usage usage;
  usage.prompt_tokens = 1000;
  usage.completion_tokens = 200;
  usage.cached_tokens = 800;
  usage.reasoning_tokens = 50;
  return usage;
}

TEST(GeminiContractE2eTest, CachedTokensBilledAtTheCachedPrice) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::Ok().WithUsage(CachedUsage()));
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(GatewayHarness::UserRequest("hello", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.usage().input_tokens(), 1000);
  EXPECT_EQ(response.usage().cached_input_tokens(), 800);
  EXPECT_EQ(response.usage().output_tokens(), 200);
  EXPECT_EQ(response.usage().reasoning_tokens(), 50);
  EXPECT_EQ(response.cost_nano_usd(), kCachedCost);

  // Streamed: the detail arrives only with the last chunk.
  h.upstream().Enqueue(Behavior::Ok().WithUsage(CachedUsage()));
  GatewayHarness::StreamResult stream =
      h.Stream(GatewayHarness::UserRequest("hello", kModel));
  ASSERT_TRUE(stream.status.ok()) << stream.status.error_message();
  ASSERT_TRUE(stream.has_summary);
  EXPECT_EQ(stream.summary.usage().cached_input_tokens(), 800);
  EXPECT_EQ(stream.summary.usage().reasoning_tokens(), 50);
  EXPECT_EQ(stream.summary.cost_nano_usd(), kCachedCost);
  EXPECT_EQ(h.SettledBudget().spent_nano_usd(), 2 * kCachedCost);
}

TEST(GeminiContractE2eTest, BlockedPromptCarriesTheBlockReason) {
  GatewayHarness h(GeminiEnv());
  h.upstream().Enqueue(Behavior::Ok().WithBlockReason("PROHIBITED_CONTENT"));
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(
      GatewayHarness::UserRequest("something bad", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(response.block_reason(), "PROHIBITED_CONTENT");
  EXPECT_EQ(response.text(), "");

  h.upstream().Enqueue(Behavior::Ok().WithBlockReason("SAFETY"));
  GatewayHarness::StreamResult stream =
      h.Stream(GatewayHarness::UserRequest("something bad", kModel));
  ASSERT_TRUE(stream.status.ok()) << stream.status.error_message();
  EXPECT_EQ(stream.summary.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(stream.summary.block_reason(), "SAFETY");
}

TEST(GeminiContractE2eTest, RefusesWhatTheGeminiApiCannotExpress) {
  GatewayHarness h(GeminiEnv());
  pb::GenerateRequest parallel = WeatherRequest();
  parallel.set_parallel_tool_calls(false);
  pb::GenerateRequest gif = GatewayHarness::UserRequest("look", kModel);
  pb::ImagePart* image = gif.mutable_messages(0)->add_parts()->mutable_image();
  gif.mutable_messages(0)->clear_content();
  gif.mutable_messages(0)->add_parts()->set_text("look");
  image->set_data("GIF89a");
  image->set_mime_type("image/gif");
  pb::GenerateRequest one_of = WeatherRequest();
  one_of.mutable_tools(0)->set_parameters_json_schema(
      R"({"type":"object","properties":{"v":{"oneOf":[{"type":"string"}]}}})");
  for (const auto& [request, feature] :
       std::vector<std::pair<pb::GenerateRequest, std::string>>{
           {parallel, "parallel_tool_calls"},
           {gif, "image/gif"},
           {one_of, "oneOf"}}) {
    grpc::Status status = h.Generate(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << feature << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), feature))
        << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), "Gemini API"))
        << status.error_message();
  }
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

}  // namespace
}  // namespace llmgw::testing
