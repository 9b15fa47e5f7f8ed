#include "tests/fake_upstream/socket_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace llmgw::fake_upstream::internal {
namespace {

thread_local Connection* current_connection = nullptr;

// Headers httplib adds to every request; they are not what the client sent.
constexpr const char* kPseudoHeaders[] = {"REMOTE_ADDR", "REMOTE_PORT",
                                          "LOCAL_ADDR", "LOCAL_PORT"};

timespec Remaining(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  return absl::ToTimespec(d);
}

enum class IoReady { kReady, kTimeout, kStopping };

// Waits until `fd` has any of `events` (or an error), the stop eventfd fires
// or `timeout` passes.
IoReady PollIo(int fd, short events, int stop_fd, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    timespec ts = Remaining(deadline - absl::Now());
    int r = ppoll(fds, 2, &ts, nullptr);
    if (r < 0) {
      if (errno == EINTR) continue;
      return IoReady::kStopping;
    }
    if (fds[1].revents != 0) return IoReady::kStopping;
    if (fds[0].revents != 0) return IoReady::kReady;
    if (absl::Now() >= deadline) return IoReady::kTimeout;
  }
}

std::string AddressString(const sockaddr_storage& ss, int* port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
    *port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
    *port = ntohs(in6->sin6_port);
  } else {
    *port = -1;
  }
  return buf;
}

// httplib::Stream over a Connection: buffered reads (httplib reads request
// lines a byte at a time), non-blocking writes with a timeout, and every
// wait interruptible by Stop().
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(Connection* conn, const SocketServer::Config& config)
      : conn_(conn), config_(config) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (getpeername(conn->fd(), reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      remote_ip_ = AddressString(ss, &remote_port_);
    }
    len = sizeof(ss);
    if (getsockname(conn->fd(), reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      local_ip_ = AddressString(ss, &local_port_);
    }
  }

  bool HasBufferedData() const { return pos_ < len_; }

  // Waits for the next request on an idle connection.
  bool WaitForRequest(absl::Duration timeout) const {
    return HasBufferedData() || PollIo(conn_->fd(), POLLIN, conn_->stop_fd(),
                                       timeout) == IoReady::kReady;
  }

  bool is_readable() const override {
    return !conn_->aborted() &&
           (HasBufferedData() ||
            PollIo(conn_->fd(), POLLIN, conn_->stop_fd(),
                   config_.read_timeout) == IoReady::kReady);
  }

  bool is_writable() const override {
    return !conn_->aborted() &&
           PollIo(conn_->fd(), POLLOUT, conn_->stop_fd(),
                  config_.write_timeout) == IoReady::kReady;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (conn_->aborted()) return -1;
    if (HasBufferedData()) {
      size_t n = std::min(size, len_ - pos_);
      memcpy(ptr, buf_ + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    for (;;) {
      const bool fill = size < sizeof(buf_);
      ssize_t r = recv(conn_->fd(), fill ? buf_ : ptr,
                       fill ? sizeof(buf_) : size, MSG_DONTWAIT);
      if (r > 0 && fill) {
        pos_ = 0;
        len_ = static_cast<size_t>(r);
        size_t n = std::min(size, len_);
        memcpy(ptr, buf_, n);
        pos_ = n;
        return static_cast<ssize_t>(n);
      }
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (PollIo(conn_->fd(), POLLIN, conn_->stop_fd(), config_.read_timeout) !=
              IoReady::kReady ||
          conn_->aborted()) {
        return -1;
      }
    }
  }

  ssize_t write(const char* ptr, size_t size) override {
    for (;;) {
      if (conn_->aborted()) return -1;
      ssize_t r = send(conn_->fd(), ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (PollIo(conn_->fd(), POLLOUT, conn_->stop_fd(),
                 config_.write_timeout) != IoReady::kReady) {
        return -1;
      }
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }

  socket_t socket() const override { return conn_->fd(); }

 private:
  Connection* const conn_;
  const SocketServer::Config& config_;
  std::string remote_ip_;
  int remote_port_ = -1;
  std::string local_ip_;
  int local_port_ = -1;
  char buf_[4096];
  size_t pos_ = 0;
  size_t len_ = 0;
};

}  // namespace

Connection::WaitResult Connection::Wait(absl::Duration d) const {
  const absl::Time deadline = absl::Now() + d;
  for (;;) {
    pollfd fds[2] = {{fd_, POLLRDHUP, 0}, {stop_fd_, POLLIN, 0}};
    timespec ts = Remaining(deadline - absl::Now());
    int r = ppoll(fds, 2, &ts, nullptr);
    if (r < 0) {
      if (errno == EINTR) continue;
      return WaitResult::kStopping;
    }
    if (fds[1].revents != 0) return WaitResult::kStopping;
    if (fds[0].revents != 0) return WaitResult::kPeerClosed;
    if (absl::Now() >= deadline) return WaitResult::kElapsed;
  }
}

void Connection::Close() {
  if (!aborted_.exchange(true)) shutdown(fd_, SHUT_RDWR);
}

void Connection::Reset() {
  reset_.store(true, std::memory_order_release);
  aborted_.store(true, std::memory_order_release);
}

Connection* CurrentConnection() { return current_connection; }

RoutingServer::RoutingServer() {
  // process_request() is driven by SocketServer: none of httplib's own
  // listener or keep-alive settings apply, except the Keep-Alive header.
  set_keep_alive_timeout(60);
  set_keep_alive_max_count(1000000);
  SetLive(false);
}

void RoutingServer::SetLive(bool live) {
  // httplib stops calling content providers once svr_sock_ is invalid; any
  // other value means "running" (the socket itself is never used).
  svr_sock_ = live ? 0 : INVALID_SOCKET;
}

// Elastic thread pool: a task runs on an idle worker or, if none is idle,
// on a new thread, up to `max_threads`; beyond that tasks queue.
class SocketServer::WorkerPool {
 public:
  explicit WorkerPool(int max_threads) : max_threads_(max_threads) {}

  void Submit(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
    if (queue_.size() > static_cast<size_t>(idle_) &&
        threads_.size() < static_cast<size_t>(max_threads_)) {
      threads_.emplace_back([this] { Work(); });
    } else {
      cv_.notify_one();
    }
  }

  // Runs what is queued, then joins every worker.
  void Shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  const int max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  int idle_ = 0;
  bool shutdown_ = false;
};

SocketServer::SocketServer(RoutingServer* routes, Config config)
    : routes_(routes),
      config_(config),
      pool_(std::make_unique<WorkerPool>(std::max(1, config.max_threads))) {}

SocketServer::~SocketServer() { Stop(); }

absl::Status SocketServer::Start(const std::string& host, int port) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return absl::FailedPreconditionError("already started");
    started_ = true;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  int gai = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(),
                        &hints, &res);
  if (gai != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("resolve ", host, ": ", gai_strerror(gai)));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
               ai->ai_protocol);
    if (fd < 0) {
      last_error = strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
      last_error = strerror(errno);
      close(fd);
      continue;
    }
    listen_fd_ = fd;
    break;
  }
  freeaddrinfo(res);
  if (listen_fd_ < 0) {
    return absl::UnavailableError(
        absl::StrCat("listen on ", host, ":", port, ": ", last_error));
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  AddressString(ss, &port_);

  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    close(listen_fd_);
    listen_fd_ = -1;
    return absl::InternalError(absl::StrCat("eventfd: ", strerror(errno)));
  }
  routes_->SetLive(true);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return absl::OkStatus();
}

void SocketServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  routes_->SetLive(false);
  if (stop_fd_ >= 0) {
    uint64_t one = 1;
    // The eventfd is never read: it stays readable and wakes every poll.
    (void)!::write(stop_fd_, &one, sizeof(one));
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
  }
  {
    // Connections close their own fd only after leaving conns_, so every fd
    // here is still theirs.
    std::lock_guard<std::mutex> lock(mu_);
    for (Connection* c : conns_) shutdown(c->fd(), SHUT_RDWR);
  }
  pool_->Shutdown();
  if (stop_fd_ >= 0) {
    close(stop_fd_);
    stop_fd_ = -1;
  }
}

void SocketServer::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int r = poll(fds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto conn = std::make_shared<Connection>(fd, stop_fd_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        close(fd);
        return;
      }
      conns_.insert(conn.get());
    }
    pool_->Submit([this, conn] { Serve(conn); });
  }
}

void SocketServer::Serve(const std::shared_ptr<Connection>& conn) {
  current_connection = conn.get();
  ConnectionStream stream(conn.get(), config_);
  auto setup = [&conn](httplib::Request& req) {
    conn->request_arrival = absl::Now();
    for (const char* name : kPseudoHeaders) req.headers.erase(name);
    auto it = req.headers.find("Accept-Encoding");
    if (it != req.headers.end()) {
      conn->accept_encoding = it->second;
      req.headers.erase("Accept-Encoding");
    } else {
      conn->accept_encoding.reset();
    }
  };
  while (!conn->aborted() &&
         stream.WaitForRequest(config_.keep_alive_timeout)) {
    bool closed = false;
    bool ok =
        routes_->Process(stream, /*close_connection=*/false, closed, setup);
    if (!ok || closed) break;
  }
  current_connection = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    conns_.erase(conn.get());
  }
  if (conn->reset()) {
    linger lg{1, 0};
    setsockopt(conn->fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
  close(conn->fd());
}

}  // namespace llmgw::fake_upstream::internal
