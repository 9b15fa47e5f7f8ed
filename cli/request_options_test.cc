#include "cli/request_options.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "cli/format.h"
#include "gtest/gtest.h"

namespace llmgw::cli {
namespace {

namespace v1 = ::llmgateway::v1;

std::string TempFile(const std::string& name, const std::string& bytes) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(ToolFlagTest, NameDescriptionAndSchema) {
  absl::StatusOr<v1::Tool> tool =
      ParseToolFlag(R"(get_weather:Weather for a city: now:{"type": "object",)"
                    R"( "properties": {"city": {"type": "string"}}})");
  ASSERT_TRUE(tool.ok()) << tool.status();
  EXPECT_EQ(tool->name(), "get_weather");
  EXPECT_EQ(tool->description(), "Weather for a city: now");
  // Compact JSON.
  EXPECT_EQ(tool->parameters_json_schema(),
            R"({"properties":{"city":{"type":"string"}},"type":"object"})");
}

TEST(ToolFlagTest, ShortForms) {
  absl::StatusOr<v1::Tool> bare = ParseToolFlag("now");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->name(), "now");
  EXPECT_EQ(bare->description(), "");
  EXPECT_EQ(bare->parameters_json_schema(), "");
  absl::StatusOr<v1::Tool> described = ParseToolFlag("now:the time");
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->description(), "the time");
  absl::StatusOr<v1::Tool> schema_only =
      ParseToolFlag(R"(f:{"type":"object"})");
  ASSERT_TRUE(schema_only.ok());
  EXPECT_EQ(schema_only->description(), "");
  EXPECT_EQ(schema_only->parameters_json_schema(), R"({"type":"object"})");
}

TEST(ToolFlagTest, BadValuesNameTheFlag) {
  EXPECT_FALSE(ParseToolFlag("").ok());
  EXPECT_FALSE(ParseToolFlag(":desc").ok());
  absl::Status s = ParseToolFlag("f:d:{not json").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--tool"), std::string::npos) << s;
  // A schema must be an object.
  EXPECT_FALSE(ParseToolFlag("f:{}x").ok());
}

TEST(ToolsJsonTest, OpenAiAndFlatShapes) {
  absl::StatusOr<std::vector<v1::Tool>> tools = ParseToolsJson(R"([
    {"type": "function", "function": {"name": "a", "description": "A",
      "parameters": {"type": "object"}}},
    {"name": "b", "parameters": {"type": "object", "properties": {}}}
  ])");
  ASSERT_TRUE(tools.ok()) << tools.status();
  ASSERT_EQ(tools->size(), 2u);
  EXPECT_EQ((*tools)[0].name(), "a");
  EXPECT_EQ((*tools)[0].description(), "A");
  EXPECT_EQ((*tools)[0].parameters_json_schema(), R"({"type":"object"})");
  EXPECT_EQ((*tools)[1].name(), "b");
  EXPECT_FALSE(ParseToolsJson(R"({"name": "a"})").ok());
  EXPECT_FALSE(ParseToolsJson(R"([{"description": "no name"}])").ok());
  EXPECT_FALSE(ParseToolsJson(R"([{"name": "a", "parameters": 3}])").ok());
}

TEST(ToolChoiceTest, ModesAndNames) {
  EXPECT_EQ(ParseToolChoice("auto").mode(), v1::ToolChoice::MODE_AUTO);
  EXPECT_EQ(ParseToolChoice("none").mode(), v1::ToolChoice::MODE_NONE);
  EXPECT_EQ(ParseToolChoice("required").mode(), v1::ToolChoice::MODE_REQUIRED);
  v1::ToolChoice named = ParseToolChoice("get_weather");
  EXPECT_EQ(named.mode(), v1::ToolChoice::MODE_NAMED);
  EXPECT_EQ(named.name(), "get_weather");
}

