// The rich contract (issue #13) end to end through the real gateway and the
// fake Cohere v2 upstream: a tool round trip, streamed tool calls, JSON-schema
// output, images (URL and inline bytes), cached-token billing (unary and
// streamed) and the features Cohere v2 cannot express. Each test asserts
// what the fake received.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeToolCall;
using nlohmann::json;

constexpr char kKey[] = "co-test-key-0123456789";
constexpr char kModel[] = "command-r-08-2024";
constexpr char kVisionModel[] = "command-a-vision-07-2025";
constexpr char kArgs[] = R"({"location":"Toronto","unit":"celsius"})";

std::map<std::string, std::string> CohereEnv() {
  return {{"COHERE_API_KEY", kKey},
          {"COHERE_API_BASE", GatewayHarness::FakeBaseUrl("cohere")}};
}

pb::GenerateRequest WeatherRequest() {
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("Weather in Toronto?", kModel);
  pb::Tool* tool = request.add_tools();
  tool->set_name("get_weather");
  tool->set_description("gets the weather of a given location");
  tool->set_parameters_json_schema(
      R"({"type":"object","properties":{"location":{"type":"string"},)"
      R"("unit":{"type":"string"}},"required":["location"]})");
  return request;
}

json LastBody(GatewayHarness& h) {
  std::optional<fake_upstream::RecordedRequest> last =
      h.upstream().LastRequest();
  EXPECT_TRUE(last.has_value());
  return last.has_value() ? last->JsonBody() : json();
}

TEST(CohereContractTest, ToolRoundTrip) {
  GatewayHarness h(CohereEnv());
  h.upstream().Enqueue(Behavior::Text("I will look up the weather.")
                           .WithToolCalls({{"call_w1", "get_weather", kArgs}}));
  pb::GenerateRequest request = WeatherRequest();
  request.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_REQUIRED);
  pb::GenerateResponse first;
  grpc::Status status = h.Generate(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(first.text(), "");  // the tool_plan is not answer text
  ASSERT_EQ(first.tool_calls_size(), 1);
  EXPECT_EQ(first.tool_calls(0).id(), "call_w1");
  EXPECT_EQ(first.tool_calls(0).name(), "get_weather");
  EXPECT_EQ(json::parse(first.tool_calls(0).arguments_json()),
            json::parse(kArgs));
  json sent = LastBody(h);
  EXPECT_EQ(sent["tool_choice"], "REQUIRED");
  EXPECT_EQ(sent["tools"], json::parse(R"([{"type":"function","function":{
      "name":"get_weather","description":"gets the weather of a given location",
      "parameters":{"type":"object","properties":{"location":{"type":"string"},
      "unit":{"type":"string"}},"required":["location"]}}}])"));

  // Second turn: the call and its result go back; the model answers.
  pb::ChatMessage* assistant = request.add_messages();
  assistant->set_role(pb::ROLE_ASSISTANT);
  *assistant->add_tool_calls() = first.tool_calls(0);
  pb::ChatMessage* result = request.add_messages();
  result->set_role(pb::ROLE_TOOL);
  result->set_tool_call_id("call_w1");
  result->set_tool_name("get_weather");
  result->set_content(R"({"temperature":"20C"})");
  request.clear_tool_choice();
  h.upstream().Enqueue(Behavior::Text("It is 20C in Toronto."));
  pb::GenerateResponse second;
  status = h.Generate(request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.text(), "It is 20C in Toronto.");
  EXPECT_EQ(second.finish_reason(), pb::FINISH_REASON_STOP);
  EXPECT_EQ(second.tool_calls_size(), 0);
  sent = LastBody(h);
  ASSERT_EQ(sent["messages"].size(), 3u);
  EXPECT_EQ(sent["messages"][1], json::parse(R"({"role":"assistant",
      "tool_calls":[{"id":"call_w1","type":"function","function":{
      "name":"get_weather",
      "arguments":"{\"location\":\"Toronto\",\"unit\":\"celsius\"}"}}]})"));
  EXPECT_EQ(sent["messages"][2], json::parse(R"({"role":"tool",
      "tool_call_id":"call_w1",
      "content":[{"type":"text","text":"{\"temperature\":\"20C\"}"}]})"));
  EXPECT_FALSE(sent.contains("tool_choice"));
}

// GenerateStream with every event kept (the harness keeps text only).
struct Streamed {
  std::vector<pb::ToolCallDelta> tool_deltas;
  std::string text;
  pb::StreamSummary summary;
  bool has_summary = false;
  grpc::Status status;
};

Streamed StreamAll(GatewayHarness& h, const pb::GenerateRequest& request) {
  Streamed out;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto reader = h.stub().GenerateStream(&context, request);
  pb::GenerateStreamEvent event;
  while (reader->Read(&event)) {
    if (event.has_tool_call_delta()) {
      out.tool_deltas.push_back(event.tool_call_delta());
    } else if (event.has_delta()) {
      out.text += event.delta().text();
    } else if (event.has_summary()) {
      out.summary = event.summary();
      out.has_summary = true;
    }
  }
  out.status = reader->Finish();
  return out;
}

