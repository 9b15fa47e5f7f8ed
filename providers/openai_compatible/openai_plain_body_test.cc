#include "providers/openai_compatible/openai_plain_body.h"

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "providers/openai_compatible/openai_dialect.h"

namespace llmgw::openai_compat {
namespace {

TEST(OpenAiPlainBodyTest, WritesThePlainRequestInKeyOrder) {
  ProviderRequest request;
  request.model = "gpt-4o-mini";
  request.messages = {{MessageRole::kSystem, "Be brief."},
                      {MessageRole::kUser, "Say \"hi\"\n"}};
  request.max_tokens = 64;
  request.temperature = 0.7f;
  request.stop = {"END"};
  ChatDialect dialect;
  dialect.max_tokens_field = "max_completion_tokens";
  dialect.stream_usage = true;
  std::optional<std::string> body = PlainChatBody(dialect, request, true);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body,
            R"({"max_completion_tokens":64,"messages":[{"content":"Be brief.",)"
            R"("role":"system"},{"content":"Say \"hi\"\n","role":"user"}],)"
            R"("model":"gpt-4o-mini","stop":["END"],"stream":true,)"
            R"("stream_options":{"include_usage":true},"temperature":0.7})");
}

TEST(OpenAiPlainBodyTest, LeavesRichRequestsToTheDomPath) {
  ProviderRequest base;
  base.model = "m";
  base.messages = {{MessageRole::kUser, "hi"}};
  ASSERT_TRUE(PlainChatBody(ChatDialect(), base, false).has_value());
  auto rich = [&](auto change) {
    ProviderRequest request = base;
    change(request);
    return PlainChatBody(ChatDialect(), request, false).has_value();
  };
  EXPECT_FALSE(rich([](ProviderRequest& r) { r.seed = 1; }));
  EXPECT_FALSE(rich([](ProviderRequest& r) { r.presence_penalty = 0.5f; }));
  EXPECT_FALSE(rich([](ProviderRequest& r) { r.end_user_id = "u"; }));
  EXPECT_FALSE(rich([](ProviderRequest& r) {
    r.tools.push_back(ToolDefinition{"f", "", ""});
  }));
  EXPECT_FALSE(rich([](ProviderRequest& r) {
    r.tool_choice.mode = ToolChoice::Mode::kNone;
  }));
  EXPECT_FALSE(rich([](ProviderRequest& r) {
    r.response_format.type = ResponseFormat::Type::kJsonObject;
  }));
  EXPECT_FALSE(rich([](ProviderRequest& r) {
    r.messages.push_back({MessageRole::kTool, "42"});
  }));
  EXPECT_FALSE(rich([](ProviderRequest& r) { r.model = "bad \xff byte"; }));
}

// Random requests, plain and not: the body is byte for byte the DOM path's.
TEST(OpenAiPlainBodyTest, RandomRequestsGiveTheDomPathsBytes) {
  std::mt19937 rng(1204);
  auto pick = [&rng](uint32_t n) { return rng() % n; };
  static const char* kTexts[] = {
      "",
      "hello",
      "Caf\xC3\xA9 \xF0\x9F\x98\x80",
      "q\"b\\s\n\t\x01\x7f",
      "\xEF\xBF\xBD literal replacement char",
      "bad \xC3 byte",
      "</script> & <b>",
      "a longer message, to be sure that long text is copied the same way "
      "as short text is, with nothing lost or added at either end of it"};
  static const float kNumbers[] = {0.0f, 0.7f,     1.0f, 0.1f,
                                   1.9f, 0.33333f, 2.0f, 1e-7f};
  int plain = 0;
  for (int round = 0; round < 5000; ++round) {
    ProviderRequest request;
    request.model = kTexts[pick(std::size(kTexts))];
    if (request.model.empty()) request.model = "gpt-4o-mini";
    const int messages = 1 + static_cast<int>(pick(4));
    for (int i = 0; i < messages; ++i) {
      Message message;
      message.role = static_cast<MessageRole>(pick(pick(10) == 0 ? 4 : 3));
      message.content = kTexts[pick(std::size(kTexts))];
      if (message.role == MessageRole::kTool) message.tool_call_id = "call_1";
      request.messages.push_back(message);
    }
    if (pick(2)) request.max_tokens = static_cast<int32_t>(pick(100000));
    if (pick(2)) request.temperature = kNumbers[pick(std::size(kNumbers))];
    if (pick(2)) request.top_p = kNumbers[pick(std::size(kNumbers))];
    for (uint32_t i = pick(3); i > 0; --i) {
      request.stop.push_back(kTexts[pick(std::size(kTexts))]);
    }
    if (pick(8) == 0) request.seed = 7;
    ChatDialect dialect;
    dialect.max_tokens_field = pick(2) ? "max_tokens" : "max_completion_tokens";
    dialect.stream_usage = pick(2);
    if (pick(4) == 0) dialect.sampling = [](float v) { return v * 0.5; };
    const bool stream = pick(2);
    if (PlainChatBody(dialect, request, stream)) ++plain;
    absl::StatusOr<std::string> direct =
        ChatBodyText(dialect, request, stream, /*plain_writer=*/true);
    absl::StatusOr<std::string> dom =
        ChatBodyText(dialect, request, stream, /*plain_writer=*/false);
    ASSERT_EQ(direct.ok(), dom.ok());
    if (!dom.ok()) continue;
    ASSERT_EQ(*direct, *dom);
    ASSERT_FALSE(nlohmann::json::parse(*direct, nullptr, false).is_discarded());
  }
  EXPECT_GT(plain, 1000);
  EXPECT_LT(plain, 5000);
}

}  // namespace
}  // namespace llmgw::openai_compat
