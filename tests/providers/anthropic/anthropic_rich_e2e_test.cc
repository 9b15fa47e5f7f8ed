// The rich contract (#13) through the "anthropic" provider end to end: the
// real gateway (generated stubs, real event loop and HTTP client) in front of
// the fake Messages API on loopback (tests/fake_upstream/anthropic). Tool
// round trip, streamed tool calls, JSON-schema output, images, cached-token
// billing (unary and streamed), refusals and unsupported features; the
// bodies the fake received are asserted as the Messages API documents them.
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeToolCall;
using fake_upstream::RecordedRequest;
using fake_upstream::Usage;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kKey[] = "sk-ant-test-0123456789";
// $3 / $15 per million; cache reads $0.30, 5-minute cache writes $3.75.
constexpr char kModel[] = "claude-sonnet-4-5";

std::map<std::string, std::string> Env() {
  return {{"ANTHROPIC_API_KEY", kKey},
          {"ANTHROPIC_API_BASE", GatewayHarness::FakeBaseUrl("anthropic")}};
}

pb::GenerateRequest WeatherRequest() {
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("What is the weather in Paris?", kModel);
  request.set_max_tokens(200);
  pb::Tool* tool = request.add_tools();
  tool->set_name("get_weather");
  tool->set_description("Current weather for a city");
  tool->set_parameters_json_schema(
      R"({"type":"object","properties":{"city":{"type":"string"}},)"
      R"("required":["city"]})");
  return request;
}

Behavior CallsWeather() {
  return Behavior::Text("Let me check.")
      .WithToolCalls({{"toolu_01A09q90qw90lq917835lq9", "get_weather",
                       R"({"city":"Paris","unit":"celsius"})"}});
}

json LastBody(GatewayHarness& h) {
  std::optional<RecordedRequest> sent = h.upstream().LastRequest();
  EXPECT_TRUE(sent.has_value());
  return sent.has_value() ? sent->JsonBody() : json();
}

TEST(AnthropicRichTest, FullToolRoundTrip) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(CallsWeather());
  pb::GenerateRequest request = WeatherRequest();
  request.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_REQUIRED);
  request.set_parallel_tool_calls(false);
  request.set_end_user_id("user-7f3a");
  pb::GenerateResponse first;
  grpc::Status status = h.Generate(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(first.text(), "Let me check.");
  ASSERT_EQ(first.tool_calls_size(), 1);
  EXPECT_EQ(first.tool_calls(0).id(), "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(first.tool_calls(0).name(), "get_weather");
  EXPECT_EQ(json::parse(first.tool_calls(0).arguments_json()),
            json({{"city", "Paris"}, {"unit", "celsius"}}));

  json body = LastBody(h);
  EXPECT_EQ(body["tools"], json::parse(R"([{"name":"get_weather",
      "description":"Current weather for a city",
      "input_schema":{"type":"object","properties":{"city":{"type":"string"}},
                      "required":["city"]}}])"));
  EXPECT_EQ(body["tool_choice"],
            json({{"type", "any"}, {"disable_parallel_tool_use", true}}));
  EXPECT_EQ(body["metadata"], json({{"user_id", "user-7f3a"}}));

  // Second turn: the assistant's call and the tool's result.
  pb::ChatMessage* assistant = request.add_messages();
  assistant->set_role(pb::ROLE_ASSISTANT);
  assistant->set_content(first.text());
  *assistant->add_tool_calls() = first.tool_calls(0);
  pb::ChatMessage* result = request.add_messages();
  result->set_role(pb::ROLE_TOOL);
  result->set_tool_call_id(first.tool_calls(0).id());
  result->set_content("18 degrees and sunny");
  request.clear_tool_choice();
  pb::GenerateResponse second;
  status = h.Generate(request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.finish_reason(), pb::FINISH_REASON_STOP);
  EXPECT_EQ(second.tool_calls_size(), 0);
  EXPECT_EQ(second.text(), "Echo: 18 degrees and sunny");

  body = LastBody(h);
  EXPECT_EQ(body["messages"], json::parse(R"([
    {"role":"user","content":"What is the weather in Paris?"},
    {"role":"assistant","content":[
      {"type":"text","text":"Let me check."},
      {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9",
       "name":"get_weather","input":{"city":"Paris","unit":"celsius"}}]},
    {"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9",
       "content":"18 degrees and sunny"}]}])"));
  EXPECT_EQ(body["tool_choice"],
            json({{"type", "auto"}, {"disable_parallel_tool_use", true}}));
  EXPECT_EQ(h.upstream().RequestCount(), 2);
}

// Every event of a GenerateStream call.
struct Events {
  std::string text;
  std::string refusal;
  std::vector<pb::ToolCallDelta> tool_deltas;
  std::optional<pb::StreamSummary> summary;
  grpc::Status status;
};

