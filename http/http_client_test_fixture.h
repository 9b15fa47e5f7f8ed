#ifndef LLMGW_HTTP_HTTP_CLIENT_TEST_FIXTURE_H_
#define LLMGW_HTTP_HTTP_CLIENT_TEST_FIXTURE_H_

// The fixture of the HttpClient tests: an event loop, a cpp-httplib server
// on 127.0.0.1 (ephemeral port), a raw socket server for malformed replies,
// and a handler set that collects an exchange's outcome.

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
#include "http/http_client.h"

namespace llmgw::http::http_test {

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
inline HttpHandlers Collect(Outcome* out, EventLoop* loop,
                            bool stream = false) {
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
  // The request's head (request line and header lines) as received.
  std::string ReceivedHead() {
    absl::MutexLock lock(&mu_);
    return received_.substr(0, received_.find("\r\n\r\n"));
  }

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
    {
      absl::MutexLock lock(&mu_);
      received_ = request;
    }
    send(conn, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    close(conn);
  }

  RawSocket socket_;
  std::string reply_;
  absl::Mutex mu_;
  std::string received_ ABSL_GUARDED_BY(mu_);
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

}  // namespace llmgw::http::http_test

#endif  // LLMGW_HTTP_HTTP_CLIENT_TEST_FIXTURE_H_
