#include "tests/fake_upstream/fake_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/behavior.h"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream {
namespace {

using nlohmann::json;

constexpr char kChatPath[] = "/v1/chat/completions";

std::string ChatBody(const std::string& user_text, bool stream = false,
                     json extra = json::object()) {
  json body = {{"model", "gpt-4o"},
               {"messages",
                {{{"role", "system"}, {"content", "be brief"}},
                 {{"role", "user"}, {"content", user_text}}}}};
  if (stream) body["stream"] = true;
  for (const auto& [k, v] : extra.items()) body[k] = v;
  return body.dump();
}

// The data payloads of an SSE body, in order.
std::vector<std::string> SseData(const std::string& body) {
  std::vector<std::string> out;
  for (absl::string_view event : absl::StrSplit(body, "\n\n")) {
    if (absl::StartsWith(event, "data: ")) {
      out.emplace_back(event.substr(6));
    }
  }
  return out;
}

// A bare TCP client, for watching exactly what the server sends and for
// walking away mid-response.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { Close(); }

  bool connected() const { return connected_; }

  void SendChat(const std::string& body, const std::string& key = "sk-test") {
    std::string req = absl::StrCat(
        "POST ", kChatPath, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        "Authorization: Bearer ", key, "\r\n",
        "Content-Type: application/json\r\nContent-Length: ", body.size(),
        "\r\n\r\n", body);
    ASSERT_EQ(send(fd_, req.data(), req.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(req.size()));
  }

  // Reads until `needle` shows up, the peer closes, or `timeout` passes.
  // `end` gets 0 for EOF, an errno for an error, -1 for a timeout or when
  // the needle was found.
  std::string ReadUntil(absl::string_view needle, absl::Duration timeout,
                        int* end = nullptr) {
    std::string data;
    const absl::Time deadline = absl::Now() + timeout;
    int how = -1;
    while (needle.empty() || !absl::StrContains(data, needle)) {
      int ms =
          static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
      if (ms <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, ms) <= 0) continue;
      char buf[4096];
      ssize_t r = recv(fd_, buf, sizeof(buf), 0);
      if (r > 0) {
        data.append(buf, static_cast<size_t>(r));
        continue;
      }
      how = r == 0 ? 0 : errno;
      break;
    }
    if (end != nullptr) *end = how;
    return data;
  }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class FakeUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", fake_.port());
    client_->set_read_timeout(5, 0);
  }

  httplib::Result Chat(const std::string& body,
                       const std::string& key = "sk-test") {
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    return client_->Post(kChatPath, headers, body, "application/json");
  }

  FakeUpstream fake_;
  std::unique_ptr<httplib::Client> client_;
};

TEST(WordsTest, SplitCountTruncate) {
  EXPECT_EQ(CountWords("Echo: hi  there\n"), 3);
  EXPECT_EQ(CountWords(""), 0);
  EXPECT_EQ(SplitDeltas("Echo: hi there"),
            (std::vector<std::string>{"Echo: ", "hi ", "there"}));
  EXPECT_EQ(SplitDeltas(" a  b\n"), (std::vector<std::string>{" a  ", "b\n"}));
  EXPECT_TRUE(SplitDeltas("").empty());
  EXPECT_EQ(FirstWords("Echo: hi there", 2), "Echo: hi");
  EXPECT_EQ(FirstWords("Echo: hi there", 9), "Echo: hi there");
  EXPECT_EQ(FirstWords("Echo: hi", 0), "");
}

TEST_F(FakeUpstreamTest, UrlsPointAtTheServer) {
  EXPECT_GT(fake_.port(), 0);
  EXPECT_EQ(fake_.url(), absl::StrCat("http://127.0.0.1:", fake_.port()));
  EXPECT_EQ(fake_.base_url(), fake_.url() + "/v1");
  EXPECT_EQ(fake_.formats(), std::vector<std::string>{"openai"});
}

