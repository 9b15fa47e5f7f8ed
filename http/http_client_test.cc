// HttpClient: requests, streaming, timeouts, deadlines, cancellation.
#include "http/http_client.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/http_client_test_fixture.h"

namespace llmgw::http {
namespace {

using http_test::CannedServer;
using http_test::Collect;
using http_test::HttpClientTest;
using http_test::kWait;
using http_test::Outcome;
using http_test::RawSocket;

TEST_F(HttpClientTest, PostEchoesHeadersAndBody) {
  server_.Post("/echo", [](const httplib::Request& req,
                           httplib::Response& res) {
    res.status = 201;
    res.set_header("X-Echo-Auth", req.get_header_value("Authorization"));
    res.set_header("X-Echo-Expect", req.has_header("Expect") ? "yes" : "no");
    res.set_header("X-Echo-Method", req.method);
    res.set_header("X-Echo-Length", std::to_string(req.body.size()));
    res.set_header("X-Padded", "  padded value  ");
    res.set_content(req.body.size() < 100 ? req.body : "big",
                    req.get_header_value("Content-Type").c_str());
  });
  StartServer();
  MakeClient();

  HttpRequest request;
  request.url = Url("/echo");
  request.headers = {{"Authorization", "Bearer sk-test"},
                     {"Content-Type", "application/json"}};
  request.body = R"({"model":"m"})";
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  const HttpResult& r = out.result;
  EXPECT_EQ(r.error, TransportError::kNone) << r.error_message;
  EXPECT_EQ(r.response.status_code, 201);
  EXPECT_EQ(r.response.body, R"({"model":"m"})");
  EXPECT_EQ(r.response.Header("x-echo-auth"), "Bearer sk-test");
  EXPECT_EQ(r.response.Header("x-echo-method"), "POST");
  EXPECT_EQ(r.response.Header("x-echo-expect"), "no");
  EXPECT_EQ(r.response.Header("x-padded"), "padded value");
  EXPECT_EQ(r.response.Header("content-type"), "application/json");
  EXPECT_EQ(r.response.Header("x-missing"), std::nullopt);
  for (const auto& [name, value] : r.response.headers) {
    EXPECT_EQ(name, absl::AsciiStrToLower(name));
  }
  EXPECT_EQ(out.headers_calls, 1);
  EXPECT_EQ(out.status_at_headers, 201);
  EXPECT_TRUE(out.completed_on_loop_thread);

  // A large body goes out at once, without "Expect: 100-continue".
  request.body = std::string(3 << 20, 'x');
  Outcome big;
  const absl::Time start = absl::Now();
  client_->Send(request, Collect(&big, loop_.get()));
  ASSERT_TRUE(big.Wait());
  EXPECT_EQ(big.result.error, TransportError::kNone);
  EXPECT_EQ(big.result.response.Header("x-echo-expect"), "no");
  EXPECT_EQ(big.result.response.Header("x-echo-length"),
            std::to_string(3 << 20));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(900));
}

// The header lines exactly as they reach the server: every header in order,
// an empty value sent empty (not dropped), no "Expect", and a body without a
// Content-Type sent without curl's form label.
TEST_F(HttpClientTest, HeaderLinesAsSent) {
  CannedServer server(
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  MakeClient();
  HttpRequest request;
  request.url = server.Url() + "headers";
  request.headers = {{"X-One", "first value"},
                     {"X-Empty", ""},
                     {"X-Two", std::string(300, 'v')}};
  request.body = "not a form";
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  ASSERT_EQ(out.result.error, TransportError::kNone)
      << out.result.error_message;
  EXPECT_EQ(out.result.response.body, "ok");
  const std::string head = server.ReceivedHead();
  EXPECT_TRUE(absl::StartsWith(head, "POST /headers HTTP/1.1\r\n")) << head;
  EXPECT_TRUE(absl::StrContains(
      head, absl::StrCat("\r\nX-One: first value\r\nX-Empty:\r\nX-Two: ",
                         std::string(300, 'v'), "\r\n")))
      << head;
  EXPECT_TRUE(absl::StrContains(head, "\r\nContent-Length: 10")) << head;
  EXPECT_FALSE(absl::StrContains(absl::AsciiStrToLower(head), "content-type"))
      << head;
  EXPECT_FALSE(absl::StrContains(absl::AsciiStrToLower(head), "expect"))
      << head;
}

TEST_F(HttpClientTest, MethodsWithAndWithoutBody) {
  auto echo = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(absl::StrCat(req.method, " ", req.body), "text/plain");
  };
  server_.Get("/m", echo);
  server_.Put("/m", echo);
  server_.Delete("/m", echo);
  StartServer();
  MakeClient();
  struct Case {
    std::string method, body, want;
  } cases[] = {{"GET", "", "GET "},
               {"PUT", "abc", "PUT abc"},
               {"DELETE", "", "DELETE "}};
  for (const Case& c : cases) {
    HttpRequest request = Get("/m");
    request.method = c.method;
    request.body = c.body;
    Outcome out;
    client_->Send(request, Collect(&out, loop_.get()));
    ASSERT_TRUE(out.Wait());
    EXPECT_EQ(out.result.error, TransportError::kNone)
        << out.result.error_message;
    EXPECT_EQ(out.result.response.body, c.want);
  }
}

TEST_F(HttpClientTest, StreamsChunksBeforeResponseEnds) {
  absl::Notification client_got_first;
  server_.Get("/stream", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/event-stream", [&](size_t, httplib::DataSink& sink) {
          sink.write("data: one\n\n", 11);
          // The second chunk is only produced once the client has seen the
          // first, so the first cannot have arrived with the end of the body.
          client_got_first.WaitForNotificationWithTimeout(kWait);
          sink.write("data: two\n\n", 11);
          sink.done();
          return true;
        });
  });
  StartServer();
  MakeClient();
  Outcome out;
  HttpHandlers handlers = Collect(&out, loop_.get(), /*stream=*/true);
  handlers.on_data = [&](absl::string_view chunk) {
    out.chunks.emplace_back(chunk);
    if (out.chunks.size() == 1) client_got_first.Notify();
    return true;
  };
  client_->Send(Get("/stream"), std::move(handlers));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kNone)
      << out.result.error_message;
  ASSERT_EQ(out.chunks.size(), 2u);
  EXPECT_EQ(out.chunks[0], "data: one\n\n");
  EXPECT_EQ(out.chunks[1], "data: two\n\n");
  EXPECT_EQ(out.result.response.body, "");
  EXPECT_EQ(out.headers_calls, 1);
  EXPECT_EQ(out.result.response.Header("content-type"), "text/event-stream");
}

