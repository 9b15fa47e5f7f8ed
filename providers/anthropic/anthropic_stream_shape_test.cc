// The plain text delta read without a DOM gives what the full path gives.
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "http/sse_parser.h"
#include "providers/anthropic/anthropic_stream.h"

namespace llmgw {
namespace {

using nlohmann::json;

std::string Describe(const StreamUpdate& u) {
  std::string out = absl::StrCat("delta[", u.delta, "] refusal[",
                                 u.refusal_delta, "] done ", u.done);
  for (const ToolCallDelta& d : u.tool_call_deltas) {
    absl::StrAppend(&out, " tool ", d.index, "|", d.id, "|", d.name, "|",
                    d.arguments_json_delta);
  }
  if (u.error) absl::StrAppend(&out, " error ", u.error->message);
  return out;
}

std::string Describe(const ProviderReply& r) {
  std::string out =
      absl::StrCat("finish ", static_cast<int>(r.finish_reason), " model[",
                   r.model, "] refusal[", r.refusal, "] block[", r.block_reason,
                   "] usage ", r.usage.input_tokens, "/", r.usage.output_tokens,
                   "/", r.usage.cached_input_tokens, "/",
                   r.usage.cache_write_input_tokens, "/", r.usage.reported);
  for (const ToolCall& c : r.tool_calls) {
    absl::StrAppend(&out, " [", c.id, "|", c.name, "|", c.arguments_json, "]");
  }
  return out;
}

// Events of a published stream ("Streaming Messages"), text deltas first.
const std::vector<std::string>& Base() {
  static const std::vector<std::string> events = {
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"caf\u00e9 \"q\"\n"}})",
      R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}})",
      R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}})",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}})",
      R"({"type":"content_block_stop","index":1})",
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}})",
      R"({"type":"ping"})",
      R"({"type":"message_stop"})",
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
  };
  return events;
}

json Mutation(std::mt19937& rng) {
  switch (rng() % 8) {
    case 0:
      return nullptr;
    case 1:
      return 3;
    case 2:
      return -1;
    case 3:
      return 1.5;
    case 4:
      return "text_delta";
    case 5:
      return "content_block_delta";
    case 6:
      return json::object({{"type", "text_delta"}, {"text", "x"}});
    default:
      return "thinking_delta";
  }
}

TEST(AnthropicStreamShapeTest, ReadsThePlainTextDelta) {
  std::unique_ptr<StreamDecoder> decoder = NewAnthropicStreamDecoder();
  http::SseEvent event;
  event.event = "content_block_delta";
  event.data = Base()[1];
  EXPECT_EQ(decoder->OnEvent(event).delta, "caf\xC3\xA9 \"q\"\n");
}

// Random streams of published events, some mutated (a member changed,
// removed or added, a key duplicated, bytes cut), through both decoders:
// every update and the summary agree.
TEST(AnthropicStreamShapeTest, StreamsDecodeTheSameEitherWay) {
  std::mt19937 rng(20261204);
  int plain = 0;
  for (int round = 0; round < 1500; ++round) {
    std::unique_ptr<StreamDecoder> fast = NewAnthropicStreamDecoder();
    std::unique_ptr<StreamDecoder> full = NewAnthropicStreamDecoder(false);
    for (int i = 0; i < 8; ++i) {
      const std::vector<std::string>& base = Base();
      const size_t pick = rng() % 3 != 0 ? rng() % 2 : rng() % base.size();
      json doc = json::parse(base[pick]);
      std::string data;
      switch (rng() % 6) {
        case 0:
          doc["delta"][rng() % 2 ? "type" : "text"] = Mutation(rng);
          break;
        case 1:
          doc[rng() % 2 ? "index" : "extra"] = Mutation(rng);
          break;
        case 2:
          doc.erase(rng() % 2 ? "type" : "index");
          break;
        case 3:
          data = doc.dump();
          data.insert(data.size() - 1, R"(,"type":"ping")");
          break;
        case 4:
          data = doc.dump();
          data.resize(rng() % data.size());
          break;
        default:
          break;
      }
      if (data.empty()) data = doc.dump();
      http::SseEvent event;
      event.event = doc.value("type", "");
      event.data = data;
      if (pick < 2 && data == doc.dump() && doc == json::parse(base[pick])) {
        ++plain;
      }
      ASSERT_EQ(Describe(fast->OnEvent(event)), Describe(full->OnEvent(event)))
          << data;
      ASSERT_EQ(Describe(fast->Summary()), Describe(full->Summary())) << data;
    }
  }
  EXPECT_GT(plain, 1000);
}

// Found by fuzz/codec_fuzzer (codec_anthropic, differential stream mode): a
// text delta whose data line ends in \v, which is ASCII whitespace but not
// JSON whitespace. The plain-delta reader saw the event without it, the full
// path with it; both now read the stripped event.
std::string DecodeBody(std::unique_ptr<StreamDecoder> decoder,
                       const std::string& body) {
  std::string seen;
  http::SseParser parser(
      [&](const http::SseEvent& event) {
        seen += Describe(decoder->OnEvent(event)) + "\n";
      },
      1 << 16);
  (void)parser.Feed(body);
  (void)parser.Feed("\n\n");
  return seen + Describe(decoder->Summary());
}

TEST(AnthropicStreamShapeTest, FuzzFoundBodyDecodesTheSameEitherWay) {
  const std::string body =
      "event: message_start\n"
      "data: "
      "{\"type\":\"message_tarts\",\"message\":{\"id\":\"msg_1\",\"model\":"
      "\"claude\",\"usage\":{\"input_tokens\":5,\"output_tokens\":0}}}\n"
      "\n"
      "event: content_block_delta\n"
      "data: "
      "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"Hi\"}}\x0b"
      "\n"
      "event: message_delta\n"
      "datata\",\"delta\":{\"stop_0eason\":\"end_turn\"},\"usaens\":1}}\n"
      "\n"
      "event: messaretry-afterge_stop\n"
      "data: {\"type\":\"message_stop\"}\n"
      "\n";
  const std::string fast = DecodeBody(NewAnthropicStreamDecoder(), body);
  EXPECT_EQ(fast, DecodeBody(NewAnthropicStreamDecoder(false), body));
  EXPECT_TRUE(absl::StrContains(fast, "delta[Hi]")) << fast;
}

}  // namespace
}  // namespace llmgw