TEST_F(FakeUpstreamTest, NonStreamReplyIsDeterministic) {
  auto res = Chat(ChatBody("hello there world"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_FALSE(res->get_header_value("x-request-id").empty());
  json j = json::parse(res->body);
  EXPECT_TRUE(absl::StartsWith(j["id"].get<std::string>(), "chatcmpl-"));
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_TRUE(j["created"].is_number_integer());
  EXPECT_EQ(j["model"], "gpt-4o");
  EXPECT_TRUE(
      absl::StartsWith(j["system_fingerprint"].get<std::string>(), "fp_"));
  ASSERT_EQ(j["choices"].size(), 1u);
  const json& choice = j["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["message"], json({{"role", "assistant"},
                                     {"content", "Echo: hello there world"},
                                     {"refusal", nullptr}}));
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_EQ(choice["finish_reason"], "stop");
  // "be brief" + "hello there world" = 5 words; the reply has 4.
  EXPECT_EQ(j["usage"], json({{"prompt_tokens", 5},
                              {"completion_tokens", 4},
                              {"total_tokens", 9}}));

  auto again = Chat(ChatBody("hello there world"));
  ASSERT_TRUE(again);
  json j2 = json::parse(again->body);
  EXPECT_EQ(j2["choices"], j["choices"]);
  EXPECT_EQ(j2["usage"], j["usage"]);
  EXPECT_NE(j2["id"], j["id"]);
}

TEST_F(FakeUpstreamTest, MaxTokensTruncatesWithLength) {
  auto res = Chat(ChatBody("one two three", false, {{"max_tokens", 2}}));
  ASSERT_TRUE(res);
  json j = json::parse(res->body);
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Echo: one");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 2);

  res = Chat(ChatBody("one two three", false,
                      {{"max_tokens", 1}, {"max_completion_tokens", 3}}));
  ASSERT_TRUE(res);
  j = json::parse(res->body);
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Echo: one two");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");

  res = Chat(ChatBody("one two three", false, {{"max_tokens", 4}}));
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["choices"][0]["finish_reason"], "stop");
}

TEST_F(FakeUpstreamTest, StreamEventsWithoutUsage) {
  auto res = Chat(ChatBody("a b c", /*stream=*/true));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  std::vector<std::string> data = SseData(res->body);
  // role chunk, 4 deltas, finish chunk, [DONE].
  ASSERT_EQ(data.size(), 7u) << res->body;
  EXPECT_EQ(data.back(), "[DONE]");
  json first = json::parse(data[0]);
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"],
            json({{"role", "assistant"}, {"content", ""}}));
  EXPECT_TRUE(first["choices"][0]["finish_reason"].is_null());
  std::vector<std::string> deltas;
  for (size_t i = 1; i <= 4; ++i) {
    json c = json::parse(data[i]);
    EXPECT_EQ(c["id"], first["id"]);
    EXPECT_FALSE(c.contains("usage"));
    deltas.push_back(c["choices"][0]["delta"]["content"]);
  }
  EXPECT_EQ(deltas, (std::vector<std::string>{"Echo: ", "a ", "b ", "c"}));
  json last = json::parse(data[5]);
  EXPECT_EQ(last["choices"][0]["delta"], json::object());
  EXPECT_EQ(last["choices"][0]["finish_reason"], "stop");
  EXPECT_FALSE(last.contains("usage"));
}

TEST_F(FakeUpstreamTest, StreamEventsWithUsage) {
  auto res = Chat(
      ChatBody("a b c", true, {{"stream_options", {{"include_usage", true}}}}));
  ASSERT_TRUE(res);
  std::vector<std::string> data = SseData(res->body);
  ASSERT_EQ(data.size(), 8u) << res->body;
  for (size_t i = 0; i < 6; ++i) {
    json c = json::parse(data[i]);
    ASSERT_TRUE(c.contains("usage"));
    EXPECT_TRUE(c["usage"].is_null());
  }
  json usage = json::parse(data[6]);
  EXPECT_EQ(usage["choices"], json::array());
  EXPECT_EQ(usage["usage"], json({{"prompt_tokens", 5},
                                  {"completion_tokens", 4},
                                  {"total_tokens", 9}}));
  EXPECT_EQ(data[7], "[DONE]");
}

TEST_F(FakeUpstreamTest, RejectsBadRequestsWithoutConsumingBehaviors) {
  fake_.Enqueue(Behavior::HttpError(500));

  auto res = Chat(ChatBody("hi"), /*key=*/"");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  json err = json::parse(res->body)["error"];
  EXPECT_EQ(err["type"], "invalid_request_error");
  EXPECT_EQ(err["code"], "invalid_api_key");
  EXPECT_TRUE(err["param"].is_null());

  res = Chat(ChatBody("hi"), "invalid-key-123456");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  res = Chat("{not json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"]["type"], "invalid_request_error");

  res = Chat(R"({"model":"gpt-4o","messages":[]})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "empty_array");

  res = Chat(R"({"model":"gpt-4o","messages":[{"content":"x"}]})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"]["param"], "messages[0].role");

  res = Chat(R"({"messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);

  res = Chat(R"({"model":"gpt-4o","messages":[{"role":"user","content":"x"}],
                 "stream_options":{"include_usage":true}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);

  for (const char* model : {"does-not-exist", "unknown-model"}) {
    res = Chat(json({{"model", model},
                     {"messages", {{{"role", "user"}, {"content", "x"}}}}})
                   .dump());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
    EXPECT_EQ(json::parse(res->body),
              json::parse(absl::StrCat(
                  R"({"error":{"message":"The model `)", model,
                  R"(` does not exist or you do not have access to it.",)",
                  R"("type":"invalid_request_error","param":null,)",
                  R"("code":"model_not_found"}})")));
  }
  EXPECT_EQ(fake_.QueuedBehaviors().size(), 1u);
}