Events StreamAll(GatewayHarness& h, const pb::GenerateRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto reader = h.stub().GenerateStream(&context, request);
  Events events;
  pb::GenerateStreamEvent event;
  while (reader->Read(&event)) {
    if (event.has_delta()) {
      events.text += event.delta().text();
      events.refusal += event.delta().refusal();
    } else if (event.has_tool_call_delta()) {
      events.tool_deltas.push_back(event.tool_call_delta());
    } else if (event.has_summary()) {
      events.summary = event.summary();
    }
  }
  events.status = reader->Finish();
  return events;
}

TEST(AnthropicRichTest, StreamedToolCalls) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(CallsWeather().WithToolCalls(
      {{"toolu_A", "get_weather", R"({"city":"Paris"})"},
       {"toolu_B", "get_weather", R"({"city":"Lyon"})"}}));
  Events events = StreamAll(h, WeatherRequest());
  ASSERT_TRUE(events.status.ok()) << events.status.error_message();
  EXPECT_EQ(events.text, "Let me check.");
  // Per call: the opening delta, then the arguments in pieces.
  std::map<int, std::string> args;
  std::map<int, std::string> ids;
  for (const pb::ToolCallDelta& d : events.tool_deltas) {
    if (!d.id().empty()) ids[d.index()] = d.id();
    args[d.index()] += d.arguments_json_delta();
  }
  EXPECT_GE(events.tool_deltas.size(), 6u);
  EXPECT_EQ(ids, (std::map<int, std::string>{{0, "toolu_A"}, {1, "toolu_B"}}));
  EXPECT_EQ(args[0], R"({"city":"Paris"})");
  EXPECT_EQ(args[1], R"({"city":"Lyon"})");
  ASSERT_TRUE(events.summary.has_value());
  EXPECT_EQ(events.summary->finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(events.summary->tool_calls_size(), 2);
  EXPECT_EQ(events.summary->tool_calls(1).id(), "toolu_B");
  EXPECT_EQ(events.summary->tool_calls(1).name(), "get_weather");
  EXPECT_EQ(events.summary->tool_calls(1).arguments_json(),
            R"({"city":"Lyon"})");
  EXPECT_TRUE(LastBody(h)["stream"]);
}

TEST(AnthropicRichTest, JsonSchemaOutputGoesToOutputConfig) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Text(R"({"city":"Paris","temp":18})"));
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("Weather in Paris as JSON", kModel);
  pb::ResponseFormat* format = request.mutable_response_format();
  format->set_type(pb::ResponseFormat::TYPE_JSON_SCHEMA);
  format->set_schema_name("weather");
  format->set_strict(true);
  format->set_json_schema(
      R"({"type":"object","properties":{"city":{"type":"string"},)"
      R"("temp":{"type":"number"}},"required":["city","temp"],)"
      R"("additionalProperties":false})");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(json::parse(response.text()),
            json({{"city", "Paris"}, {"temp", 18}}));
  EXPECT_EQ(LastBody(h)["output_config"], json::parse(R"({"format":{
      "type":"json_schema","schema":{"type":"object","properties":{
      "city":{"type":"string"},"temp":{"type":"number"}},
      "required":["city","temp"],"additionalProperties":false}}})"));
}

TEST(AnthropicRichTest, ImagesByUrlAndInlineBytes) {
  GatewayHarness h(Env());
  pb::GenerateRequest request;
  request.set_model(kModel);
  pb::ChatMessage* user = request.add_messages();
  user->set_role(pb::ROLE_USER);
  user->add_parts()->set_text("What is in these images?");
  user->add_parts()->mutable_image()->set_url(
      "https://upload.wikimedia.org/ant.jpg");
  pb::ImagePart* inline_image = user->add_parts()->mutable_image();
  inline_image->set_data(std::string("GIF89a", 6));
  inline_image->set_mime_type("image/gif");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(LastBody(h)["messages"], json::parse(R"([{"role":"user",
    "content":[{"type":"text","text":"What is in these images?"},
      {"type":"image","source":{"type":"url",
                                "url":"https://upload.wikimedia.org/ant.jpg"}},
      {"type":"image","source":{"type":"base64","media_type":"image/gif",
                                "data":"R0lGODlh"}}]}])"));
}

Behavior CachedUsage() {
  Usage usage;
  usage.prompt_tokens = 10000;  // 3000 fresh + 6000 read + 1000 written
  usage.cached_tokens = 6000;
  usage.cache_write_tokens = 1000;
  usage.completion_tokens = 500;
  usage.reasoning_tokens = 120;
  return Behavior::Ok().WithUsage(usage);
}

// 3000 x $3 + 6000 x $0.30 + 1000 x $3.75 + 500 x $15, per million tokens,
// in nano-USD: 9,000,000 + 1,800,000 + 3,750,000 + 7,500,000.
constexpr int64_t kCachedCost = 22'050'000;

void ExpectCachedUsage(const pb::Usage& usage) {
  EXPECT_EQ(usage.input_tokens(), 10000);
  EXPECT_EQ(usage.cached_input_tokens(), 6000);
  EXPECT_EQ(usage.cache_write_input_tokens(), 1000);
  EXPECT_EQ(usage.output_tokens(), 500);
  EXPECT_EQ(usage.reasoning_tokens(), 120);
  EXPECT_FALSE(usage.estimated());
}

