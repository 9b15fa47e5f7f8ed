// The rich contract's request validation (issue #13), through the real
// gateway and the generated stub: every refusal is INVALID_ARGUMENT with a
// google.rpc.BadRequest field violation naming the exact field, and nothing
// reaches the upstream; a valid rich request reaches it.
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;

// The field of the single BadRequest violation ("" when there is none).
std::string ViolationField(const grpc::Status& s) {
  google::rpc::Status status;
  if (!status.ParseFromString(s.error_details())) return "";
  for (const google::protobuf::Any& any : status.details()) {
    if (any.Is<google::rpc::BadRequest>()) {
      google::rpc::BadRequest bad;
      any.UnpackTo(&bad);
      if (bad.field_violations_size() == 1) {
        return bad.field_violations(0).field();
      }
    }
  }
  return "";
}

pb::Tool* AddTool(pb::GenerateRequest* r, const std::string& name,
                  const std::string& schema = "") {
  pb::Tool* t = r->add_tools();
  t->set_name(name);
  t->set_description("looks things up");
  t->set_parameters_json_schema(schema);
  return t;
}

// A conversation with a tool round trip: user, assistant call, tool result.
pb::GenerateRequest RoundTrip() {
  pb::GenerateRequest r = GatewayHarness::UserRequest("weather in Paris?");
  AddTool(&r, "get_weather",
          R"({"type":"object","properties":{"city":{"type":"string"}}})");
  pb::ChatMessage* a = r.add_messages();
  a->set_role(pb::ROLE_ASSISTANT);
  pb::ToolCall* c = a->add_tool_calls();
  c->set_id("call_1");
  c->set_name("get_weather");
  c->set_arguments_json(R"({"city":"Paris"})");
  pb::ChatMessage* t = r.add_messages();
  t->set_role(pb::ROLE_TOOL);
  t->set_tool_call_id("call_1");
  t->set_content("sunny, 21C");
  return r;
}

std::string Nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  for (int i = 0; i < depth; ++i) s += "}";
  return s;
}

struct Case {
  const char* name;
  std::function<void(pb::GenerateRequest&)> mutate;
  const char* field;
};

