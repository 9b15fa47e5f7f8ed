#include "providers/openai_compatible/openai_common_shape.h"

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/openai_compatible/openai_compatible_codec.h"
#include "providers/openai_compatible/openai_response.h"
#include "providers/openai_compatible/openai_stream_decoder.h"

namespace llmgw::openai_compat {
namespace {

using nlohmann::json;

// The full path: nlohmann::json's DOM for every reply and chunk.
ProviderOutcome FullPathReply(const http::HttpResponse& response) {
  OpenAiCompatibleOptions options;
  options.read_common_shapes = false;
  return OpenAiCompatibleCodec(options).ParseReply(response);
}

// Everything a caller can see of an outcome, as text to compare.
std::string Describe(const ProviderOutcome& o) {
  std::string out;
  if (o.error) {
    absl::StrAppend(&out, "error ", static_cast<int>(o.error->error_class), " ",
                    o.error->http_status, " ", o.error->message, "\n");
  }
  const ProviderReply& r = o.reply;
  absl::StrAppend(&out, "text[", r.text, "] finish ",
                  static_cast<int>(r.finish_reason), " model[", r.model,
                  "] refusal[", r.refusal, "] block[", r.block_reason, "]");
  absl::StrAppend(&out, " usage ", r.usage.reported, " ", r.usage.input_tokens,
                  " ", r.usage.output_tokens, " ", r.usage.cached_input_tokens,
                  " ", r.usage.cache_write_input_tokens, " ",
                  r.usage.reasoning_tokens, " tools ", r.tool_calls.size());
  for (const ToolCall& call : r.tool_calls) {
    absl::StrAppend(&out, " [", call.id, "|", call.name, "|",
                    call.arguments_json, "]");
  }
  return out;
}

std::string Describe(const StreamUpdate& u) {
  std::string out =
      absl::StrCat("delta[", u.delta, "] refusal[", u.refusal_delta, "] done ",
                   u.done, " tool deltas ", u.tool_call_deltas.size());
  if (u.error) {
    absl::StrAppend(&out, " error ", static_cast<int>(u.error->error_class),
                    " ", u.error->message);
  }
  return out;
}

const char kReply[] = R"({
  "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
  "object": "chat.completion", "created": 1741570283,
  "model": "gpt-4o-2024-08-06",
  "choices": [{"index": 0,
    "message": {"role": "assistant", "content": "Caf\u00e9 \"quoted\"\n",
                "refusal": null, "annotations": []},
    "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 1117, "completion_tokens": 46,
    "total_tokens": 1163,
    "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 12, "audio_tokens": 0,
      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
  "service_tier": "default", "system_fingerprint": "fp_fc9f1d7035"})";

const char kChunk[] = R"({"id":"chatcmpl-123","object":"chat.completion.chunk",
  "created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb",
  "choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},
  "logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x1"})";

TEST(OpenAiCommonShapeTest, ReadsThePublishedReplyShape) {
  std::optional<CommonChatFields> fields = ReadCommonChatReply(kReply);
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(fields->text, "Caf\xC3\xA9 \"quoted\"\n");
  EXPECT_EQ(fields->model, "gpt-4o-2024-08-06");
  EXPECT_EQ(fields->finish_reason, FinishReason::kStop);
  ASSERT_TRUE(fields->usage.has_value());
  EXPECT_EQ(fields->usage->input_tokens, 1117);
  EXPECT_EQ(fields->usage->output_tokens, 46);
  EXPECT_EQ(fields->usage->cached_input_tokens, 1024);
  EXPECT_EQ(fields->usage->reasoning_tokens, 12);
  EXPECT_TRUE(fields->usage->reported);
  http::HttpResponse response{200, {}, kReply};
  EXPECT_EQ(Describe(OpenAiCompatibleCodec().ParseReply(response)),
            Describe(FullPathReply(response)));
}

TEST(OpenAiCommonShapeTest, ReadsThePublishedChunkShapes) {
  std::optional<CommonChatFields> fields = ReadCommonChatChunk(kChunk);
  ASSERT_TRUE(fields.has_value());
  EXPECT_TRUE(fields->has_choice);
  EXPECT_EQ(fields->text, "Hello");
  EXPECT_FALSE(fields->usage.has_value());
  // OpenAI's usage chunk (stream_options.include_usage): no choice.
  fields = ReadCommonChatChunk(
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m",
          "choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,
          "total_tokens":21}})");
  ASSERT_TRUE(fields.has_value());
  EXPECT_FALSE(fields->has_choice);
  ASSERT_TRUE(fields->usage.has_value());
  EXPECT_EQ(fields->usage->output_tokens, 12);
}

