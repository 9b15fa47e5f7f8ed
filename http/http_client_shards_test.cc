// HttpClient with more exchanges in flight than one curl multi handle takes
// (CurlHttpClient::kTransfersPerShard): the exchanges spread over several
// multi handles, each with its own sockets, timers and connection cache.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "http/http_client_test_fixture.h"

namespace llmgw::http {
namespace {

using http_test::Collect;
using http_test::Outcome;
using http_test::RawSocket;

// Keeps every connection open (HTTP/1.1 keep-alive) and answers the
// requests only once `hold` of them are waiting, so that many exchanges are
// in flight in the client at once. One thread, poll(2).
class HoldingServer {
 public:
  explicit HoldingServer(size_t hold)
      : socket_(/*listen_backlog=*/1024), hold_(hold) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~HoldingServer() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
    for (const Conn& c : conns_) close(c.fd);
  }
  std::string Url() const { return socket_.Url("/hold"); }
  size_t Connections() {
    absl::MutexLock lock(&mu_);
    return accepted_;
  }

 private:
  struct Conn {
    int fd;
    std::string buffer;
    int waiting = 0;  // complete requests not yet answered
  };

  void Serve() {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (stop_) return;
      }
      std::vector<pollfd> fds{{socket_.fd(), POLLIN, 0}};
      for (const Conn& c : conns_) fds.push_back({c.fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int fd = accept(socket_.fd(), nullptr, nullptr);
        if (fd >= 0) {
          conns_.push_back({fd});
          absl::MutexLock lock(&mu_);
          ++accepted_;
        }
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        Conn& c = conns_[i - 1];
        char buf[4096];
        ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
        if (n <= 0) continue;  // closed by the client: left for the dtor
        c.buffer.append(buf, n);
        while (absl::StrContains(c.buffer, "\r\n\r\n")) {
          c.buffer.erase(0, c.buffer.find("\r\n\r\n") + 4);
          ++c.waiting;
          ++waiting_;
        }
      }
      if (waiting_ >= hold_) {
        static constexpr char kReply[] =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        for (Conn& c : conns_) {
          for (; c.waiting > 0; --c.waiting) {
            send(c.fd, kReply, sizeof(kReply) - 1, MSG_NOSIGNAL);
          }
        }
        waiting_ = 0;
      }
    }
  }

  RawSocket socket_;
  const size_t hold_;
  std::vector<Conn> conns_;  // server thread only
  size_t waiting_ = 0;       // server thread only
  std::thread thread_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  size_t accepted_ ABSL_GUARDED_BY(mu_) = 0;
};

// 400 exchanges in flight at once (more than one multi handle takes), in two
// waves: every one completes, and the second wave reuses the first wave's
// connections (each shard keeps its own).
TEST(HttpClientShardsTest, ManyInFlightSpreadOverShardsAndReuseConnections) {
  constexpr size_t kInFlight = 400;  // 2 fds each: within a 1,024 ulimit
  HoldingServer server(kInFlight);
  auto loop = EventLoop::Create("shards-test");
  ASSERT_TRUE(loop.ok());
  auto client = HttpClient::Create(loop->get());
  for (int wave = 0; wave < 2; ++wave) {
    std::vector<Outcome> outcomes(kInFlight);
    for (Outcome& out : outcomes) {
      HttpRequest request;
      request.method = "GET";
      request.url = server.Url();
      client->Send(request, Collect(&out, loop->get()));
    }
    // The server answers none until all are there: all are in flight.
    EXPECT_EQ(client->Stats().exchanges_in_flight, kInFlight);
    for (size_t i = 0; i < kInFlight; ++i) {
      ASSERT_TRUE(outcomes[i].Wait()) << "wave " << wave << " exchange " << i;
      ASSERT_EQ(outcomes[i].result.error, TransportError::kNone)
          << outcomes[i].result.error_message;
      EXPECT_EQ(outcomes[i].result.response.body, "ok");
    }
    EXPECT_EQ(client->InFlight(), 0u);
    EXPECT_EQ(server.Connections(), kInFlight) << "after wave " << wave;
    const HttpClientStats stats = client->Stats();
    EXPECT_EQ(stats.connections_opened, kInFlight) << "after wave " << wave;
    EXPECT_EQ(stats.multi_handles, 2u);  // 256 + 144
  }
  client.reset();
}

}  // namespace
}  // namespace llmgw::http
