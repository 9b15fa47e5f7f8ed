// The rich contract (#13) end to end over OpenAI Chat Completions: the real
// gateway (in-process gRPC server, event loop, HTTP client) called through
// the generated stubs, in front of the fake OpenAI upstream
// (tests/fake_upstream/openai_format.cc + openai_rich.cc), which validates
// the request shapes of OpenAI's API reference and records what it got.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::Usage;
using nlohmann::json;

constexpr char kModel[] = "gpt-4o";
constexpr char kWeatherSchema[] =
    R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})";

json LastBody(GatewayHarness& h) {
  auto last = h.upstream().LastRequest();
  EXPECT_TRUE(last.has_value());
  return last ? last->JsonBody() : json();
}

pb::GenerateRequest WeatherRequest() {
  pb::GenerateRequest r =
      GatewayHarness::UserRequest("What is the weather in Paris?", kModel);
  pb::Tool* tool = r.add_tools();
  tool->set_name("get_weather");
  tool->set_description("Current weather for a city");
  tool->set_parameters_json_schema(kWeatherSchema);
  r.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_AUTO);
  r.set_parallel_tool_calls(false);
  return r;
}

TEST(OpenAiRichE2e, ToolRoundTrip) {
  GatewayHarness h;
  h.upstream().Enqueue(Behavior::Ok().WithToolCalls(
      {{"call_abc", "get_weather", R"({"city":"Paris"})"}}));
  pb::GenerateRequest request = WeatherRequest();
  pb::GenerateResponse first;
  grpc::Status status = h.Generate(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(first.tool_calls_size(), 1);
  EXPECT_EQ(first.tool_calls(0).id(), "call_abc");
  EXPECT_EQ(first.tool_calls(0).name(), "get_weather");
  EXPECT_EQ(json::parse(first.tool_calls(0).arguments_json()),
            json({{"city", "Paris"}}));
  json sent = LastBody(h);
  EXPECT_EQ(
      sent["tools"], json::parse(std::string(R"([{"type":"function","function":{
              "name":"get_weather","description":"Current weather for a city",
              "parameters":)") + kWeatherSchema +
                                 "}}]"));
  EXPECT_EQ(sent["tool_choice"], "auto");
  EXPECT_EQ(sent["parallel_tool_calls"], false);

  pb::ChatMessage* assistant = request.add_messages();
  assistant->set_role(pb::ROLE_ASSISTANT);
  *assistant->add_tool_calls() = first.tool_calls(0);
  pb::ChatMessage* tool = request.add_messages();
  tool->set_role(pb::ROLE_TOOL);
  tool->set_tool_call_id("call_abc");
  tool->set_content(R"({"temp_c":21,"sky":"sunny"})");
  h.upstream().Enqueue(Behavior::Text("It is sunny and 21C in Paris."));
  pb::GenerateResponse second;
  status = h.Generate(request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.text(), "It is sunny and 21C in Paris.");
  EXPECT_EQ(second.finish_reason(), pb::FINISH_REASON_STOP);
  sent = LastBody(h);
  ASSERT_EQ(sent["messages"].size(), 3u);
  EXPECT_TRUE(sent["messages"][1]["content"].is_null());
  EXPECT_EQ(sent["messages"][1]["tool_calls"],
            json::parse(R"([{"id":"call_abc","type":"function","function":
              {"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}])"));
  EXPECT_EQ(sent["messages"][2],
            json({{"role", "tool"},
                  {"tool_call_id", "call_abc"},
                  {"content", R"({"temp_c":21,"sky":"sunny"})"}}));
}

struct RichStream {
  std::vector<pb::ToolCallDelta> tool_deltas;
  std::string refusal;
  pb::StreamSummary summary;
  grpc::Status status;
};

RichStream StreamRich(GatewayHarness& h, const pb::GenerateRequest& request) {
  RichStream out;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto reader = h.stub().GenerateStream(&context, request);
  pb::GenerateStreamEvent event;
  while (reader->Read(&event)) {
    if (event.has_tool_call_delta()) {
      out.tool_deltas.push_back(event.tool_call_delta());
    } else if (event.has_delta()) {
      out.refusal += event.delta().refusal();
    } else if (event.has_summary()) {
      out.summary = event.summary();
    }
  }
  out.status = reader->Finish();
  return out;
}

TEST(OpenAiRichE2e, StreamedToolCalls) {
  GatewayHarness h;
  h.upstream().Enqueue(Behavior::Ok().WithToolCalls(
      {{"call_1", "get_weather", R"({"city":"Paris","unit":"celsius"})"},
       {"call_2", "get_weather", R"({"city":"Rome"})"}}));
  RichStream s = StreamRich(h, WeatherRequest());
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  // Per call: the id/name piece, then the arguments in three fragments.
  ASSERT_GE(s.tool_deltas.size(), 6u);
  EXPECT_EQ(s.tool_deltas[0].index(), 0);
  EXPECT_EQ(s.tool_deltas[0].id(), "call_1");
  EXPECT_EQ(s.tool_deltas[0].name(), "get_weather");
  std::string args0;
  for (const pb::ToolCallDelta& d : s.tool_deltas) {
    if (d.index() == 0) args0 += d.arguments_json_delta();
  }
  EXPECT_EQ(args0, R"({"city":"Paris","unit":"celsius"})");
  EXPECT_EQ(s.summary.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(s.summary.tool_calls_size(), 2);
  EXPECT_EQ(s.summary.tool_calls(1).id(), "call_2");
  EXPECT_EQ(s.summary.tool_calls(1).arguments_json(), R"({"city":"Rome"})");
  EXPECT_EQ(LastBody(h)["stream_options"], json({{"include_usage", true}}));
}

TEST(OpenAiRichE2e, JsonSchemaAndSamplingOptionsReachTheUpstream) {
  GatewayHarness h;
  pb::GenerateRequest r =
      GatewayHarness::UserRequest("Extract: Ada, 36", kModel);
  r.mutable_response_format()->set_type(pb::ResponseFormat::TYPE_JSON_SCHEMA);
  r.mutable_response_format()->set_schema_name("person");
  r.mutable_response_format()->set_json_schema(
      R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false})");
  r.mutable_response_format()->set_strict(true);
  r.set_seed(7);
  r.set_presence_penalty(0.5f);
  r.set_frequency_penalty(0.25f);
  r.set_end_user_id("user-42");
  h.upstream().Enqueue(Behavior::Text(R"({"name":"Ada","age":36})"));
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(r, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), R"({"name":"Ada","age":36})");
  json sent = LastBody(h);
  EXPECT_EQ(sent["response_format"]["type"], "json_schema");
  EXPECT_EQ(sent["response_format"]["json_schema"]["name"], "person");
  EXPECT_EQ(sent["response_format"]["json_schema"]["strict"], true);
  EXPECT_EQ(sent["response_format"]["json_schema"]["schema"]["required"],
            json({"name", "age"}));
  EXPECT_EQ(sent["seed"], 7);
  EXPECT_EQ(sent["presence_penalty"], 0.5);
  EXPECT_EQ(sent["frequency_penalty"], 0.25);
  EXPECT_EQ(sent["user"], "user-42");
}

TEST(OpenAiRichE2e, ImagesByUrlAndInlineBytes) {
  GatewayHarness h;
  pb::GenerateRequest r;
  r.set_model(kModel);
  pb::ChatMessage* m = r.add_messages();
  m->set_role(pb::ROLE_USER);
  m->add_parts()->set_text("Compare these");
  pb::ImagePart* url = m->add_parts()->mutable_image();
  url->set_url("https://example.com/a.png");
  url->set_detail("low");
  pb::ImagePart* inline_image = m->add_parts()->mutable_image();
  inline_image->set_data(std::string("\x89PNG\r\n\x1a\n", 8));
  inline_image->set_mime_type("image/png");
  pb::GenerateResponse response;
  grpc::Status status = h.Generate(r, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const json content = LastBody(h)["messages"][0]["content"];
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0], json({{"type", "text"}, {"text", "Compare these"}}));
  EXPECT_EQ(content[1], json::parse(R"({"type":"image_url","image_url":{
              "url":"https://example.com/a.png","detail":"low"}})"));
  EXPECT_EQ(content[2]["image_url"]["url"],
            "data:image/png;base64,iVBORw0KGgo=");
}

