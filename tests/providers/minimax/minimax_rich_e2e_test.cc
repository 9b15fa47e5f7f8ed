// The rich contract (#13) over MiniMax ChatCompletion v2: tool calls unary
// and streamed through the real gateway against the fake MiniMax upstream,
// and the options chatcompletion_v2 does not document refused before any
// request leaves the gateway.
#include <grpcpp/grpcpp.h>

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using nlohmann::json;

constexpr char kModel[] = "MiniMax-M2.7";

std::map<std::string, std::string> Env() {
  return {{"MINIMAX_API_KEY", "sk-api-minimax-test-0123456789"},
          {"MINIMAX_API_BASE", GatewayHarness::FakeBaseUrl("minimax")}};
}

pb::GenerateRequest WeatherRequest() {
  pb::GenerateRequest r =
      GatewayHarness::UserRequest("Weather in Paris?", kModel);
  pb::Tool* tool = r.add_tools();
  tool->set_name("get_weather");
  tool->set_parameters_json_schema(
      R"({"type":"object","properties":{"city":{"type":"string"}}})");
  r.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_NAMED);
  r.mutable_tool_choice()->set_name("get_weather");
  return r;
}

TEST(MiniMaxRichE2e, ToolRoundTrip) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Ok().WithToolCalls(
      {{"call_mm_1", "get_weather", R"({"city":"Paris"})"}}));
  pb::GenerateRequest request = WeatherRequest();
  pb::GenerateResponse first;
  grpc::Status status = h.Generate(request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(first.tool_calls_size(), 1);
  EXPECT_EQ(first.tool_calls(0).id(), "call_mm_1");
  EXPECT_EQ(first.tool_calls(0).arguments_json(), R"({"city":"Paris"})");
  json sent = h.upstream().LastRequest()->JsonBody();
  EXPECT_EQ(sent["tools"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(sent["tool_choice"]["function"]["name"], "get_weather");

  pb::ChatMessage* assistant = request.add_messages();
  assistant->set_role(pb::ROLE_ASSISTANT);
  *assistant->add_tool_calls() = first.tool_calls(0);
  pb::ChatMessage* tool = request.add_messages();
  tool->set_role(pb::ROLE_TOOL);
  tool->set_tool_call_id("call_mm_1");
  tool->set_content("sunny");
  request.clear_tool_choice();
  h.upstream().Enqueue(Behavior::Text("Sunny in Paris."));
  pb::GenerateResponse second;
  status = h.Generate(request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.text(), "Sunny in Paris.");
  sent = h.upstream().LastRequest()->JsonBody();
  EXPECT_EQ(sent["messages"][1]["tool_calls"][0]["id"], "call_mm_1");
  EXPECT_EQ(sent["messages"][2], json({{"role", "tool"},
                                       {"tool_call_id", "call_mm_1"},
                                       {"content", "sunny"}}));
}

TEST(MiniMaxRichE2e, StreamedToolCalls) {
  GatewayHarness h(Env());
  h.upstream().Enqueue(Behavior::Ok().WithToolCalls(
      {{"call_a", "get_weather", R"({"city":"Paris"})"},
       {"call_b", "get_weather", R"({"city":"Oslo"})"}}));
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
  ASSERT_GE(deltas.size(), 4u);
  EXPECT_EQ(deltas[0].id(), "call_a");
  EXPECT_EQ(summary.finish_reason(), pb::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(summary.tool_calls_size(), 2);
  EXPECT_EQ(summary.tool_calls(0).arguments_json(), R"({"city":"Paris"})");
  EXPECT_EQ(summary.tool_calls(1).arguments_json(), R"({"city":"Oslo"})");
}

TEST(MiniMaxRichE2e, UndocumentedOptionsAreRefusedNamingTheApi) {
  GatewayHarness h(Env());
  pb::GenerateRequest r = GatewayHarness::UserRequest("hi", kModel);
  r.set_seed(3);
  grpc::Status status = h.Generate(r, nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_NE(status.error_message().find("seed is not supported by the MiniMax"),
            std::string::npos)
      << status.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

}  // namespace
}  // namespace llmgw::testing
