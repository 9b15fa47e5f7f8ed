#include "service/proto_convert_content.h"

#include <vector>

#include "gtest/gtest.h"

namespace llmgw {
namespace {

Message Assistant(std::vector<ToolCall> calls) {
  Message m;
  m.role = MessageRole::kAssistant;
  m.tool_calls = std::move(calls);
  return m;
}

Message ToolResult(const std::string& id, const std::string& name = "") {
  Message m;
  m.role = MessageRole::kTool;
  m.tool_call_id = id;
  m.tool_name = name;
  m.content = "42";
  return m;
}

TEST(ResolveToolNamesTest, FillsTheNameFromTheLatestEarlierCallWithTheId) {
  std::vector<Message> messages = {
      {MessageRole::kUser, "hi"},
      Assistant({{"c1", "old_name", "{}"}}),
      ToolResult("c1"),
      Assistant({{"c1", "new_name", "{}"}, {"c2", "other", "{}"}}),
      ToolResult("c2"),
      ToolResult("c1"),
      ToolResult("c2", "explicit"),
  };
  ASSERT_TRUE(ResolveToolNames(messages).ok());
  EXPECT_EQ(messages[2].tool_name, "old_name");
  EXPECT_EQ(messages[4].tool_name, "other");
  EXPECT_EQ(messages[5].tool_name, "new_name");
  EXPECT_EQ(messages[6].tool_name, "explicit");
}

TEST(ResolveToolNamesTest, AResultBeforeItsCallIsRefused) {
  std::vector<Message> messages = {
      {MessageRole::kUser, "hi"},
      ToolResult("c1"),
      Assistant({{"c1", "get_weather", "{}"}}),
  };
  absl::Status s = ResolveToolNames(messages);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("messages[1].tool_call_id"), std::string::npos)
      << s.message();
}

TEST(IsToolNameTest, Pattern) {
  EXPECT_TRUE(IsToolName("get_weather-2"));
  EXPECT_TRUE(IsToolName(std::string(64, 'a')));
  EXPECT_FALSE(IsToolName(std::string(65, 'a')));
  EXPECT_FALSE(IsToolName(""));
  EXPECT_FALSE(IsToolName("get weather"));
  EXPECT_FALSE(IsToolName("wetter.heute"));
  EXPECT_FALSE(IsToolName("caf\xc3\xa9"));
}

}  // namespace
}  // namespace llmgw
