#include "http/http_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/event_loop.h"

namespace llmgw::http {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

// Collects the outcome of one exchange.
struct Outcome {
  absl::Notification done;
  HttpResult result;
  int headers_calls = 0;
  int status_at_headers = 0;
  std::vector<std::string> chunks;  // on_data, when streaming.
  bool completed_on_loop_thread = false;

  bool Wait() { return done.WaitForNotificationWithTimeout(kWait); }
};

// Builds handlers that fill `out`. With `stream`, the body goes to on_data.
HttpHandlers Collect(Outcome* out, EventLoop* loop, bool stream = false) {
  HttpHandlers handlers;
  handlers.on_headers = [out](const HttpResponse& head) {
    ++out->headers_calls;
    out->status_at_headers = head.status_code;
  };
  if (stream) {
    handlers.on_data = [out](absl::string_view chunk) {
      out->chunks.emplace_back(chunk);
      return true;
    };
  }
  handlers.on_complete = [out, loop](HttpResult result) {
    out->completed_on_loop_thread = loop->InLoopThread();
    out->result = std::move(result);
    out->done.Notify();
  };
  return handlers;
}

// A socket bound to a loopback port; optionally listening.
class RawSocket {
 public:
  explicit RawSocket(std::optional<int> listen_backlog) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (listen_backlog.has_value()) {
      EXPECT_EQ(listen(fd_, *listen_backlog), 0);
    }
  }
  ~RawSocket() { close(fd_); }
  int fd() const { return fd_; }
  int port() const { return port_; }
  std::string Url(absl::string_view path = "/") const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

 private:
  int fd_;
  int port_;
};

// Serves exactly one connection with a canned reply, then closes it.
class CannedServer {
 public:
  explicit CannedServer(std::string reply)
      : socket_(/*listen_backlog=*/8), reply_(std::move(reply)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() { thread_.join(); }
  std::string Url() const { return socket_.Url(); }

 private:
  void Serve() {
    pollfd p{socket_.fd(), POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return;
    int conn = accept(socket_.fd(), nullptr, nullptr);
    if (conn < 0) return;
    timeval tv{5, 0};
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string request;
    char buf[4096];
    while (!absl::StrContains(request, "\r\n\r\n")) {
      ssize_t n = recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request.append(buf, n);
    }
    send(conn, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    close(conn);
  }

  RawSocket socket_;
  std::string reply_;
  std::thread thread_;
};

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // cpp-httplib writes without MSG_NOSIGNAL; disconnect tests would
    // otherwise kill the process.
    signal(SIGPIPE, SIG_IGN);
  }

  void SetUp() override {
    auto loop = EventLoop::Create("http-test");
    ASSERT_TRUE(loop.ok());
    loop_ = *std::move(loop);
    server_.set_keep_alive_max_count(1000);
    server_.set_keep_alive_timeout(1);
    // Otherwise Nagle + delayed ACK add ~40 ms to every response.
    server_.set_tcp_nodelay(true);
  }

  void TearDown() override {
    // Closes the client's connections so the server threads finish quickly.
    client_.reset();
    Release();
    if (server_thread_.joinable()) {
      // cpp-httplib 0.11 has no readiness event; stop() before listen starts
      // would be lost.
      while (!server_.is_running()) absl::SleepFor(absl::Milliseconds(1));
      server_.stop();
      server_thread_.join();
    }
    loop_.reset();
  }

  void StartServer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    // The socket is already listening; connections queue until accepted.
    server_thread_ = std::thread([this] { server_.listen_after_bind(); });
  }

  void MakeClient(HttpClientOptions options = {}) {
    client_ = HttpClient::Create(loop_.get(), options);
  }