const Case kCases[] = {
    {"content and parts",
     [](pb::GenerateRequest& r) {
       r.mutable_messages(0)->add_parts()->set_text("x");
     },
     "messages[0].parts"},
    {"nothing in a message",
     [](pb::GenerateRequest& r) { r.mutable_messages(0)->clear_content(); },
     "messages[0].content"},
    {"too many parts",
     [](pb::GenerateRequest& r) {
       r.mutable_messages(0)->clear_content();
       for (int i = 0; i < 65; ++i)
         r.mutable_messages(0)->add_parts()->set_text("x");
     },
     "messages[0].parts"},
    {"empty part",
     [](pb::GenerateRequest& r) {
       r.mutable_messages(0)->clear_content();
       r.mutable_messages(0)->add_parts()->set_text("x");
       r.mutable_messages(0)->add_parts();
     },
     "messages[0].parts[1]"},
    {"image with url and data",
     [](pb::GenerateRequest& r) {
       pb::ImagePart* i = r.mutable_messages(0)->add_parts()->mutable_image();
       r.mutable_messages(0)->clear_content();
       i->set_url("https://example.com/a.png");
       i->set_data("png");
       i->set_mime_type("image/png");
     },
     "messages[0].parts[0].image"},
    {"image url scheme",
     [](pb::GenerateRequest& r) {
       r.mutable_messages(0)->clear_content();
       r.mutable_messages(0)->add_parts()->mutable_image()->set_url(
           "http://example.com/a.png");
     },
     "messages[0].parts[0].image.url"},
    {"image data url mime",
     [](pb::GenerateRequest& r) {
       r.mutable_messages(0)->clear_content();
       r.mutable_messages(0)->add_parts()->mutable_image()->set_url(
           "data:text/html;base64,PGgxPg==");
     },
     "messages[0].parts[0].image.url"},
    {"image data without mime",
     [](pb::GenerateRequest& r) {
       r.mutable_messages(0)->clear_content();
       r.mutable_messages(0)->add_parts()->mutable_image()->set_data("\x89PNG");
     },
     "messages[0].parts[0].image.mime_type"},
    {"image mime not allowed",
     [](pb::GenerateRequest& r) {
       r.mutable_messages(0)->clear_content();
       pb::ImagePart* i = r.mutable_messages(0)->add_parts()->mutable_image();
       i->set_data("<svg/>");
       i->set_mime_type("image/svg+xml");
     },
     "messages[0].parts[0].image.mime_type"},
    {"image in an assistant turn",
     [](pb::GenerateRequest& r) {
       pb::ChatMessage* a =
           GatewayHarness::AddMessage(&r, pb::ROLE_ASSISTANT, "");
       a->add_parts()->mutable_image()->set_url("https://example.com/a.png");
     },
     "messages[1].parts[0].image"},
    {"bad tool name",
     [](pb::GenerateRequest& r) { AddTool(&r, "get weather"); },
     "tools[0].name"},
    {"tool name too long",
     [](pb::GenerateRequest& r) { AddTool(&r, std::string(65, 'a')); },
     "tools[0].name"},
    {"duplicate tool",
     [](pb::GenerateRequest& r) {
       AddTool(&r, "a");
       AddTool(&r, "a");
     },
     "tools[1].name"},
    {"too many tools",
     [](pb::GenerateRequest& r) {
       for (int i = 0; i < 129; ++i) AddTool(&r, "t" + std::to_string(i));
     },
     "tools"},
    {"schema not an object",
     [](pb::GenerateRequest& r) { AddTool(&r, "a", "[1,2]"); },
     "tools[0].parameters_json_schema"},
    {"schema not json",
     [](pb::GenerateRequest& r) { AddTool(&r, "a", "{\"type\":"); },
     "tools[0].parameters_json_schema"},
    {"schema too deep",
     [](pb::GenerateRequest& r) { AddTool(&r, "a", Nested(65)); },
     "tools[0].parameters_json_schema"},
    {"schema with a huge number",
     [](pb::GenerateRequest& r) {
       AddTool(&r, "a", "{\"maximum\": 1e999999}");
     },
     "tools[0].parameters_json_schema"},
    {"schema too big",
     [](pb::GenerateRequest& r) {
       AddTool(&r, "a", "{\"d\":\"" + std::string(64 << 10, 'x') + "\"}");
     },
     "tools[0].parameters_json_schema"},
    {"named choice without tools",
     [](pb::GenerateRequest& r) {
       r.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_NAMED);
       r.mutable_tool_choice()->set_name("a");
     },
     "tool_choice.mode"},
    {"required choice without tools",
     [](pb::GenerateRequest& r) {
       r.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_REQUIRED);
     },
     "tool_choice.mode"},
    {"named choice of an undeclared tool",
     [](pb::GenerateRequest& r) {
       AddTool(&r, "a");
       r.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_NAMED);
       r.mutable_tool_choice()->set_name("b");
     },
     "tool_choice.name"},
    {"tool message without id",
     [](pb::GenerateRequest& r) {
       GatewayHarness::AddMessage(&r, pb::ROLE_TOOL, "42");
     },
     "messages[1].tool_call_id"},
    {"tool result for an unknown call",
     [](pb::GenerateRequest& r) {
       GatewayHarness::AddMessage(&r, pb::ROLE_TOOL, "42")
           ->set_tool_call_id("call_9");
     },
     "messages[1].tool_call_id"},
    {"tool_call_id outside a tool message",
     [](pb::GenerateRequest& r) {
       r.mutable_messages(0)->set_tool_call_id("call_1");
     },
     "messages[0].tool_call_id"},
    {"tool calls in a user message",
     [](pb::GenerateRequest& r) {
       pb::ToolCall* c = r.mutable_messages(0)->add_tool_calls();
       c->set_id("x");
       c->set_name("a");
     },
     "messages[0].tool_calls"},
    {"tool call arguments not an object",
     [](pb::GenerateRequest& r) {
       pb::ChatMessage* a =
           GatewayHarness::AddMessage(&r, pb::ROLE_ASSISTANT, "");
       pb::ToolCall* c = a->add_tool_calls();
       c->set_id("x");
       c->set_name("a");
       c->set_arguments_json("\"Paris\"");
     },
     "messages[1].tool_calls[0].arguments_json"},
    {"tool call arguments too big",
     [](pb::GenerateRequest& r) {
       pb::ChatMessage* a =
           GatewayHarness::AddMessage(&r, pb::ROLE_ASSISTANT, "");
       pb::ToolCall* c = a->add_tool_calls();
       c->set_id("x");
       c->set_name("a");
       c->set_arguments_json("{\"d\":\"" + std::string(1 << 20, 'x') + "\"}");
     },
     "messages[1].tool_calls[0].arguments_json"},
    {"tool call without id",
     [](pb::GenerateRequest& r) {
       pb::ChatMessage* a =
           GatewayHarness::AddMessage(&r, pb::ROLE_ASSISTANT, "");
       a->add_tool_calls()->set_name("a");
     },
     "messages[1].tool_calls[0].id"},
    {"json schema missing",
     [](pb::GenerateRequest& r) {
       r.mutable_response_format()->set_type(
           pb::ResponseFormat::TYPE_JSON_SCHEMA);
     },
     "response_format.json_schema"},
    {"json schema not an object",
     [](pb::GenerateRequest& r) {
       r.mutable_response_format()->set_type(
           pb::ResponseFormat::TYPE_JSON_SCHEMA);
       r.mutable_response_format()->set_json_schema("true");
     },
     "response_format.json_schema"},
    {"schema name",
     [](pb::GenerateRequest& r) {
       r.mutable_response_format()->set_type(
           pb::ResponseFormat::TYPE_JSON_SCHEMA);
       r.mutable_response_format()->set_json_schema("{}");
       r.mutable_response_format()->set_schema_name("my schema");
     },
     "response_format.schema_name"},
    {"presence penalty",
     [](pb::GenerateRequest& r) { r.set_presence_penalty(2.5); },
     "presence_penalty"},
    {"frequency penalty",
     [](pb::GenerateRequest& r) { r.set_frequency_penalty(-2.01f); },
     "frequency_penalty"},
    {"end user id",
     [](pb::GenerateRequest& r) { r.set_end_user_id(std::string(129, 'u')); },
     "end_user_id"},
};