TEST(AnthropicRichTest, CachedTokensBilledAtCatalogPricesUnary) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(CachedUsage());
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(GatewayHarness::UserRequest("hi", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectCachedUsage(response.usage());
  EXPECT_EQ(response.cost_nano_usd(), kCachedCost);
  EXPECT_EQ(h.SettledBudget().spent_nano_usd(), kCachedCost);
}

TEST(AnthropicRichTest, CachedTokensBilledAtCatalogPricesStreamed) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(CachedUsage());
  Events events = StreamAll(h, GatewayHarness::UserRequest("hi", kModel));
  ASSERT_TRUE(events.status.ok()) << events.status.error_message();
  ASSERT_TRUE(events.summary.has_value());
  // Input counts from message_start, output from the last message_delta.
  ExpectCachedUsage(events.summary->usage());
  EXPECT_EQ(events.summary->cost_nano_usd(), kCachedCost);
  EXPECT_EQ(h.SettledBudget().spent_nano_usd(), kCachedCost);
}

TEST(AnthropicRichTest, RefusalUnaryAndStreamed) {
  GatewayHarness h(Env());
  const std::string why = "This request could enable cyber harm.";
  h.upstream().Enqueue(
      Behavior::Text("Sure..").WithRefusal(why).WithBlockReason("cyber"));
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(GatewayHarness::UserRequest("do harm", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(response.refusal(), why);
  EXPECT_EQ(response.block_reason(), "cyber");

  h.upstream().Enqueue(
      Behavior::Text("Sure..").WithRefusal(why).WithBlockReason("cyber"));
  Events events = StreamAll(h, GatewayHarness::UserRequest("do harm", kModel));
  ASSERT_TRUE(events.status.ok()) << events.status.error_message();
  EXPECT_EQ(events.refusal, why);
  ASSERT_TRUE(events.summary.has_value());
  EXPECT_EQ(events.summary->finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(events.summary->refusal(), why);
  EXPECT_EQ(events.summary->block_reason(), "cyber");
}

TEST(AnthropicRichTest, UnsupportedFeaturesAreRefusedBeforeTheUpstream) {
  GatewayHarness h(Env());
  pb::GenerateRequest request = GatewayHarness::UserRequest("hi", kModel);
  request.set_seed(7);
  grpc::Status status = h.Generate(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("seed"));
  EXPECT_THAT(status.error_message(), HasSubstr("Anthropic"));

  request = GatewayHarness::UserRequest("hi", kModel);
  request.set_presence_penalty(0.5f);
  status = h.Generate(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("presence_penalty"));

  // No Claude model offers a schema-less JSON mode (catalog: no
  // json_object), so no attempt is made at all.
  request = GatewayHarness::UserRequest("hi", kModel);
  request.mutable_response_format()->set_type(
      pb::ResponseFormat::TYPE_JSON_OBJECT);
  status = h.Generate(request);
  EXPECT_NE(status.error_code(), grpc::StatusCode::OK);
  EXPECT_THAT(status.error_message(), HasSubstr("json_object"));
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

// The fake rejects what the real API rejects (documented 400 bodies).
TEST(AnthropicFakeValidationTest, RejectsMalformedRichRequests) {
  GatewayHarness h(Env());
  httplib::Client client(h.upstream().url());
  const httplib::Headers headers = {{"x-api-key", kKey},
                                    {"anthropic-version", "2023-06-01"}};
  auto post = [&](const json& extra) {
    json body = {{"model", kModel},
                 {"max_tokens", 10},
                 {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    body.update(extra);
    return client.Post("/v1/messages", headers, body.dump(),
                       "application/json");
  };
  const std::pair<const char*, const char*> cases[] = {
      {R"({"tools":[{"name":"f","input_schema":{"type":"string"}}]})",
       "input_schema.type"},
      {R"({"tools":[{"name":"f","input_schema":{"type":"object"}}],
           "tool_choice":{"type":"tool","name":"g"}})",
       "Tool 'g' not found"},
      {R"({"tool_choice":{"type":"any"}})", "while providing tools"},
      {R"({"messages":[{"role":"user","content":[{"type":"image","source":
           {"type":"base64","media_type":"image/bmp","data":"AAAA"}}]}]})",
       "media_type"},
      {R"({"messages":[{"role":"user","content":[
           {"type":"tool_result","tool_use_id":"toolu_x"}]}]})",
       "unexpected `tool_use_id`"},
      {R"({"output_config":{"format":{"type":"json_object"}}})",
       "output_config.format.type"},
  };
  for (const auto& [extra, message] : cases) {
    auto res = post(json::parse(extra));
    ASSERT_TRUE(res) << extra;
    EXPECT_EQ(res->status, 400) << extra;
    json error = json::parse(res->body);
    EXPECT_EQ(error["error"]["type"], "invalid_request_error");
    EXPECT_THAT(error["error"]["message"].get<std::string>(),
                HasSubstr(message));
  }
  EXPECT_EQ(post(json::object())->status, 200);
}

}  // namespace
}  // namespace llmgw::testing