// Every reply and chunk read is counted by the reader that read it
// (llmgw_upstream_json_documents_total); keep-alives and [DONE] are not.
TEST(OpenAiCommonShapeTest, CountsDocumentsByReader) {
  const OpenAiCompatibleCodec codec;
  const CommonShapeReadCounts before = CommonShapeReads();
  (void)codec.ParseReply(http::HttpResponse{200, {}, kReply});
  (void)codec.ParseReply(
      http::HttpResponse{200, {}, R"({"error":{"message":"busy"}})"});
  std::unique_ptr<StreamDecoder> decoder = codec.NewStreamDecoder();
  for (const char* data : {kChunk, "", "[DONE]"}) {
    http::SseEvent event;
    event.data = data;
    (void)decoder->OnEvent(event);
  }
  const CommonShapeReadCounts after = CommonShapeReads();
  EXPECT_EQ(after.common - before.common, 2);
  EXPECT_EQ(after.full - before.full, 1);
  // The full-path-only codec of the differential tests counts nothing.
  (void)FullPathReply(http::HttpResponse{200, {}, kReply});
  EXPECT_EQ(CommonShapeReads().common, after.common);
  EXPECT_EQ(CommonShapeReads().full, after.full);
}

// Shapes left to the full path: each differs from the common shape in one
// way that the full path reads differently or reports.
TEST(OpenAiCommonShapeTest, LeavesOtherShapesToTheFullPath) {
  for (
      const char* body : {
          R"({"error":{"message":"overloaded","type":"server_error"}})",
          R"({"object":"error","message":"bad","type":"BadRequestError"})",
          R"({"detail":"Not Found"})",
          R"({"choices":[{"message":{"content":"a","tool_calls":[{"id":"t",
               "type":"function","function":{"name":"f","arguments":"{}"}}]}}]})",
          R"({"choices":[{"message":{"content":null,"refusal":"no"}}]})",
          R"({"choices":[{"message":{"content":[{"type":"text","text":"a"}]}}]})",
          R"({"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}}]})",
          R"({"choices":[]})",
          R"({"choices":[{"finish_reason":"stop"}]})",
          R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":1.5}})",
          R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":-1}})",
          R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_cache_hit_tokens":3}})",
          R"({"choices":[{"message":{"content":"a"}}],"x_groq":{"id":"r"}})",
          R"({"choices":[{"message":{"content":"a"}}],"model":"m","model":"n"})",
          R"({"choices":[{"message":{"content":"a","reasoning_content":"hm"}}]})",
          R"({"choices":[{"message":{"content":"a"},"logprobs":{"content":[]}}]})",
          "[1,2]",
          "not json",
          "{\"choices\":[{\"message\":{\"content\":\"a\xff\"}}]}",
      }) {
    EXPECT_FALSE(ReadCommonChatReply(body).has_value()) << body;
  }
  EXPECT_FALSE(
      ReadCommonChatReply(absl::StrCat(R"({"choices":[{"message":{"content":")",
                                       std::string(kMaxCommonShapeBytes, 'a'),
                                       "\"}}]}"))
          .has_value());
  EXPECT_FALSE(ReadCommonChatChunk(
                   R"({"choices":[{"delta":{"tool_calls":[{"index":0}]}}]})")
                   .has_value());
}

// Random variations of the published shapes, each read both ways: the
// caller sees the same outcome whichever path read it, and the common path
// takes most of the plain ones.
class Mutator {
 public:
  explicit Mutator(uint32_t seed) : rng_(seed) {}

  json Value() {
    switch (Pick(9)) {
      case 0:
        return nullptr;
      case 1:
        return static_cast<int64_t>(Pick(2000)) - 5;
      case 2:
        return 0.5 * Pick(10);
      case 3:
        return "stop";
      case 4:
        return "content_filter";
      case 5:
        return json::array();
      case 6:
        return json::object();
      case 7:
        return "t\u00e9xt \"q\" \\ \n";
      default:
        return json::array({{{"type", "text"}, {"text", "part"}}});
    }
  }