  std::string Url(absl::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

  HttpRequest Get(absl::string_view path) const {
    HttpRequest request;
    request.method = "GET";
    request.url = Url(path);
    return request;
  }

  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<HttpClient> client_;
  httplib::Server server_;
  std::thread server_thread_;
  int port_ = 0;
  // Lets stalled server handlers finish; notified at the latest in TearDown.
  absl::Notification release_;
};

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

TEST_F(HttpClientTest, ResponseTooLarge) {
  server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(10000, 'b'), "text/plain");
  });
  server_.Get("/big-chunked",
              [](const httplib::Request&, httplib::Response& res) {
                res.set_chunked_content_provider(
                    "text/plain", [](size_t offset, httplib::DataSink& sink) {
                      std::string chunk(1000, 'c');
                      sink.write(chunk.data(), chunk.size());
                      if (offset + chunk.size() >= 10000) sink.done();
                      return true;
                    });
              });
  StartServer();
  MakeClient();

  // Declared by Content-Length: fails before any body is delivered.
  HttpRequest request = Get("/big");
  request.max_response_bytes = 1000;
  Outcome declared;
  client_->Send(request, Collect(&declared, loop_.get()));
  ASSERT_TRUE(declared.Wait());
  EXPECT_EQ(declared.result.error, TransportError::kResponseTooLarge);
  EXPECT_TRUE(declared.result.response.body.empty());

  // Exactly at the limit is fine.
  request.max_response_bytes = 10000;
  Outcome at_limit;
  client_->Send(request, Collect(&at_limit, loop_.get()));
  ASSERT_TRUE(at_limit.Wait());
  EXPECT_EQ(at_limit.result.error, TransportError::kNone);
  EXPECT_EQ(at_limit.result.response.body.size(), 10000u);

  // Chunked, streamed: counted as it arrives.
  request = Get("/big-chunked");
  request.max_response_bytes = 2500;
  Outcome streamed;
  client_->Send(request, Collect(&streamed, loop_.get(), /*stream=*/true));
  ASSERT_TRUE(streamed.Wait());
  EXPECT_EQ(streamed.result.error, TransportError::kResponseTooLarge);
  size_t delivered = 0;
  for (const std::string& chunk : streamed.chunks) delivered += chunk.size();
  EXPECT_LE(delivered, 2500u);

  // Chunked, accumulated.
  Outcome accumulated;
  client_->Send(request, Collect(&accumulated, loop_.get()));
  ASSERT_TRUE(accumulated.Wait());
  EXPECT_EQ(accumulated.result.error, TransportError::kResponseTooLarge);
  EXPECT_LE(accumulated.result.response.body.size(), 2500u);
}

TEST_F(HttpClientTest, ManyConcurrentRequestsOnOneLoop) {
  server_.Get("/id", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.get_param_value("i"), "text/plain");
  });
  StartServer();
  HttpClientOptions options;
  // cpp-httplib listens with a backlog of 5 and holds a thread per keep-alive
  // connection: more parallel connects would overflow the accept queue and
  // wait for a SYN retransmit (1 s). The client still has all 200 exchanges
  // in flight at once; curl queues them onto the 4 connections.
  options.max_connections_per_host = 4;
  MakeClient(options);
  constexpr int kRequests = 200;
  std::vector<Outcome> outcomes(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    client_->Send(Get(absl::StrCat("/id?i=", i)),
                  Collect(&outcomes[i], loop_.get()));
  }
  EXPECT_GT(client_->InFlight(), 0u);
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(outcomes[i].Wait()) << i;
    EXPECT_TRUE(outcomes[i].completed_on_loop_thread);
    EXPECT_EQ(outcomes[i].result.error, TransportError::kNone)
        << outcomes[i].result.error_message;
    EXPECT_EQ(outcomes[i].result.response.body, std::to_string(i));
  }
  EXPECT_EQ(client_->InFlight(), 0u);
}

TEST_F(HttpClientTest, ReusesConnectionAcrossSequentialRequests) {
  absl::Mutex mu;
  std::set<int> client_ports;
  server_.Get("/port",
              [&](const httplib::Request& req, httplib::Response& res) {
                absl::MutexLock lock(&mu);
                client_ports.insert(req.remote_port);
                res.set_content("ok", "text/plain");
              });
  StartServer();
  MakeClient();
  for (int i = 0; i < 5; ++i) {
    Outcome out;
    client_->Send(Get("/port"), Collect(&out, loop_.get()));
    ASSERT_TRUE(out.Wait());
    ASSERT_EQ(out.result.error, TransportError::kNone)
        << out.result.error_message;
  }
  absl::MutexLock lock(&mu);
  EXPECT_EQ(client_ports.size(), 1u);
}