TEST(CohereContractTest, StreamedToolCallsArriveAsDeltasAndAssembled) {
  GatewayHarness h(CohereEnv());
  h.upstream().Enqueue(Behavior::Text("Checking two things.")
                           .WithToolCalls({{"call_a", "get_weather", kArgs},
                                           {"call_b", "get_weather",
                                            R"({"location":"Oslo"})"}}));
  Streamed s = StreamAll(h, WeatherRequest());
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  ASSERT_TRUE(s.has_summary);
  EXPECT_EQ(s.text, "");
  // Each call: a first delta with id and name, then its argument pieces.
  ASSERT_GE(s.tool_deltas.size(), 4u);
  EXPECT_EQ(s.tool_deltas[0].index(), 0);
  EXPECT_EQ(s.tool_deltas[0].id(), "call_a");
  EXPECT_EQ(s.tool_deltas[0].name(), "get_weather");
  std::string args_a, args_b;
  int pieces_a = 0;
  for (const pb::ToolCallDelta& d : s.tool_deltas) {
    if (d.index() == 0 && !d.arguments_json_delta().empty()) ++pieces_a;
    (d.index() == 0 ? args_a : args_b) += d.arguments_json_delta();
  }
  EXPECT_GE(pieces_a, 2);
  EXPECT_EQ(args_a, kArgs);
  EXPECT_EQ(args_b, R"({"location":"Oslo"})");
  EXPECT_EQ(s.summary.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(s.summary.tool_calls_size(), 2);
  EXPECT_EQ(s.summary.tool_calls(1).id(), "call_b");
  EXPECT_EQ(s.summary.tool_calls(0).arguments_json(), kArgs);
  EXPECT_TRUE(LastBody(h)["stream"].get<bool>());
}

TEST(CohereContractTest, JsonSchemaOutputGoesAsResponseFormat) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("Generate a JSON person", kModel);
  pb::ResponseFormat* format = request.mutable_response_format();
  format->set_type(pb::ResponseFormat::TYPE_JSON_SCHEMA);
  format->set_schema_name("person");
  format->set_strict(true);
  format->set_json_schema(
      R"({"type":"object","properties":{"name":{"type":"string"}},)"
      R"("required":["name"]})");
  request.set_seed(42);
  request.set_presence_penalty(0.5);
  h.upstream().Enqueue(Behavior::Text(R"({"name":"Ada"})"));
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), R"({"name":"Ada"})");
  json sent = LastBody(h);
  EXPECT_EQ(sent["response_format"], json::parse(R"({"type":"json_object",
      "json_schema":{"type":"object","properties":{"name":{"type":"string"}},
      "required":["name"]}})"));
  EXPECT_EQ(sent["seed"], 42);
  EXPECT_EQ(sent["presence_penalty"], 0.5);
}

TEST(CohereContractTest, ImagesByUrlAndInlineBytes) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest request;
  request.set_model(kVisionModel);
  pb::ChatMessage* user = request.add_messages();
  user->set_role(pb::ROLE_USER);
  user->add_parts()->set_text("What is in these?");
  user->add_parts()->mutable_image()->set_url("https://example.com/cat.png");
  pb::ImagePart* inline_image = user->add_parts()->mutable_image();
  inline_image->set_data(std::string("\x89PNG\r\n", 6));
  inline_image->set_mime_type("image/png");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.model(), kVisionModel);
  EXPECT_EQ(LastBody(h)["messages"][0]["content"], json::parse(R"([
      {"type":"text","text":"What is in these?"},
      {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}}
  ])"));
}

fake_upstream::Usage CachedUsage() {
  fake_upstream::Usage usage;
  usage.prompt_tokens = 1000;
  usage.completion_tokens = 20;
  usage.cached_tokens = 600;
  return usage;
}

// Cohere bills no separate cached price (catalog.yaml): every billed input
// token at the input price, whether or not it hit the cache.
TEST(CohereContractTest, CachedTokensAreReportedAndBilledAtCatalogPrices) {
  GatewayHarness h(CohereEnv());
  const int64_t expected = h.CatalogCost("cohere", kModel, 1000, 20);
  ASSERT_GT(expected, 0);
  h.upstream().Enqueue(Behavior::Ok().WithUsage(CachedUsage()));
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(GatewayHarness::UserRequest("hi", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.usage().input_tokens(), 1000);
  EXPECT_EQ(response.usage().output_tokens(), 20);
  EXPECT_EQ(response.usage().cached_input_tokens(), 600);
  EXPECT_EQ(response.cost_nano_usd(), expected);

  // Streamed: the usage only arrives on message-end.
  h.upstream().Enqueue(Behavior::Ok().WithUsage(CachedUsage()));
  Streamed s = StreamAll(h, GatewayHarness::UserRequest("hi", kModel));
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_EQ(s.summary.usage().input_tokens(), 1000);
  EXPECT_EQ(s.summary.usage().cached_input_tokens(), 600);
  EXPECT_FALSE(s.summary.usage().estimated());
  EXPECT_EQ(s.summary.cost_nano_usd(), expected);
  EXPECT_EQ(h.SettledBudget().spent_nano_usd(), 2 * expected);
}

void ExpectRefused(GatewayHarness& h, const pb::GenerateRequest& request,
                   const std::string& feature) {
  const int64_t before = h.upstream().RequestCount();
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_NE(status.error_message().find(feature), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("Cohere v2 Chat API"),
            std::string::npos)
      << status.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), before);
}

TEST(CohereContractTest, WhatV2CannotExpressIsRefusedNotDropped) {
  GatewayHarness h(CohereEnv());
  pb::GenerateRequest named = WeatherRequest();
  named.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_NAMED);
  named.mutable_tool_choice()->set_name("get_weather");
  ExpectRefused(h, named, "named tool_choice");
  pb::GenerateRequest sequential = WeatherRequest();
  sequential.set_parallel_tool_calls(false);
  ExpectRefused(h, sequential, "parallel_tool_calls");
  pb::GenerateRequest user = GatewayHarness::UserRequest("hi", kModel);
  user.set_end_user_id("user-42");
  ExpectRefused(h, user, "end_user_id");
  pb::GenerateRequest penalty = GatewayHarness::UserRequest("hi", kModel);
  penalty.set_frequency_penalty(1.5);
  ExpectRefused(h, penalty, "frequency_penalty");
}

}  // namespace
}  // namespace llmgw::testing
