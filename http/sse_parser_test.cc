#include "http/sse_parser.h"

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace llmgw::http {
namespace {

class SseParserTest : public ::testing::Test {
 protected:
  SseParser MakeParser(size_t max_event_bytes = 4 << 20) {
    return SseParser([this](const SseEvent& e) { events_.push_back(e); },
                     max_event_bytes);
  }

  std::vector<SseEvent> events_;
};

TEST_F(SseParserTest, SingleEvent) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser.Feed("data: hello\n\n").ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].data, "hello");
  EXPECT_EQ(events_[0].event, "");
  EXPECT_EQ(events_[0].id, "");
  EXPECT_FALSE(parser.HasPartialEvent());
}

TEST_F(SseParserTest, ByteByByteMatchesWholeFeed) {
  const std::string stream =
      ": keep-alive\r\n"
      "event: message_start\r\n"
      "data: {\"a\":1}\r\n"
      "\r\n"
      "data:first\n"
      "data:  second\n"
      "\n"
      "id: 7\r"
      "data: x\r"
      "\r"
      "data: [DONE]\n\n";
  SseParser parser = MakeParser();
  for (char c : stream) {
    ASSERT_TRUE(parser.Feed(absl::string_view(&c, 1)).ok());
  }
  ASSERT_EQ(events_.size(), 4u);
  EXPECT_EQ(events_[0].event, "message_start");
  EXPECT_EQ(events_[0].data, "{\"a\":1}");
  EXPECT_EQ(events_[1].event, "");
  // Only one leading space is stripped.
  EXPECT_EQ(events_[1].data, "first\n second");
  EXPECT_EQ(events_[2].id, "7");
  EXPECT_EQ(events_[2].data, "x");
  EXPECT_EQ(events_[3].data, "[DONE]");
  EXPECT_FALSE(parser.HasPartialEvent());

  std::vector<SseEvent> byte_events = std::move(events_);
  events_.clear();
  SseParser whole = MakeParser();
  ASSERT_TRUE(whole.Feed(stream).ok());
  ASSERT_EQ(events_.size(), byte_events.size());
  for (size_t i = 0; i < events_.size(); ++i) {
    EXPECT_EQ(events_[i].data, byte_events[i].data);
    EXPECT_EQ(events_[i].event, byte_events[i].event);
    EXPECT_EQ(events_[i].id, byte_events[i].id);
  }
}

TEST_F(SseParserTest, CrLfSplitAcrossChunksIsOneLineEnd) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser.Feed("data: a\r").ok());
  // If the LF were a second line end, this would be a blank line and
  // dispatch "a" on its own.
  ASSERT_TRUE(parser.Feed("\ndata: b\r").ok());
  EXPECT_TRUE(events_.empty());
  ASSERT_TRUE(parser.Feed("\n\r").ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].data, "a\nb");
  ASSERT_TRUE(parser.Feed("\n").ok());  // LF of the final CRLF: no effect.
  EXPECT_EQ(events_.size(), 1u);
  EXPECT_FALSE(parser.HasPartialEvent());
}

TEST_F(SseParserTest, LoneCrAndLfMixed) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser.Feed("data: 1\r\rdata: 2\n\ndata: 3\r\n\r\n").ok());
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].data, "1");
  EXPECT_EQ(events_[1].data, "2");
  EXPECT_EQ(events_[2].data, "3");
}

TEST_F(SseParserTest, CommentsAreIgnored) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser.Feed(": ping\n\n:another\ndata: x\n: mid\n\n").ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].data, "x");
  ASSERT_TRUE(parser.Feed(": trailing comment\n").ok());
  EXPECT_FALSE(parser.HasPartialEvent());
}

TEST_F(SseParserTest, EventWithoutDataIsNotDispatchedAndResetsType) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser.Feed("event: ping\n\ndata: after\n\n").ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].event, "");
  EXPECT_EQ(events_[0].data, "after");
}

TEST_F(SseParserTest, EmptyDataLineDispatchesEmptyData) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser.Feed("data\n\ndata:\ndata:\n\n").ok());
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].data, "");
  EXPECT_EQ(events_[1].data, "\n");
}

TEST_F(SseParserTest, FieldsAndUnknownFields) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser
                  .Feed("retry: 1000\n"
                        "foo: bar\n"
                        "event:content_block_delta\n"
                        "data: {}\n"
                        "\n")
                  .ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].event, "content_block_delta");
  EXPECT_EQ(events_[0].data, "{}");
}

TEST_F(SseParserTest, LastEventIdPersists) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser.Feed("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n").ok());
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].id, "1");
  EXPECT_EQ(events_[1].id, "1");
  EXPECT_EQ(events_[2].id, "");
}

TEST_F(SseParserTest, OpenAiStyleStream) {
  SseParser parser = MakeParser();
  const std::string stream =
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n"
      "data: [DONE]\n\n";
  // Arbitrary chunk boundaries.
  ASSERT_TRUE(parser.Feed(stream.substr(0, 17)).ok());
  ASSERT_TRUE(parser.Feed(stream.substr(17, 40)).ok());
  ASSERT_TRUE(parser.Feed(stream.substr(57)).ok());
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].data,
            "{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}");
  EXPECT_EQ(events_[2].data, "[DONE]");
  EXPECT_FALSE(parser.HasPartialEvent());
}

TEST_F(SseParserTest, ByteOrderMarkAtStartIsIgnored) {
  SseParser parser = MakeParser();
  ASSERT_TRUE(parser.Feed("\xEF\xBB").ok());
  ASSERT_TRUE(parser
                  .Feed("\xBF"
                        "data: x\n\n")
                  .ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].data, "x");
}

TEST_F(SseParserTest, HasPartialEventAtEof) {
  SseParser parser = MakeParser();
  EXPECT_FALSE(parser.HasPartialEvent());
  ASSERT_TRUE(parser.Feed("data: {\"par").ok());
  EXPECT_TRUE(parser.HasPartialEvent());
  ASSERT_TRUE(parser.Feed("tial\"}\n").ok());
  // A complete line but no blank line yet: still an unfinished event.
  EXPECT_TRUE(parser.HasPartialEvent());
  ASSERT_TRUE(parser.Feed("\n").ok());
  EXPECT_FALSE(parser.HasPartialEvent());
  ASSERT_EQ(events_.size(), 1u);
}

TEST_F(SseParserTest, OversizeEventFailsAndStopsParsing) {
  SseParser parser = MakeParser(/*max_event_bytes=*/16);
  ASSERT_TRUE(parser.Feed("data: 0123456789\n\n").ok());
  ASSERT_EQ(events_.size(), 1u);
  // Grows across several lines of one event.
  ASSERT_TRUE(parser.Feed("data: 0123456789\n").ok());
  absl::Status status = parser.Feed("data: 0123456789\n\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(events_.size(), 1u);
  // Nothing more is parsed.
  EXPECT_FALSE(parser.Feed("data: ok\n\n").ok());
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(SseParserTest, OversizeUnterminatedLineFails) {
  SseParser parser = MakeParser(/*max_event_bytes=*/16);
  ASSERT_TRUE(parser.Feed("data: 01234").ok());
  EXPECT_FALSE(parser.Feed("5678901234567890").ok());
}

}  // namespace
}  // namespace llmgw::http