TEST_F(HttpClientTest, ReadTimeoutWhenServerStalls) {
  server_.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    release_.WaitForNotificationWithTimeout(kWait);
    res.set_content("late", "text/plain");
  });
  StartServer();
  MakeClient();
  HttpRequest request = Get("/stall");
  request.read_timeout = absl::Milliseconds(200);
  Outcome out;
  const absl::Time start = absl::Now();
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  const absl::Duration elapsed = absl::Now() - start;
  Release();
  EXPECT_EQ(out.result.error, TransportError::kReadTimeout);
  EXPECT_EQ(out.result.response.status_code, 0);
  EXPECT_GE(elapsed, absl::Milliseconds(200));
  EXPECT_LT(elapsed, absl::Milliseconds(1500));
  EXPECT_EQ(out.headers_calls, 0);
}

TEST_F(HttpClientTest, ReadTimeoutBetweenChunks) {
  server_.Get("/stall-body",
              [&](const httplib::Request&, httplib::Response& res) {
                res.set_chunked_content_provider(
                    "text/plain", [&](size_t, httplib::DataSink& sink) {
                      sink.write("first", 5);
                      release_.WaitForNotificationWithTimeout(kWait);
                      sink.done();
                      return true;
                    });
              });
  StartServer();
  MakeClient();
  HttpRequest request = Get("/stall-body");
  request.read_timeout = absl::Milliseconds(200);
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get(), /*stream=*/true));
  ASSERT_TRUE(out.Wait());
  Release();
  EXPECT_EQ(out.result.error, TransportError::kReadTimeout);
  EXPECT_EQ(out.result.response.status_code, 200);
  ASSERT_EQ(out.chunks.size(), 1u);
  EXPECT_EQ(out.chunks[0], "first");
}

TEST_F(HttpClientTest, ReadTimeoutIsIdleTimeNotTotalTime) {
  server_.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/plain", [&](size_t offset, httplib::DataSink& sink) {
          // Pacing the stream (not synchronisation): 8 chunks 50 ms apart,
          // 400 ms in all, each gap far below the 300 ms read timeout.
          absl::SleepFor(absl::Milliseconds(50));
          sink.write("x", 1);
          if (offset >= 7) sink.done();
          return true;
        });
  });
  StartServer();
  MakeClient();
  HttpRequest request = Get("/slow");
  request.read_timeout = absl::Milliseconds(300);
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kNone)
      << out.result.error_message;
  EXPECT_EQ(out.result.response.body, "xxxxxxxx");
}

