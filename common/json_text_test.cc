#include "common/json_text.h"

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

std::string Quoted(absl::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(JsonTextTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("plain gpt-4o-mini"), "\"plain gpt-4o-mini\"");
  EXPECT_EQ(Quoted(""), "\"\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("l1\nl2\tx\r\b\f"), "\"l1\\nl2\\tx\\r\\b\\f\"");
  EXPECT_EQ(Quoted(std::string("\x01\x1f\0", 3)), "\"\\u0001\\u001f\\u0000\"");
}

TEST(JsonTextTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  // A lone continuation byte, a truncated sequence, an overlong '/', a
  // UTF-16 surrogate and a code point above U+10FFFF.
  EXPECT_EQ(Quoted("a\x80z"), "\"a\xEF\xBF\xBDz\"");
  EXPECT_EQ(Quoted("a\xE2\x82"), "\"a\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80").size(), 2u + 4 * 3);
}

// Whatever the bytes, the output parses, and it reads back as the input
// whenever the input is valid UTF-8 (nlohmann::json judges validity: its
// strict dump throws on invalid UTF-8).
TEST(JsonTextTest, RandomBytesAlwaysParseAndValidTextRoundTrips) {
  std::mt19937 rng(20261204);
  static constexpr char kAlphabet[] =
      "ab\"\\\n\x01\x7f\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x80"
      "\xC0\xED\xA0\xF4\x90\xFF";
  const std::string alphabet(kAlphabet, sizeof(kAlphabet) - 1);
  int valid_inputs = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    const int length = static_cast<int>(rng() % 12);
    for (int i = 0; i < length; ++i) input += alphabet[rng() % alphabet.size()];
    std::string quoted;
    const bool reported_valid = AppendJsonString(quoted, input);
    nlohmann::json parsed = nlohmann::json::parse(quoted, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << quoted;
    ASSERT_TRUE(parsed.is_string());
    bool valid = true;
    try {
      (void)nlohmann::json(input).dump();
    } catch (const nlohmann::json::type_error&) {
      valid = false;
    }
    EXPECT_EQ(reported_valid, valid) << quoted;
    if (valid) {
      ++valid_inputs;
      EXPECT_EQ(parsed.get<std::string>(), input);
      EXPECT_EQ(quoted, nlohmann::json(input).dump());
    }
  }
  EXPECT_GT(valid_inputs, 1000);
}

TEST(JsonTextTest, UtcTimestampWithMilliseconds) {
  std::string out;
  const int64_t t = absl::ToUnixMillis(absl::FromCivil(
      absl::CivilSecond(2026, 12, 4, 18, 52, 7), absl::UTCTimeZone()));
  AppendUtcTimestamp(out, t + 5);
  EXPECT_EQ(out, "2026-12-04T18:52:07.005Z");
  out.clear();
  AppendUtcTimestamp(out, t + 999);   // same second, from the cache
  AppendUtcTimestamp(out, t + 1000);  // the next one
  EXPECT_EQ(out, "2026-12-04T18:52:07.999Z2026-12-04T18:52:08.000Z");
  out.clear();
  AppendUtcTimestamp(out, -1);
  EXPECT_EQ(out, "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace llmgw