TEST_F(HttpClientTest, OnDataReturningFalseCancels) {
  server_.Get("/chunks", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/plain", [](size_t offset, httplib::DataSink& sink) {
          sink.write("abc", 3);
          if (offset >= 30) sink.done();
          return true;
        });
  });
  StartServer();
  MakeClient();
  Outcome out;
  int calls = 0;
  HttpHandlers handlers = Collect(&out, loop_.get());
  handlers.on_data = [&calls](absl::string_view) {
    ++calls;
    return false;
  };
  client_->Send(Get("/chunks"), std::move(handlers));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(HttpClientTest, DestroyingClientCancelsInFlight) {
  absl::Notification in_handler;
  server_.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    in_handler.Notify();
    release_.WaitForNotificationWithTimeout(kWait);
    res.set_content("late", "text/plain");
  });
  StartServer();
  MakeClient();
  Outcome out;
  std::shared_ptr<RequestHandle> handle =
      client_->Send(Get("/stall"), Collect(&out, loop_.get()));
  ASSERT_TRUE(in_handler.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(client_->InFlight(), 1u);
  client_.reset();
  // on_complete ran before the destructor returned.
  EXPECT_TRUE(out.done.HasBeenNotified());
  EXPECT_EQ(out.result.error, TransportError::kCancelled);
  // The handle outlives the client; cancelling it is harmless.
  handle->Cancel();
  Release();
}

TEST_F(HttpClientTest, SendFromLoopThreadCallbacks) {
  server_.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  StartServer();
  MakeClient();
  Outcome from_data;
  Outcome from_complete;
  Outcome first;
  HttpHandlers handlers;
  bool sent_from_data = false;
  // Starting a request from inside curl's write callback must not re-enter
  // curl; from on_complete it must work too.
  handlers.on_data = [&](absl::string_view) {
    if (!sent_from_data) {
      sent_from_data = true;
      client_->Send(Get("/ok"), Collect(&from_data, loop_.get()));
    }
    return true;
  };
  handlers.on_complete = [&](HttpResult result) {
    client_->Send(Get("/ok"), Collect(&from_complete, loop_.get()));
    first.result = std::move(result);
    first.done.Notify();
  };
  client_->Send(Get("/ok"), std::move(handlers));
  ASSERT_TRUE(first.Wait());
  ASSERT_TRUE(from_data.Wait());
  ASSERT_TRUE(from_complete.Wait());
  EXPECT_EQ(first.result.error, TransportError::kNone);
  EXPECT_EQ(from_data.result.response.body, "ok");
  EXPECT_EQ(from_complete.result.response.body, "ok");
}

TEST_F(HttpClientTest, InformationalResponseResetsHeaders) {
  CannedServer canned(
      "HTTP/1.1 103 Early Hints\r\n"
      "Link: </style.css>; rel=preload\r\n"
      "\r\n"
      "HTTP/1.1 200 OK\r\n"
      "Content-Length: 2\r\n"
      "X-Final:   yes \r\n"
      "\r\n"
      "ok");
  MakeClient();
  HttpRequest request = Get("/");
  request.url = canned.Url();
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kNone)
      << out.result.error_message;
  EXPECT_EQ(out.headers_calls, 1);
  EXPECT_EQ(out.status_at_headers, 200);
  EXPECT_EQ(out.result.response.Header("link"), std::nullopt);
  EXPECT_EQ(out.result.response.Header("x-final"), "yes");
  EXPECT_EQ(out.result.response.body, "ok");
}

TEST_F(HttpClientTest, PeerClosingMidBodyIsConnectionReset) {
  CannedServer canned(
      "HTTP/1.1 200 OK\r\n"
      "Content-Length: 100\r\n"
      "\r\n"
      "partial");
  MakeClient();
  HttpRequest request = Get("/");
  request.url = canned.Url();
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kConnectionReset)
      << out.result.error_message;
  EXPECT_EQ(out.result.response.status_code, 200);
  EXPECT_EQ(out.result.response.body, "partial");
}

TEST_F(HttpClientTest, EmptyReplyIsConnectionReset) {
  CannedServer canned("");
  MakeClient();
  HttpRequest request = Get("/");
  request.url = canned.Url();
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kConnectionReset)
      << out.result.error_message;
}