TEST_F(HttpClientTest, DeadlineExceeded) {
  server_.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    release_.WaitForNotificationWithTimeout(kWait);
    res.set_content("late", "text/plain");
  });
  StartServer();
  MakeClient();
  HttpRequest request = Get("/stall");
  request.read_timeout = absl::Seconds(10);
  const absl::Time start = absl::Now();
  request.deadline = start + absl::Milliseconds(250);
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(out.result.error, TransportError::kDeadlineExceeded);
  EXPECT_GE(elapsed, absl::Milliseconds(250));
  EXPECT_LT(elapsed, absl::Milliseconds(1500));

  // A deadline already in the past fails without touching the network.
  request.deadline = absl::Now() - absl::Seconds(1);
  Outcome past;
  client_->Send(request, Collect(&past, loop_.get()));
  ASSERT_TRUE(past.Wait());
  EXPECT_EQ(past.result.error, TransportError::kDeadlineExceeded);
}

TEST_F(HttpClientTest, CancelMidStreamClosesConnection) {
  absl::Notification server_saw_disconnect;
  server_.Get("/forever", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/event-stream", [&](size_t offset, httplib::DataSink& sink) {
          if (!sink.write("data: tick\n\n", 12)) {
            server_saw_disconnect.Notify();
            return false;
          }
          // Pacing; also bounds the stream should the client never cancel.
          if (release_.WaitForNotificationWithTimeout(absl::Milliseconds(5)) ||
              offset > 12 * 2000) {
            sink.done();
          }
          return true;
        });
  });
  StartServer();
  MakeClient();
  absl::Notification got_data;
  Outcome out;
  HttpHandlers handlers = Collect(&out, loop_.get(), /*stream=*/true);
  handlers.on_data = [&](absl::string_view) {
    got_data.Notify();
    return true;
  };
  std::shared_ptr<RequestHandle> handle =
      client_->Send(Get("/forever"), std::move(handlers));
  ASSERT_TRUE(got_data.WaitForNotificationWithTimeout(kWait));
  handle->Cancel();
  handle->Cancel();  // Idempotent.
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kCancelled);
  EXPECT_EQ(out.result.response.status_code, 200);
  EXPECT_TRUE(server_saw_disconnect.WaitForNotificationWithTimeout(kWait));
  handle->Cancel();  // After completion: no-op.
  EXPECT_EQ(client_->InFlight(), 0u);
}

TEST_F(HttpClientTest, CancelBeforeStartFromAnotherThread) {
  server_.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  StartServer();
  MakeClient();
  // Keep the loop busy so Send's start task is still queued when Cancel runs.
  absl::Notification unblock;
  loop_->Post([&] { unblock.WaitForNotificationWithTimeout(kWait); });
  Outcome out;
  auto handle = client_->Send(Get("/ok"), Collect(&out, loop_.get()));
  handle->Cancel();
  unblock.Notify();
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kCancelled);
  EXPECT_EQ(out.headers_calls, 0);
}

TEST_F(HttpClientTest, ConnectionRefused) {
  RawSocket not_listening(/*listen_backlog=*/std::nullopt);
  MakeClient();
  HttpRequest request = Get("/");
  request.url = not_listening.Url();
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kConnectFailed);
  EXPECT_FALSE(out.result.error_message.empty());
  EXPECT_EQ(out.result.response.status_code, 0);
}

TEST_F(HttpClientTest, ConnectTimeout) {
  // With a backlog of 0 and one connection waiting to be accepted, Linux
  // drops further SYNs: connecting hangs until the client gives up.
  RawSocket full(/*listen_backlog=*/0);
  std::vector<int> fillers;
  for (int i = 0; i < 2; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(full.port());
    connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    fillers.push_back(fd);
  }
  MakeClient();
  HttpRequest request = Get("/");
  request.url = full.Url();
  request.connect_timeout = absl::Milliseconds(200);
  Outcome out;
  const absl::Time start = absl::Now();
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  const absl::Duration elapsed = absl::Now() - start;
  for (int fd : fillers) close(fd);
  EXPECT_EQ(out.result.error, TransportError::kConnectTimeout)
      << out.result.error_message;
  EXPECT_GE(elapsed, absl::Milliseconds(200));
  EXPECT_LT(elapsed, absl::Milliseconds(1500));
}

}  // namespace
}  // namespace llmgw::http
