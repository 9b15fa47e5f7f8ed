#include "front/openai_mapping.h"

#include "absl/strings/str_cat.h"
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
  // Found by fuzz/chat_request_fuzzer: a number beyond a double used to
  // escape as an uncaught exception and abort the process.
  ExpectRefused("4.444e4444", "body");
  ExpectRefused("{" + m + R"(,"temperature":1e99999})", "body");
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

RequestParser::State FeedAll(RequestParser& p, absl::string_view in) {
  p.Feed(in);
  return p.state();
}

TEST(RequestParser, FieldsAndPipelining) {
  RequestParser p(ParseLimits{64, 1024, 8, 100});
  const std::string two =
      "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\n"
      "Content-Length: 12\r\nX-Request-Id: abc\r\n\r\nhello world!"
      "GET /v1/models HTTP/1.0\r\n\r\n";
  // Byte by byte, as a slow client sends it.
  size_t used = 0;
  while (p.state() == RequestParser::State::kNeedMore && used < two.size()) {
    used += p.Feed(absl::string_view(two).substr(used, 1));
  }
  ASSERT_EQ(p.state(), RequestParser::State::kComplete);
  HttpRequest r = p.Take();
  EXPECT_EQ(r.head.method, "POST");
  EXPECT_EQ(r.head.path, "/v1/chat/completions");
  EXPECT_EQ(r.body, "hello world!");
  EXPECT_EQ(r.head.headers.at("x-request-id"), "abc");
  EXPECT_TRUE(r.head.keep_alive);
  used += p.Feed(absl::string_view(two).substr(used));
  ASSERT_EQ(p.state(), RequestParser::State::kComplete);
  EXPECT_EQ(used, two.size());
  r = p.Take();
  EXPECT_EQ(r.head.path, "/v1/models");
  EXPECT_TRUE(r.head.http10);
  EXPECT_FALSE(r.head.keep_alive);
  EXPECT_FALSE(p.started());
}

TEST(RequestParser, ChunkedBodyIsDechunked) {
  RequestParser p(ParseLimits{64, 1024, 8, 100});
  ASSERT_EQ(FeedAll(p,
                    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n"),
            RequestParser::State::kComplete);
  EXPECT_EQ(p.Take().body, "hello!");
}

int ErrorOf(const ParseLimits& limits, absl::string_view in) {
  RequestParser p(limits);
  if (FeedAll(p, in) != RequestParser::State::kError) return 0;
  EXPECT_FALSE(p.error_message().empty());
  return p.error_status();
}

TEST(RequestParser, EachBoundHasItsStatus) {
  const ParseLimits l{64, 1024, 8, 100};
  EXPECT_EQ(ErrorOf(l, "GET / HTTP/1.1\r\n"), 0);  // incomplete, not bad
  EXPECT_EQ(ErrorOf(l, "POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"), 413);
  EXPECT_EQ(ErrorOf(l,
                    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "65\r\n" +
                        std::string(101, 'x')),
            413);
  EXPECT_EQ(ErrorOf(l, "GET /" + std::string(100, 'a') + " HTTP/1.1\r\n"), 414);
  EXPECT_EQ(ErrorOf(l, "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a')), 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 9; ++i) many += absl::StrCat("h", i, ": v\r\n");
  EXPECT_EQ(ErrorOf(l, many), 431);
  EXPECT_EQ(ErrorOf(l, "garbage\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf(l,
                    "GET / HTTP/1.1\r\nContent-Length: 1\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"),
            400);  // request smuggling shape
  EXPECT_EQ(ErrorOf(l, "GET / HTTP/2.0\r\n\r\n"), 505);
}

}  // namespace
}  // namespace llmgw::front