TEST(ContractValidationTest, EveryRefusalNamesTheField) {
  GatewayHarness h;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    pb::GenerateRequest request =
        GatewayHarness::UserRequest("hi", "gpt-4o-mini");
    c.mutate(request);
    grpc::Status s = h.Generate(request);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << s.error_message();
    EXPECT_EQ(ViolationField(s), c.field) << s.error_message();
  }
  // Nothing reached the upstream.
  EXPECT_FALSE(h.upstream().LastRequest().has_value());
  // The same validation guards the stream.
  pb::GenerateRequest bad = GatewayHarness::UserRequest("hi");
  bad.set_presence_penalty(3);
  EXPECT_EQ(h.Stream(bad).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(ContractValidationTest, ADeepSchemaIsRefusedQuickly) {
  GatewayHarness h;
  pb::GenerateRequest request = GatewayHarness::UserRequest("hi");
  // 3 MiB of "[": refused by depth without building anything.
  AddTool(&request, "a", "{\"x\":" + std::string(3 << 20, '['));
  const absl::Time start = absl::Now();
  grpc::Status s = h.Generate(request);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationField(s), "tools[0].parameters_json_schema");
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(ContractValidationTest, AValidRichRequestReachesTheUpstream) {
  GatewayHarness h;
  pb::GenerateRequest request = RoundTrip();
  request.set_model("gpt-4o-mini");
  request.mutable_tool_choice()->set_mode(pb::ToolChoice::MODE_NAMED);
  request.mutable_tool_choice()->set_name("get_weather");
  request.set_parallel_tool_calls(false);
  request.set_seed(7);
  request.set_presence_penalty(0.5);
  request.set_frequency_penalty(-0.5);
  request.set_end_user_id("user-123");
  pb::GenerateResponse response;
  grpc::Status s = h.Generate(request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto sent = h.upstream().LastRequest();
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->JsonBody()["messages"].size(), 3u);
}

TEST(ContractValidationTest, TextPartsAndImagesAreAccepted) {
  GatewayHarness h;
  pb::GenerateRequest request = GatewayHarness::UserRequest("", "gpt-4o-mini");
  pb::ChatMessage* m = request.mutable_messages(0);
  m->add_parts()->set_text("what is in");
  m->add_parts()->set_text("this picture?");
  pb::ImagePart* image = m->add_parts()->mutable_image();
  image->set_data(std::string("\x89PNG\r\n\x1a\n", 8));
  image->set_mime_type("image/png");
  pb::ImagePart* linked = m->add_parts()->mutable_image();
  linked->set_url("https://example.com/cat.jpg");
  linked->set_detail("low");
  pb::GenerateResponse response;
  grpc::Status s = h.Generate(request, &response);
  // The gateway itself accepts the parts (the wire format answers, or names
  // a feature it cannot send: never a messages[...] violation).
  EXPECT_NE(ViolationField(s).rfind("messages", 0), 0u) << s.error_message();
}

}  // namespace
}  // namespace llmgw::testing