// gpt-4o: $2.50 input, $1.25 cached input, $10 output per million tokens
// (providers/openai_compatible/catalog.yaml): 200 uncached + 800 cached
// prompt tokens and 100 output tokens cost 200*2500 + 800*1250 + 100*10000
// nano-USD.
constexpr int64_t kCachedCost = 200 * 2500 + 800 * 1250 + 100 * 10000;

Behavior CachedUsage() {
  Usage usage;
  usage.prompt_tokens = 1000;
  usage.cached_tokens = 800;
  usage.completion_tokens = 100;
  return Behavior::Ok().WithUsage(usage);
}

TEST(OpenAiRichE2e, CachedTokensAreBilledAtTheCachedPrice) {
  GatewayHarness h;
  h.upstream().Enqueue(CachedUsage());
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(GatewayHarness::UserRequest("hello", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.usage().input_tokens(), 1000);
  EXPECT_EQ(response.usage().cached_input_tokens(), 800);
  EXPECT_EQ(response.cost_nano_usd(), kCachedCost);
  EXPECT_LT(response.cost_nano_usd(),
            h.CatalogCost("openai", kModel, 1000, 100));

  // Streamed: the usage arrives only on the final chunk (choices: []).
  h.upstream().Enqueue(CachedUsage());
  GatewayHarness::StreamResult s =
      h.Stream(GatewayHarness::UserRequest("hello", kModel));
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_EQ(s.summary.usage().cached_input_tokens(), 800);
  EXPECT_FALSE(s.summary.usage().estimated());
  EXPECT_EQ(s.summary.cost_nano_usd(), kCachedCost);
}

TEST(OpenAiRichE2e, RefusalAndContentFilter) {
  GatewayHarness h;
  h.upstream().Enqueue(Behavior::Ok().WithRefusal("I can't help with that."));
  pb::GenerateResponse response;
  grpc::Status status =
      h.Generate(GatewayHarness::UserRequest("bad idea", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.refusal(), "I can't help with that.");
  EXPECT_EQ(response.text(), "");

  h.upstream().Enqueue(Behavior::Ok().WithRefusal("I can't help with that."));
  RichStream s = StreamRich(h, GatewayHarness::UserRequest("bad idea", kModel));
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  EXPECT_EQ(s.refusal, "I can't help with that.");
  EXPECT_EQ(s.summary.refusal(), "I can't help with that.");

  h.upstream().Enqueue(Behavior::Ok().WithBlockReason("content_filter"));
  status =
      h.Generate(GatewayHarness::UserRequest("worse idea", kModel), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(response.block_reason(), "content_filter");
}

TEST(OpenAiRichE2e, UpstreamRejectionOfAToolSchemaIsInvalidArgument) {
  // A schema the gateway accepts (a JSON object) but OpenAI rejects: tool
  // parameters must be an object schema. The fake answers OpenAI's 400.
  GatewayHarness h;
  pb::GenerateRequest r = GatewayHarness::UserRequest("hi", kModel);
  pb::Tool* tool = r.add_tools();
  tool->set_name("echo");
  tool->set_parameters_json_schema(R"({"type":"string"})");
  grpc::Status status = h.Generate(r, nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_NE(status.error_message().find("Invalid schema for function 'echo'"),
            std::string::npos)
      << status.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), 1);
}

}  // namespace
}  // namespace llmgw::testing
