// Tool calling end to end through the real gateway in front of the fake
// OpenAI API: GenerateStream forwards text, refusal and tool-call pieces as
// separate events in the provider's order (tool pieces never folded into a
// text event) and repeats the assembled calls in the summary; a tool round
// trip reaches the provider as OpenAI's tool message.
#include <grpcpp/grpcpp.h>

#include <map>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using nlohmann::json;

constexpr char kModel[] = "gpt-4o-mini";

pb::GenerateRequest WeatherRequest() {
  pb::GenerateRequest request =
      GatewayHarness::UserRequest("weather in Paris and Rome?", kModel);
  pb::Tool* tool = request.add_tools();
  tool->set_name("get_weather");
  tool->set_description("Current weather");
  tool->set_parameters_json_schema(
      R"({"type":"object","properties":{"city":{"type":"string"}}})");
  return request;
}

TEST(ToolsE2eTest, StreamedTextAndToolCallsAreSeparateEventsInOrder) {
  GatewayHarness h;
  h.upstream().Enqueue(
      Behavior::Text("Checking both.")
          .WithToolCalls({{"", "get_weather", R"({"city":"Paris"})"},
                          {"", "get_weather", R"({"city":"Rome"})"}}));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto reader = h.stub().GenerateStream(&context, WeatherRequest());
  pb::GenerateStreamEvent event;
  std::vector<std::string> kinds;
  std::string text;
  std::map<int, std::string> arguments;
  pb::StreamSummary summary;
  while (reader->Read(&event)) {
    if (event.has_delta()) {
      kinds.push_back("text");
      EXPECT_TRUE(event.delta().refusal().empty());
      text += event.delta().text();
    } else if (event.has_tool_call_delta()) {
      kinds.push_back("tool");
      const pb::ToolCallDelta& d = event.tool_call_delta();
      if (!d.id().empty()) {
        EXPECT_EQ(d.name(), "get_weather");
      }
      arguments[d.index()] += d.arguments_json_delta();
    } else if (event.has_summary()) {
      kinds.push_back("summary");
      summary = event.summary();
    }
  }
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(text, "Checking both.");
  // Text first (the provider sent it first), then one event per call piece,
  // then the summary; no tool piece folded into a text event.
  ASSERT_GE(kinds.size(), 4u);
  EXPECT_EQ(kinds.front(), "text");
  EXPECT_EQ(kinds.back(), "summary");
  size_t first_tool = 0;
  while (first_tool < kinds.size() && kinds[first_tool] != "tool") ++first_tool;
  for (size_t i = first_tool; i + 1 < kinds.size(); ++i) {
    EXPECT_EQ(kinds[i], "tool") << "event " << i;
  }
  ASSERT_EQ(arguments.size(), 2u);
  EXPECT_EQ(json::parse(arguments[0]), json({{"city", "Paris"}}));
  EXPECT_EQ(json::parse(arguments[1]), json({{"city", "Rome"}}));
  EXPECT_EQ(summary.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(summary.tool_calls_size(), 2);
  EXPECT_EQ(summary.tool_calls(0).arguments_json(), arguments[0]);
  EXPECT_EQ(summary.tool_calls(1).arguments_json(), arguments[1]);
  EXPECT_GT(summary.cost_nano_usd(), 0);
}

TEST(ToolsE2eTest, RoundTripWithoutAToolName) {
  GatewayHarness h;
  h.upstream().Enqueue(Behavior::Ok().WithToolCalls(
      {{"call_abc", "get_weather", R"({"city":"Paris"})"}}));
  pb::GenerateResponse call;
  grpc::Status status = h.Generate(WeatherRequest(), &call);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(call.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(call.tool_calls_size(), 1);
  EXPECT_EQ(call.tool_calls(0).id(), "call_abc");

  pb::GenerateRequest second = WeatherRequest();
  pb::ChatMessage* assistant = second.add_messages();
  assistant->set_role(pb::ROLE_ASSISTANT);
  *assistant->add_tool_calls() = call.tool_calls(0);
  pb::ChatMessage* result = second.add_messages();
  result->set_role(pb::ROLE_TOOL);
  result->set_tool_call_id("call_abc");  // no tool_name: the gateway fills it
  result->set_content(R"({"temp_c":21})");
  pb::GenerateResponse answer;
  status = h.Generate(second, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.finish_reason(), pb::FINISH_REASON_STOP);
  const json messages = h.upstream().LastRequest()->JsonBody()["messages"];
  ASSERT_EQ(messages.size(), 3u) << messages.dump(2);
  EXPECT_EQ(messages[1]["tool_calls"][0]["id"], "call_abc");
  EXPECT_EQ(messages[2]["role"], "tool");
  EXPECT_EQ(messages[2]["tool_call_id"], "call_abc");
}

}  // namespace
}  // namespace llmgw::testing