TEST_F(FakeUpstreamTest, HttpErrorUsesFormatBodiesAndHeaders) {
  fake_.Enqueue({Behavior::HttpError(429), Behavior::HttpError(503),
                 Behavior::HttpError(429, R"({"error":"custom"})",
                                     {{"Retry-After", "7"}})});
  auto res = Chat(ChatBody("hi"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "rate_limit_exceeded");
  EXPECT_EQ(res->get_header_value("retry-after"), "1");
  EXPECT_EQ(res->get_header_value("x-ratelimit-limit-requests"), "3");
  EXPECT_EQ(res->get_header_value("x-ratelimit-remaining-requests"), "0");
  EXPECT_EQ(res->get_header_value("x-ratelimit-reset-requests"), "1s");

  res = Chat(ChatBody("hi"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(json::parse(res->body)["error"]["type"], "server_error");

  res = Chat(ChatBody("hi"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->body, R"({"error":"custom"})");
  EXPECT_EQ(res->get_header_value("retry-after"), "7");
  EXPECT_EQ(res->get_header_value_count("retry-after"), 1u);

  res = Chat(ChatBody("hi"));  // Queue empty: the default (ok).
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(FakeUpstreamTest, OkOverridesTextUsageAndFinishReason) {
  fake_.Enqueue(Behavior::Text("custom reply here")
                    .WithUsage({1, 2, std::nullopt})
                    .WithFinishReason("content_filter"));
  auto res = Chat(ChatBody("hi"));
  ASSERT_TRUE(res);
  json j = json::parse(res->body);
  EXPECT_EQ(j["choices"][0]["message"]["content"], "custom reply here");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "content_filter");
  EXPECT_EQ(j["usage"]["total_tokens"], 3);
}

TEST_F(FakeUpstreamTest, TimesServesSeveralRequests) {
  fake_.Enqueue(Behavior::HttpError(500).Times(2));
  EXPECT_EQ(Chat(ChatBody("x"))->status, 500);
  EXPECT_EQ(Chat(ChatBody("x"))->status, 500);
  EXPECT_EQ(Chat(ChatBody("x"))->status, 200);
}

TEST_F(FakeUpstreamTest, OnlyForKeyLeavesOtherKeysAlone) {
  fake_.Enqueue(Behavior::HttpError(401).ForKey("key-a"));
  EXPECT_EQ(Chat(ChatBody("x"), "key-b")->status, 200);
  EXPECT_EQ(Chat(ChatBody("x"), "key-a")->status, 401);
  EXPECT_EQ(Chat(ChatBody("x"), "key-a")->status, 200);

  fake_.SetDefault(Behavior::HttpError(429).ForKey("key-a"));
  EXPECT_EQ(Chat(ChatBody("x"), "key-a")->status, 429);
  EXPECT_EQ(Chat(ChatBody("x"), "key-b")->status, 200);
}

TEST_F(FakeUpstreamTest, HangSendsNothingThenCloses) {
  fake_.Enqueue(Behavior::Hang(absl::Milliseconds(300)));
  RawConnection conn(fake_.port());
  ASSERT_TRUE(conn.connected());
  conn.SendChat(ChatBody("x"));
  const absl::Time start = absl::Now();
  int end = 0;
  std::string data = conn.ReadUntil("", absl::Seconds(3), &end);
  EXPECT_EQ(data, "");
  EXPECT_EQ(end, 0);  // EOF
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  EXPECT_EQ(fake_.Disconnects(), 0);
}

TEST_F(FakeUpstreamTest, StopReturnsPromptlyWhileHanging) {
  fake_.Enqueue(Behavior::Hang(absl::Seconds(30)));
  RawConnection hanging(fake_.port());
  hanging.SendChat(ChatBody("x"));
  RawConnection idle(fake_.port());  // An idle keep-alive connection.
  ASSERT_TRUE(fake_.WaitForRequests(1, absl::Seconds(2)));
  const absl::Time start = absl::Now();
  fake_.Stop();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  int end = -1;
  hanging.ReadUntil("", absl::Seconds(1), &end);
  EXPECT_NE(end, -1);  // Closed, not timed out.
}

TEST_F(FakeUpstreamTest, ClientLeavingDuringHangCountsDisconnect) {
  fake_.Enqueue(Behavior::Hang(absl::Seconds(10)));
  RawConnection conn(fake_.port());
  conn.SendChat(ChatBody("x"));
  ASSERT_TRUE(fake_.WaitForRequests(1, absl::Seconds(2)));
  conn.Close();
  EXPECT_TRUE(fake_.WaitForDisconnects(1, absl::Seconds(2)));
}

TEST_F(FakeUpstreamTest, ClientLeavingDuringDelayCountsDisconnect) {
  fake_.Enqueue(Behavior::Ok().WithDelay(absl::Seconds(10)));
  RawConnection conn(fake_.port());
  conn.SendChat(ChatBody("x"));
  ASSERT_TRUE(fake_.WaitForRequests(1, absl::Seconds(2)));
  conn.Close();
  EXPECT_TRUE(fake_.WaitForDisconnects(1, absl::Seconds(2)));
}

TEST_F(FakeUpstreamTest, TrickleSendsKeepAlivesThenTheBody) {
  fake_.Enqueue({Behavior::Trickle(absl::Milliseconds(100)),
                 Behavior::Trickle(absl::Milliseconds(100))});
  auto res = Chat(ChatBody("x y"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(absl::StartsWith(res->body, "  "));  // Several keep-alives.
  EXPECT_EQ(json::parse(res->body)["choices"][0]["message"]["content"],
            "Echo: x y");

  res = Chat(ChatBody("x y", true));
  ASSERT_TRUE(res);
  EXPECT_TRUE(absl::StartsWith(res->body, ": keep-alive\n\n: keep-alive\n\n"));
  std::vector<std::string> data = SseData(res->body);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
  EXPECT_EQ(fake_.Disconnects(), 0);
}

TEST_F(FakeUpstreamTest, TrickleCountsDisconnectWhenClientCloses) {
  fake_.Enqueue(Behavior::Trickle(absl::Seconds(10)));
  RawConnection conn(fake_.port());
  conn.SendChat(ChatBody("x", true));
  std::string got = conn.ReadUntil(": keep-alive", absl::Seconds(2));
  EXPECT_TRUE(absl::StartsWith(got, "HTTP/1.1 200"));
  EXPECT_TRUE(absl::StrContains(got, ": keep-alive\n\n"));
  EXPECT_EQ(fake_.Disconnects(), 0);
  conn.Close();
  EXPECT_TRUE(fake_.WaitForDisconnects(1, absl::Seconds(2)));
  absl::SleepFor(absl::Milliseconds(60));
  EXPECT_EQ(fake_.Disconnects(), 1);  // Counted once.
}

TEST_F(FakeUpstreamTest, MalformedBodies) {
  fake_.Enqueue({Behavior::Malformed(), Behavior::Malformed()});
  auto res = Chat(ChatBody("x"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(json::parse(res->body, nullptr, false).is_discarded());

  res = Chat(ChatBody("x", true));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  int bad = 0;
  for (const std::string& d : SseData(res->body)) {
    if (d != "[DONE]" && json::parse(d, nullptr, false).is_discarded()) ++bad;
  }
  EXPECT_EQ(bad, 1);
}

TEST_F(FakeUpstreamTest, CutStreamClosesWithoutTerminalEvents) {
  fake_.Enqueue({Behavior::CutStream(2), Behavior::CutStream(1)});
  RawConnection conn(fake_.port());
  conn.SendChat(ChatBody("a b c", true));
  int end = -1;
  std::string got = conn.ReadUntil("", absl::Seconds(2), &end);
  EXPECT_EQ(end, 0);  // Closed by the server.
  EXPECT_TRUE(absl::StrContains(got, R"("content":"Echo: ")"));
  EXPECT_TRUE(absl::StrContains(got, R"("content":"a ")"));
  EXPECT_FALSE(absl::StrContains(got, R"("content":"b ")"));
  EXPECT_FALSE(absl::StrContains(got, "finish_reason\":\"stop"));
  EXPECT_FALSE(absl::StrContains(got, "[DONE]"));
  EXPECT_FALSE(absl::EndsWith(got, "0\r\n\r\n"));

  auto res = Chat(ChatBody("a b c", true));
  EXPECT_FALSE(res);  // An incomplete chunked body is an error.
}

TEST_F(FakeUpstreamTest, StallStreamPausesThenFinishes) {
  fake_.Enqueue(Behavior::StallStream(1, absl::Milliseconds(200)));
  RawConnection conn(fake_.port());
  conn.SendChat(ChatBody("a b c", true));
  const absl::Time start = absl::Now();
  std::string got = conn.ReadUntil(R"("content":"Echo: ")", absl::Seconds(2));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(150));
  got += conn.ReadUntil("[DONE]", absl::Milliseconds(100));
  EXPECT_FALSE(absl::StrContains(got, "[DONE]"));  // Still stalled.
  got += conn.ReadUntil("[DONE]", absl::Seconds(2));
  EXPECT_TRUE(absl::StrContains(got, "[DONE]"));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
}

TEST_F(FakeUpstreamTest, ResetClosesWithoutAResponse) {
  fake_.Enqueue(Behavior::Reset());
  RawConnection conn(fake_.port());
  conn.SendChat(ChatBody("x"));
  int end = -1;
  std::string got = conn.ReadUntil("", absl::Seconds(2), &end);
  EXPECT_EQ(got, "");
  EXPECT_EQ(end, ECONNRESET);

  fake_.Enqueue(Behavior::Reset());
  EXPECT_FALSE(Chat(ChatBody("x")));
  EXPECT_EQ(Chat(ChatBody("x"))->status, 200);  // The server lives on.
}

TEST_F(FakeUpstreamTest, RecordsRequests) {
  auto res = client_->Post(
      "/v1/chat/completions?trace=1",
      {{"Authorization", "Bearer sk-rec"}, {"X-Custom-Thing", "yes"}},
      ChatBody("rec"), "application/json");
  ASSERT_TRUE(res);
  client_->Get("/__fake/stats");  // Control calls are not recorded.
  ASSERT_TRUE(fake_.WaitForRequests(1, absl::Seconds(1)));
  EXPECT_EQ(fake_.RequestCount(), 1);
  RecordedRequest r = fake_.Requests().at(0);
  EXPECT_EQ(r.seq, 1);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/v1/chat/completions");
  EXPECT_EQ(r.query, "trace=1");
  EXPECT_EQ(r.Header("authorization"), "Bearer sk-rec");
  EXPECT_EQ(r.Header("X-Custom-Thing"), "yes");
  for (const auto& [name, value] : r.headers) {
    EXPECT_EQ(name, absl::AsciiStrToLower(name));
    EXPECT_NE(name, "remote_addr");
  }
  EXPECT_EQ(r.body, ChatBody("rec"));
  EXPECT_EQ(r.JsonBody()["model"], "gpt-4o");
  EXPECT_EQ(r.behavior, "ok");
  EXPECT_LE(absl::Now() - r.arrival, absl::Seconds(5));

  res = client_->Get("/v1/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["error"]["message"],
            "Invalid URL (GET /v1/nope)");
  EXPECT_EQ(fake_.RequestCount(), 2);
  EXPECT_EQ(fake_.LastRequest()->path, "/v1/nope");
  EXPECT_EQ(fake_.LastRequest()->behavior, "");
}

TEST_F(FakeUpstreamTest, ListsModels) {
  auto res = client_->Get("/v1/models", {{"Authorization", "Bearer k"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json j = json::parse(res->body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_GE(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["object"], "model");
  EXPECT_EQ(client_->Get("/v1/models")->status, 401);
  EXPECT_EQ(client_->Get("/v1/models/gpt-4o", {{"Authorization", "Bearer k"}})
                ->status,
            200);
  EXPECT_EQ(
      client_->Get("/v1/models/unknown-x", {{"Authorization", "Bearer k"}})
          ->status,
      404);
}

TEST_F(FakeUpstreamTest, ControlEndpoints) {
  auto res = client_->Post("/__fake/behaviors",
                           R"([{"kind":"http_error","status":500},
          {"kind":"ok","text":"scripted","delay_ms":1}])",
                           "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["queued"], 2);
  res =
      client_->Post("/__fake/default", R"({"kind":"http_error","status":503})",
                    "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = client_->Get("/__fake/behaviors");
  ASSERT_TRUE(res);
  json script = json::parse(res->body);
  EXPECT_EQ(script["default"]["status"], 503);
  EXPECT_EQ(script["queue"].size(), 2u);

  EXPECT_EQ(Chat(ChatBody("x"))->status, 500);
  res = Chat(ChatBody("x"));
  EXPECT_EQ(json::parse(res->body)["choices"][0]["message"]["content"],
            "scripted");
  EXPECT_EQ(Chat(ChatBody("x"))->status, 503);

  res = client_->Get("/__fake/requests");
  ASSERT_TRUE(res);
  json list = json::parse(res->body);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["behavior"], "http_error");
  EXPECT_EQ(list[1]["behavior"], "ok");
  EXPECT_EQ(list[0]["headers"]["authorization"], "Bearer sk-test");
  EXPECT_EQ(list[0]["path"], "/v1/chat/completions");
  EXPECT_EQ(json::parse(list[0]["body"].get<std::string>())["model"], "gpt-4o");

  res = client_->Get("/__fake/stats");
  ASSERT_TRUE(res);
  EXPECT_EQ(
      json::parse(res->body),
      json({{"requests", 3}, {"disconnects", 0}, {"queued_behaviors", 0}}));

  EXPECT_EQ(
      client_->Post("/__fake/behaviors", "[{", "application/json")->status,
      400);
  res = client_->Post("/__fake/behaviors", R"({"kind":"ok","tpyo":1})",
                      "application/json");
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(absl::StrContains(res->body, "tpyo"));

  EXPECT_EQ(client_->Post("/__fake/reset", "", "application/json")->status,
            200);
  EXPECT_EQ(fake_.RequestCount(), 0);
  EXPECT_EQ(Chat(ChatBody("x"))->status, 200);  // Default restored.
}

TEST(BehaviorJsonTest, RoundTrips) {
  Behavior b = Behavior::StallStream(3, absl::Milliseconds(250))
                   .ForKey("sk-a")
                   .Times(2)
                   .WithDelay(absl::Microseconds(1500))
                   .WithHeader("Retry-After", "2")
                   .WithUsage({1, 2, 4});
  b.text = "t";
  b.finish_reason = "length";
  b.body = "raw";
  absl::StatusOr<Behavior> back = Behavior::FromJson(b.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), b.ToJson());
  EXPECT_EQ(back->kind, Behavior::Kind::kStallStream);
  EXPECT_EQ(back->duration, absl::Milliseconds(250));
  EXPECT_EQ(back->delay, absl::Microseconds(1500));
  EXPECT_EQ(back->after_deltas, 3);
  EXPECT_EQ(back->usage->total(), 4);
  EXPECT_EQ(back->only_for_key, "sk-a");
  EXPECT_EQ(back->times, 2);

  for (Behavior::Kind k :
       {Behavior::Kind::kOk, Behavior::Kind::kHttpError, Behavior::Kind::kHang,
        Behavior::Kind::kTrickle, Behavior::Kind::kMalformed,
        Behavior::Kind::kCutStream, Behavior::Kind::kStallStream,
        Behavior::Kind::kReset}) {
    EXPECT_EQ(KindFromName(KindName(k)), k);
  }
  EXPECT_FALSE(Behavior::FromJson(json{{"kind", "explode"}}).ok());
  EXPECT_FALSE(Behavior::FromJson(json{{"text", "no kind"}}).ok());
  EXPECT_FALSE(Behavior::FromJson(json{{"kind", "ok"}, {"times", 0}}).ok());
  EXPECT_FALSE(
      Behavior::FromJson(json{{"kind", "http_error"}, {"status", "500"}}).ok());
  EXPECT_FALSE(
      Behavior::ListFromJson(json::array({json{{"kind", "ok"}}, 1})).ok());
}

TEST_F(FakeUpstreamTest, ManySlowRequestsRunConcurrently) {
  constexpr int kClients = 64;
  fake_.SetDefault(Behavior::Ok().WithDelay(absl::Milliseconds(300)));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", fake_.port());
      c.set_read_timeout(5, 0);
      auto res = c.Post(kChatPath, {{"Authorization", "Bearer k"}},
                        ChatBody("x"), "application/json");
      if (res && res->status == 200) ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));
}

TEST(FakeUpstreamOptionsTest, UnknownFormatFailsToStart) {
  FakeUpstream::Options options;
  options.formats = {"no-such-format"};
  FakeUpstream fake(options);
  EXPECT_EQ(fake.Start().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace llmgw::fake_upstream
