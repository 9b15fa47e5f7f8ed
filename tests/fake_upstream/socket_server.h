// Internal to the fake upstream: the TCP side of the server.
//
// httplib parses requests, routes them and writes responses, but its own
// listener cannot close one chosen connection (kReset, kHang, kCutStream),
// notice a client going away while a handler waits, or stop while a client
// holds an idle keep-alive connection. So this file owns the sockets: it
// accepts connections, serves each on a worker thread from an elastic pool
// and feeds them to httplib::Server::process_request through its own
// httplib::Stream. Every wait is a poll() that also watches a stop eventfd,
// so Stop() returns promptly whatever the handlers are doing.

#ifndef LLMGW_TESTS_FAKE_UPSTREAM_SOCKET_SERVER_H_
#define LLMGW_TESTS_FAKE_UPSTREAM_SOCKET_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "httplib.h"

namespace llmgw::fake_upstream::internal {

// One accepted TCP connection. Handlers reach the connection they are
// serving through CurrentConnection().
class Connection {
 public:
  enum class WaitResult {
    kElapsed,     // the full duration passed
    kPeerClosed,  // the client closed or reset the connection
    kStopping,    // the server is stopping
  };

  Connection(int fd, int stop_fd) : fd_(fd), stop_fd_(stop_fd) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  int stop_fd() const { return stop_fd_; }

  // Sleeps for `d`, returning early when the client goes away or the server
  // stops. Costs one poll(); no busy waiting.
  WaitResult Wait(absl::Duration d) const;

  // Sends FIN now; every later read or write on the connection fails, so
  // httplib gives up on the response and the connection is closed.
  void Close();
  // Like Close(), but the socket is closed with SO_LINGER 0 (a TCP RST) and
  // nothing is sent before.
  void Reset();
  bool aborted() const { return aborted_.load(std::memory_order_acquire); }
  bool reset() const { return reset_.load(std::memory_order_acquire); }

  // Per-request scratch, written by the server before routing.
  absl::Time request_arrival;
  // Accept-Encoding is taken out of the request so httplib never compresses
  // (compression would swallow keep-alive bytes); kept here for recording.
  std::optional<std::string> accept_encoding;

 private:
  const int fd_;
  const int stop_fd_;
  std::atomic<bool> aborted_{false};
  std::atomic<bool> reset_{false};
};

// The connection whose request the calling thread is serving; nullptr
// outside a request.
Connection* CurrentConnection();

// httplib::Server with its request processing reachable from SocketServer.
class RoutingServer : public httplib::Server {
 public:
  RoutingServer();
  // Marks the server live (content providers run) or shutting down.
  void SetLive(bool live);
  bool Process(httplib::Stream& stream, bool close_connection,
               bool& connection_closed,
               const std::function<void(httplib::Request&)>& setup) {
    return process_request(stream, close_connection, connection_closed, setup);
  }
};

// Accepts connections and runs them through a RoutingServer.
class SocketServer {
 public:
  struct Config {
    // Longest wait for request bytes once a request has started.
    absl::Duration read_timeout = absl::Seconds(10);
    // Longest wait for the client to drain response bytes.
    absl::Duration write_timeout = absl::Seconds(10);
    // Idle keep-alive connections are closed after this.
    absl::Duration keep_alive_timeout = absl::Seconds(60);
    // Worker threads are created on demand up to this many (one per open
    // connection); further connections wait for a free worker.
    int max_threads = 1024;
  };

  SocketServer(RoutingServer* routes, Config config);
  SocketServer(const SocketServer&) = delete;
  SocketServer& operator=(const SocketServer&) = delete;
  ~SocketServer();

  // Binds host:port (port 0 = any free port) and starts accepting.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }
  // Stops accepting, ends every connection (idle, hanging or streaming) and
  // joins all threads. Idempotent.
  void Stop();

 private:
  class WorkerPool;

  void AcceptLoop();
  void Serve(const std::shared_ptr<Connection>& conn);

  RoutingServer* const routes_;
  const Config config_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;
  std::unique_ptr<WorkerPool> pool_;

  std::mutex mu_;
  bool started_ = false;
  bool stopping_ = false;
  std::unordered_set<Connection*> conns_;
};

}  // namespace llmgw::fake_upstream::internal

#endif  // LLMGW_TESTS_FAKE_UPSTREAM_SOCKET_SERVER_H_
