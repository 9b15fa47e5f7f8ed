#include "front/openai_mapping.h"

#include "front/http_parse.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace llmgw::front {
namespace {

using nlohmann::json;

absl::StatusOr<ChatRequest> Parse(const std::string& body) {
  return ParseChatRequest(body, "", "rid", absl::Now());
}

TEST(ParseChatRequest, MapsFields) {
  auto r = Parse(R"({"model":"openai/gpt-4o-mini","messages":[
      {"role":"system","content":"be brief"},
      {"role":"user","content":[{"type":"text","text":"hi "},{"type":"text","text":"there"}]}],
      "max_completion_tokens":7,"temperature":0.5,"top_p":0.9,"stop":["x","y"],
      "n":1,"user":"team-a","stream":true,"stream_options":{"include_usage":true},
      "metadata":{"k":"v"},"logprobs":false,"tools":null})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->input.request.model, "openai/gpt-4o-mini");
  ASSERT_EQ(r->input.request.messages.size(), 2u);
  EXPECT_EQ(r->input.request.messages[0].role, MessageRole::kSystem);
  EXPECT_EQ(r->input.request.messages[1].content, "hi there");
  EXPECT_EQ(r->input.request.max_tokens, 7);
  EXPECT_FLOAT_EQ(*r->input.request.temperature, 0.5f);
  EXPECT_EQ(r->input.request.stop.size(), 2u);
  EXPECT_EQ(r->input.client_id, "team-a");
  EXPECT_TRUE(r->input.stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->input.request.request_id, "rid");
}

void ExpectRefused(const std::string& body, const std::string& field) {
  auto r = Parse(body);
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status();
  const HttpError e = ToHttpError(r.status());
  EXPECT_EQ(e.status, 400);
  json j = json::parse(e.body);
  EXPECT_EQ(j["error"]["param"], field);
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
}

TEST(ParseChatRequest, RefusesWhatItCannotHonour) {
  const std::string m =
      R"("model":"m","messages":[{"role":"user","content":"x"}])";
  ExpectRefused("{" + m + R"(,"tools":[{"type":"function"}]})", "tools");
  ExpectRefused("{" + m + R"(,"response_format":{"type":"json_object"}})",
                "response_format");
  ExpectRefused("{" + m + R"(,"n":2})", "n");
  ExpectRefused("{" + m + R"(,"logprobs":true})", "logprobs");
  ExpectRefused("{" + m + R"(,"frobnicate":1})", "frobnicate");
  ExpectRefused("{" + m + R"(,"stream_options":{"x":true},"stream":true})",
                "stream_options.x");
  ExpectRefused(R"({"messages":[{"role":"user","content":"x"}]})", "model");
  ExpectRefused(R"({"model":"m","messages":[]})", "messages");
  ExpectRefused(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})",
                "messages[0].role");
  ExpectRefused(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})",
      "messages[0].content[0]");
  ExpectRefused("not json", "body");
  ExpectRefused(std::string(100, '[') + std::string(100, ']'), "body");
  ExpectRefused("{" + m + R"(,"temperature":7})", "temperature");
}

TEST(ToHttpError, MapsCodesAndPayloads) {
  absl::Status s = absl::ResourceExhaustedError("budget spent");
  s.SetPayload("llmgw/reason", absl::Cord("BUDGET_EXHAUSTED"));
  s.SetPayload("llmgw/retry_after_ms", absl::Cord("1500"));
  HttpError e = ToHttpError(s);
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.retry_after_seconds, 2);
  json j = json::parse(e.body);
  EXPECT_EQ(j["error"]["code"], "budget_exhausted");
  EXPECT_EQ(j["error"]["message"], "budget spent");
  EXPECT_EQ(ToHttpError(absl::UnauthenticatedError("k")).status, 401);
  EXPECT_EQ(ToHttpError(absl::NotFoundError("m")).status, 404);
  EXPECT_EQ(ToHttpError(absl::UnavailableError("u")).status, 503);
  EXPECT_EQ(ToHttpError(absl::DeadlineExceededError("d")).status, 504);
  EXPECT_EQ(ToHttpError(absl::InternalError("i")).status, 500);
  EXPECT_EQ(ToHttpError(absl::InternalError("i")).retry_after_seconds, -1);
}

TEST(ChunkEvent, OpenAiChunkShape) {
  const std::string ev = ChunkEvent("id1", "m", 5, true, "he", "");
  ASSERT_EQ(ev.rfind("data: ", 0), 0u);
  ASSERT_EQ(ev.substr(ev.size() - 2), "\n\n");
  json j = json::parse(ev.substr(6));
  EXPECT_EQ(j["object"], "chat.completion.chunk");
  EXPECT_EQ(j["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["delta"]["content"], "he");
  EXPECT_TRUE(j["choices"][0]["finish_reason"].is_null());
}

TEST(ParseRequestHead, BoundsAndFields) {
  auto h = ParseRequestHead(
      "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\n"
      "Content-Length: 12\r\nX-Request-Id: abc\r\n\r\n",
      1024, 8, 100);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->path, "/v1/chat/completions");
  EXPECT_EQ(h->content_length, 12u);
  EXPECT_EQ(h->headers.at("x-request-id"), "abc");
  EXPECT_TRUE(absl::IsNotFound(
      ParseRequestHead("GET / HTTP/1.1\r\n", 1024, 8, 100).status()));
  EXPECT_TRUE(absl::IsResourceExhausted(
      ParseRequestHead(std::string(2000, 'a'), 1024, 8, 100).status()));
  EXPECT_TRUE(absl::IsResourceExhausted(
      ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 1024,
                       8, 100)
          .status()));
  EXPECT_FALSE(ParseRequestHead("garbage\r\n\r\n", 1024, 8, 100).ok());
  EXPECT_FALSE(
      ParseRequestHead("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                       1024, 8, 100)
          .ok());
}

}  // namespace
}  // namespace llmgw::front