TEST_F(HttpClientTest, InvalidHeaderValueIsRejectedWithoutEchoingIt) {
  MakeClient();
  HttpRequest request = Get("/");
  request.url = "http://127.0.0.1:1/";
  request.headers = {{"Authorization", "Bearer sk-secret\r\nX-Evil: 1"}};
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kOther);
  EXPECT_FALSE(absl::StrContains(out.result.error_message, "sk-secret"));
  EXPECT_TRUE(absl::StrContains(out.result.error_message, "Authorization"));
}

// Issue 11: a drip (a byte every 100 ms here) kept the read timer alive
// forever; the minimum rate cuts it after one window.
TEST_F(HttpClientTest, DripIsCutByTheMinimumRate) {
  server_.Get("/drip", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/plain", [&](size_t offset, httplib::DataSink& sink) {
          if (release_.WaitForNotificationWithTimeout(
                  absl::Milliseconds(100))) {
            return false;
          }
          sink.write("x", 1);
          if (offset >= 100) sink.done();
          return true;
        });
  });
  StartServer();
  MakeClient();
  HttpRequest request = Get("/drip");
  request.read_timeout = absl::Milliseconds(300);
  request.min_bytes_per_second = 100;
  request.min_rate_window = absl::Milliseconds(500);
  Outcome out;
  const absl::Time start = absl::Now();
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  Release();
  EXPECT_EQ(out.result.error, TransportError::kTooSlow)
      << out.result.error_message;
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(absl::StrContains(out.result.error_message,
                                "below the minimum rate of 100 bytes/s"))
      << out.result.error_message;
}

TEST_F(HttpClientTest, AttemptTimeoutIsNotTheDeadline) {
  server_.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    release_.WaitForNotificationWithTimeout(kWait);
    res.set_content("late", "text/plain");
  });
  StartServer();
  MakeClient();
  HttpRequest request = Get("/stall");
  request.attempt_timeout = absl::Milliseconds(200);
  request.deadline = absl::Now() + absl::Seconds(30);
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  Release();
  EXPECT_EQ(out.result.error, TransportError::kAttemptTimeout);
  EXPECT_EQ(TransportErrorName(out.result.error), "attempt_timeout");
}

TEST_F(HttpClientTest, BufferedBodiesShareOneBudgetAcrossCalls) {
  server_.Get("/held", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/plain", [&](size_t offset, httplib::DataSink& sink) {
          if (offset > 0) {
            release_.WaitForNotificationWithTimeout(kWait);
            sink.done();
            return true;
          }
          std::string chunk(10000, 'h');
          sink.write(chunk.data(), chunk.size());
          return true;
        });
  });
  StartServer();
  HttpClientOptions options;
  options.max_buffered_body_bytes = 15000;
  MakeClient(options);
  Outcome first, second;
  client_->Send(Get("/held"), Collect(&first, loop_.get()));
  // Pacing only: let the first body's bytes arrive and be held.
  absl::SleepFor(absl::Milliseconds(300));
  client_->Send(Get("/held"), Collect(&second, loop_.get()));
  ASSERT_TRUE(second.Wait());
  EXPECT_EQ(second.result.error, TransportError::kResponseTooLarge);
  EXPECT_TRUE(
      absl::StrContains(second.result.error_message, "budget across all calls"))
      << second.result.error_message;
  Release();
  ASSERT_TRUE(first.Wait());
  EXPECT_EQ(first.result.error, TransportError::kNone)
      << first.result.error_message;
  EXPECT_EQ(first.result.response.body.size(), 10000u);
  // The budget was given back: the next call fits again.
  Outcome third;
  client_->Send(Get("/held"), Collect(&third, loop_.get()));
  ASSERT_TRUE(third.Wait());
  EXPECT_EQ(third.result.error, TransportError::kNone);
}

TEST(TransportErrorNameTest, Names) {
  EXPECT_EQ(TransportErrorName(TransportError::kNone), "none");
  EXPECT_EQ(TransportErrorName(TransportError::kReadTimeout), "read_timeout");
  EXPECT_EQ(TransportErrorName(TransportError::kConnectFailed),
            "connect_failed");
  EXPECT_EQ(TransportErrorName(TransportError::kResponseTooLarge),
            "response_too_large");
}

}  // namespace
}  // namespace llmgw::http