  // Changes, removes or adds one member somewhere in `doc`.
  void Mutate(json& doc) {
    json* at = &doc;
    for (int depth = 0; depth < 4 && (at->is_object() || at->is_array()) &&
                        !at->empty() && Pick(3) != 0;
         ++depth) {
      auto it = at->begin();
      std::advance(it, Pick(static_cast<uint32_t>(at->size())));
      at = &*it;
    }
    if (at->is_object()) {
      static const char* kKeys[] = {"content",
                                    "usage",
                                    "model",
                                    "index",
                                    "finish_reason",
                                    "role",
                                    "refusal",
                                    "tool_calls",
                                    "error",
                                    "cached_tokens",
                                    "choices",
                                    "prompt_tokens",
                                    "completion_tokens",
                                    "reasoning_tokens",
                                    "detail",
                                    "object",
                                    "delta",
                                    "message",
                                    "logprobs",
                                    "annotations",
                                    "x_groq"};
      const std::string key = kKeys[Pick(std::size(kKeys))];
      if (Pick(3) == 0) {
        at->erase(key);
      } else {
        (*at)[key] = Value();
      }
    } else if (at->is_array() && Pick(2) == 0) {
      at->push_back(Pick(2) == 0 ? Value() : json(doc));
    } else {
      *at = Value();
    }
  }

  uint32_t Pick(uint32_t n) { return rng_() % n; }

 private:
  std::mt19937 rng_;
};

TEST(OpenAiCommonShapeTest, RepliesReadTheSameEitherWay) {
  Mutator mutator(1204);
  const OpenAiCompatibleCodec codec;
  int common = 0;
  for (int round = 0; round < 4000; ++round) {
    json doc = json::parse(kReply);
    const int mutations = static_cast<int>(mutator.Pick(4));
    for (int i = 0; i < mutations; ++i) mutator.Mutate(doc);
    http::HttpResponse response{200, {}, doc.dump()};
    if (ReadCommonChatReply(response.body)) ++common;
    ASSERT_EQ(Describe(codec.ParseReply(response)),
              Describe(FullPathReply(response)))
        << response.body;
  }
  EXPECT_GT(common, 1000);
  EXPECT_LT(common, 4000);
}

TEST(OpenAiCommonShapeTest, StreamsDecodeTheSameEitherWay) {
  Mutator mutator(20261204);
  int common = 0;
  for (int round = 0; round < 800; ++round) {
    OpenAiStreamDecoder fast, full(/*read_common_shapes=*/false);
    for (int event = 0; event < 6; ++event) {
      json doc = json::parse(kChunk);
      const int mutations = static_cast<int>(mutator.Pick(3));
      for (int i = 0; i < mutations; ++i) mutator.Mutate(doc);
      http::SseEvent sse;
      sse.data = doc.dump();
      if (mutator.Pick(20) == 0) sse.data = "[DONE]";
      if (ReadCommonChatChunk(sse.data)) ++common;
      ASSERT_EQ(Describe(fast.OnEvent(sse)), Describe(full.OnEvent(sse)))
          << sse.data;
      ProviderOutcome a, b;
      a.reply = fast.Summary();
      b.reply = full.Summary();
      ASSERT_EQ(Describe(a), Describe(b)) << sse.data;
    }
  }
  EXPECT_GT(common, 1000);
}

// Text-level variations nlohmann::json cannot produce: duplicate keys,
// truncation, stray bytes, whitespace.
TEST(OpenAiCommonShapeTest, RawTextVariationsReadTheSameEitherWay) {
  const OpenAiCompatibleCodec codec;
  std::mt19937 rng(7);
  const std::string base = json::parse(kReply).dump();
  std::vector<std::string> bodies = {
      absl::StrCat(base.substr(0, base.size() - 1), R"(,"model":"dup"})"),
      absl::StrCat("  \n", base, " \t"),
      "\xEF\xBB\xBF" + base,
  };
  for (int i = 0; i < 2000; ++i) {
    std::string body = base;
    switch (rng() % 3) {
      case 0:
        body.resize(rng() % body.size());
        break;
      case 1:
        body[rng() % body.size()] = static_cast<char>(rng() % 256);
        break;
      default:
        body.insert(rng() % body.size(), 1, " {}[],:\"\\0"[rng() % 11]);
    }
    bodies.push_back(body);
  }
  for (const std::string& body : bodies) {
    http::HttpResponse response{200, {}, body};
    ASSERT_EQ(Describe(codec.ParseReply(response)),
              Describe(FullPathReply(response)))
        << body;
  }
}

}  // namespace
}  // namespace llmgw::openai_compat