TEST(ImageTest, MimeFromExtension) {
  EXPECT_EQ(ImageMimeType("a/cat.PNG"), "image/png");
  EXPECT_EQ(ImageMimeType("x.jpg"), "image/jpeg");
  EXPECT_EQ(ImageMimeType("x.jpeg"), "image/jpeg");
  EXPECT_EQ(ImageMimeType("x.webp"), "image/webp");
  EXPECT_EQ(ImageMimeType("x.gif"), "image/gif");
  EXPECT_EQ(ImageMimeType("x.bmp"), "");
  EXPECT_EQ(ImageMimeType("noext"), "");
}

TEST(ImageTest, FilesAreReadAsBytesAndUrlsPassThrough) {
  const std::string png("\x89PNG\r\n\x1a\n\0\0rest", 14);
  absl::StatusOr<v1::ImagePart> file = LoadImage(TempFile("cat.png", png));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->data(), png);
  EXPECT_EQ(file->mime_type(), "image/png");
  EXPECT_EQ(file->url(), "");
  absl::StatusOr<v1::ImagePart> url = LoadImage("https://example.com/a.png");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->url(), "https://example.com/a.png");
  EXPECT_EQ(url->data(), "");
  EXPECT_TRUE(LoadImage("data:image/png;base64,AAAA").ok());
  EXPECT_FALSE(LoadImage(TempFile("notes.txt", "x")).ok());
  EXPECT_FALSE(LoadImage("/nonexistent/cat.png").ok());
}

TEST(ImageTest, SizeIsBounded) {
  const std::string path = TempFile("big.png", std::string(200, 'x'));
  EXPECT_TRUE(ReadBoundedFile("image", path, 200).ok());
  absl::Status s = ReadBoundedFile("image", path, 199).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("larger than 199 bytes"), std::string::npos) << s;
}

TEST(MessagesJsonTest, ProtoJsonTurns) {
  absl::StatusOr<std::vector<v1::ChatMessage>> turns = ParseMessagesJson(R"([
    {"role": "ROLE_USER", "content": "Weather in Paris?"},
    {"role": "ROLE_ASSISTANT", "toolCalls": [{"id": "call_1",
      "name": "get_weather", "argumentsJson": "{\"city\":\"Paris\"}"}]},
    {"role": "ROLE_TOOL", "toolCallId": "call_1", "content": "18C"}
  ])");
  ASSERT_TRUE(turns.ok()) << turns.status();
  ASSERT_EQ(turns->size(), 3u);
  EXPECT_EQ((*turns)[1].tool_calls(0).name(), "get_weather");
  EXPECT_EQ((*turns)[2].role(), v1::ROLE_TOOL);
  EXPECT_EQ((*turns)[2].tool_call_id(), "call_1");
  EXPECT_FALSE(ParseMessagesJson(R"({"role": "ROLE_USER"})").ok());
  EXPECT_FALSE(ParseMessagesJson(R"([{"rol": 1}])").ok());
}

TEST(OutputTest, ToolCallLinesAndUsageDetail) {
  v1::GenerateResponse r;
  v1::ToolCall* call = r.add_tool_calls();
  call->set_id("call_1");
  call->set_name("get_weather");
  call->set_arguments_json(R"({"city":"Paris"})");
  r.add_tool_calls()->set_name("now");
  EXPECT_EQ(ToolCallLines(r.tool_calls()),
            "tool_call call_1 get_weather {\"city\":\"Paris\"}\n"
            "tool_call  now {}\n");
  v1::Usage usage;
  usage.set_input_tokens(1200);
  usage.set_cached_input_tokens(1000);
  usage.set_cache_write_input_tokens(100);
  usage.set_output_tokens(80);
  usage.set_reasoning_tokens(64);
  EXPECT_EQ(
      SummaryLine("openai", "o3", v1::FINISH_REASON_STOP, usage, 5, 7, 1, ""),
      "openai/o3 | finish stop | tokens 1200 in (1000 cached, 100 cache "
      "write) / 80 out (64 reasoning) | cost $0.000000005 | 7 ms | 1 "
      "attempt");
}

}  // namespace
}  // namespace llmgw::cli
