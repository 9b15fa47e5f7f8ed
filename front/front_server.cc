// The OpenAI-compatible HTTP front: a small HTTP/1.1 server on the gateway's
// own event loop, parsing with llhttp (docs/http-front.md says why). Every
// socket, timer and call callback runs on the loop thread; nothing here
// blocks. This file: listening, accepting and shutting down.
#include "front/front_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/json_log.h"
#include "front/front_impl.h"

namespace llmgw::front {

absl::StatusOr<int> FrontServer::Impl::Listen(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError("bad HTTP front address " + address);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr) !=
      1) {
    return absl::InvalidArgumentError("bad HTTP front host in " + address);
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (listen_fd_ < 0 ||
      bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 512) != 0) {
    const int err = errno;
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ",
                                               address, ": ", strerror(err)));
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

void FrontServer::Impl::OnAccept() {
  while (!draining_) {
    const int fd =
        accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN or a transient error: wait for the next
    if (conns_.size() >= options_.max_connections) {
      LogWarning("http_front_connection_refused",
                 {{"open", absl::StrCat(conns_.size())},
                  {"max_connections", absl::StrCat(options_.max_connections)}});
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_shared<Conn>(limits_);
    c->fd = fd;
    conns_[fd] = c;
    metrics_.ConnectionOpened();
    UpdateWatch(c);
    ArmTimer(c, options_.idle_timeout);
  }
}

void FrontServer::Impl::BeginShutdown() {
  absl::Notification done;
  loop_->Post([this, &done] {
    draining_ = true;
    if (listen_fd_ >= 0) {
      loop_->UnwatchFd(listen_fd_);
      close(listen_fd_);
      listen_fd_ = -1;
    }
    std::vector<ConnPtr> idle;
    for (auto& [fd, c] : conns_) {
      if (!c->busy) idle.push_back(c);
    }
    for (auto& c : idle) Close(c);
    done.Notify();
  });
  done.WaitForNotification();
}

void FrontServer::Impl::FinishShutdown(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    auto idle = [this]()
                    ABSL_SHARED_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
    mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
  }
  CloseAll();
}

void FrontServer::Impl::CloseAll() {
  absl::Notification done;
  loop_->Post([this, &done] {
    draining_ = true;
    if (listen_fd_ >= 0) {
      loop_->UnwatchFd(listen_fd_);
      close(listen_fd_);
      listen_fd_ = -1;
    }
    std::vector<ConnPtr> all;
    for (auto& [fd, c] : conns_) all.push_back(c);
    for (auto& c : all) Close(c);
    for (auto& [id, call] : calls_) call->Cancel(false);
    done.Notify();
  });
  done.WaitForNotification();
}

absl::StatusOr<std::unique_ptr<FrontServer>> FrontServer::Start(
    GatewayCore* core, const FrontOptions& options,
    prometheus::Registry* metrics) {
  std::unique_ptr<FrontServer> server(new FrontServer());
  server->impl_ = std::make_shared<Impl>(core, options, metrics);
  absl::StatusOr<int> port = server->impl_->Listen(options.address);
  if (!port.ok()) return port.status();
  server->port_ = *port;
  server->impl_->StartAccepting();
  return server;
}

FrontServer::~FrontServer() {
  if (impl_ != nullptr) impl_->CloseAll();
  // Loop callbacks hold only weak pointers; the last reference may be
  // dropped on the loop thread, which is fine: ~Impl does not block.
  impl_.reset();
}

void FrontServer::BeginShutdown() { impl_->BeginShutdown(); }

void FrontServer::FinishShutdown(absl::Time deadline) {
  impl_->FinishShutdown(deadline);
}

}  // namespace llmgw::front
