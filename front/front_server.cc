// The OpenAI-compatible HTTP front: a small HTTP/1.1 server on the gateway's
// own event loop, parsing with llhttp (docs/http-front.md says why). Every socket,
// timer and call callback runs on the loop thread; nothing here blocks.
#include "front/front_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/json_log.h"
#include "front/http_parse.h"
#include "front/openai_mapping.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "service/call_admission.h"

namespace llmgw::front {

namespace {

// The caller's Authorization header value, if any (never logged or echoed).
std::optional<absl::string_view> AuthorizationOf(
    const std::map<std::string, std::string>& headers) {
  auto it = headers.find("authorization");
  if (it == headers.end()) return std::nullopt;
  return absl::string_view(it->second);
}

// The self-declared budget client of an open gateway (as gRPC's
// x-llmgw-client-id); with client keys AdmitCall replaces it by the tenant.
absl::StatusOr<std::string> ClientIdHeader(
    const std::map<std::string, std::string>& headers) {
  auto it = headers.find("x-llmgw-client-id");
  if (it == headers.end()) return std::string();
  if (it->second.size() > 256) {
    return absl::InvalidArgumentError(
        "x-llmgw-client-id is longer than 256 bytes");
  }
  return it->second;
}

}  // namespace

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    case 504:
      return "Gateway Timeout";
    default:
      return "Internal Server Error";
  }
}

bool ValidRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.' &&
        c != ':') {
      return false;
    }
  }
  return true;
}

absl::Status Error(absl::StatusCode code, std::string message,
                   const std::string& reason) {
  absl::Status s(code, message);
  s.SetPayload("llmgw/reason", absl::Cord(reason));
  return s;
}

}  // namespace

class FrontServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  struct Conn {
    explicit Conn(const ParseLimits& limits) : parser(limits) {}
    int fd = -1;
    std::string in;  // received bytes the parser has not consumed yet
    RequestParser parser;
    bool receiving = false;  // a request's first byte arrived: deadline armed
    std::string out;
    bool busy = false;         // a request is being answered
    bool close_after = false;  // close once `out` is flushed
    bool keep_alive = true;
    bool http10 = false;
    bool streaming = false;  // SSE head sent
    bool first_delta = true;
    bool stream = false;  // the request asked for SSE
    std::optional<http::EventLoop::TimerId> timer;
    std::optional<http::EventLoop::TimerId> deadline_timer;
    uint64_t call_id = 0;
    // The request being answered.
    std::string route;
    std::string request_id;
    std::string completion_id;
    std::string model;
    bool include_usage = false;
    int64_t created = 0;
  };

  Impl(GatewayCore* core, const FrontOptions& options,
       prometheus::Registry* registry)
      : core_(core),
        options_(options),
        limits_{options.max_request_line, options.max_header_bytes,
                options.max_headers, options.max_body_bytes},
        loop_(&core->loop()) {
    if (registry != nullptr) {
      requests_ = &prometheus::BuildCounter()
                       .Name("llmgw_http_front_requests_total")
                       .Help("HTTP front requests by route and HTTP status.")
                       .Register(*registry);
      connections_ = &prometheus::BuildGauge()
                          .Name("llmgw_http_front_connections")
                          .Help("Open HTTP front connections.")
                          .Register(*registry)
                          .Add({});
    }
  }

  absl::StatusOr<int> Listen(const std::string& address);
  void StartAccepting() {
    loop_->Post([self = shared_from_this()] {
      self->loop_->WatchFd(self->listen_fd_, http::EventLoop::kReadable,
                           [w = std::weak_ptr<Impl>(self)](int) {
                             if (auto s = w.lock()) s->OnAccept();
                           });
    });
  }
  void BeginShutdown();
  void FinishShutdown(absl::Time deadline);
  void CloseAll();

 private:
  using ConnPtr = std::shared_ptr<Conn>;

  void OnAccept();
  std::string NewRequestId() {
    return absl::StrCat(
        absl::Hex(absl::Uniform<uint64_t>(bitgen_), absl::kZeroPad16),
        absl::Hex(absl::Uniform<uint64_t>(bitgen_), absl::kZeroPad16));
  }
  void OnEvent(const ConnPtr& c, int events);
  void UpdateWatch(const ConnPtr& c);
  void ArmTimer(const ConnPtr& c, absl::Duration after);
  void TryParse(const ConnPtr& c);
  void Handle(const ConnPtr& c, const RequestHead& head, std::string body);
  void RefuseRequest(const ConnPtr& c, int status, const std::string& why);
  void HandleChat(const ConnPtr& c, const RequestHead& head,
                  const std::string& body);
  void StartChat(const ConnPtr& c, ChatRequest chat, const Caller& caller,
                 absl::Duration timeout);
  void OnDelta(const ConnPtr& c, absl::string_view text);
  void OnDone(const ConnPtr& c, GenerateResult result);
  void Send(const ConnPtr& c, int status, const std::string& content_type,
            const std::string& body, const Headers& extra);
  void SendError(const ConnPtr& c, const absl::Status& status);
  void SendStreamHead(const ConnPtr& c);
  void SendStreamData(const ConnPtr& c, absl::string_view data);
  void EndRequest(const ConnPtr& c, int status);
  void Flush(const ConnPtr& c);
  void Close(const ConnPtr& c);
  void Count(const std::string& route, int status) {
    if (requests_ != nullptr) {
      requests_->Add({{"route", route}, {"status", absl::StrCat(status)}})
          .Increment();
    }
  }

  GatewayCore* const core_;
  const FrontOptions options_;
  const ParseLimits limits_;
  http::EventLoop* const loop_;
  int listen_fd_ = -1;
  // Loop-thread state.
  std::map<int, ConnPtr> conns_;
  std::map<uint64_t, std::shared_ptr<GenerateCall>> calls_;
  uint64_t next_call_id_ = 1;
  bool draining_ = false;
  absl::BitGen bitgen_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Gauge* connections_ = nullptr;

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

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
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_shared<Conn>(limits_);
    c->fd = fd;
    conns_[fd] = c;
    if (connections_ != nullptr) connections_->Increment();
    UpdateWatch(c);
    ArmTimer(c, options_.idle_timeout);
  }
}

void FrontServer::Impl::UpdateWatch(const ConnPtr& c) {
  int events = 0;
  // Stop reading while a request is answered and input is piling up.
  if (!c->busy || c->in.size() < options_.max_header_bytes) {
    events |= http::EventLoop::kReadable;
  }
  if (!c->out.empty()) events |= http::EventLoop::kWritable;
  loop_->WatchFd(c->fd, events,
                 [w = std::weak_ptr<Impl>(shared_from_this()),
                  wc = std::weak_ptr<Conn>(c)](int ready) {
                   auto s = w.lock();
                   auto conn = wc.lock();
                   if (s && conn && conn->fd >= 0) s->OnEvent(conn, ready);
                 });
}

void FrontServer::Impl::ArmTimer(const ConnPtr& c, absl::Duration after) {
  if (c->timer) loop_->CancelTimer(*c->timer);
  c->timer =
      loop_->RunAfter(after, [w = std::weak_ptr<Impl>(shared_from_this()),
                              wc = std::weak_ptr<Conn>(c)] {
        auto s = w.lock();
        auto conn = wc.lock();
        if (!s || !conn || conn->fd < 0) return;
        conn->timer.reset();
        if (conn->busy) return;
        if (!conn->receiving) {
          s->Close(conn);  // idle keep-alive connection
          return;
        }
        // Too slow to send one request (slow loris): 408, then close.
        s->RefuseRequest(
            conn, 408,
            absl::StrCat("request not received within ",
                         absl::FormatDuration(s->options_.read_timeout)));
      });
}

void FrontServer::Impl::OnEvent(const ConnPtr& c, int events) {
  if (events & http::EventLoop::kWritable) {
    Flush(c);
    if (c->fd < 0) return;
  }
  if (!(events & http::EventLoop::kReadable)) return;
  char buf[16384];
  for (;;) {
    const ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
    if (n > 0) {
      c->in.append(buf, static_cast<size_t>(n));
      if (c->in.size() > options_.max_header_bytes + options_.max_body_bytes)
        break;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      Close(c);  // the caller went away: cancels its call
      return;
    }
    if (errno == EINTR) continue;
    break;
  }
  if (!c->busy) {
    TryParse(c);
  } else {
    UpdateWatch(c);
  }
}

void FrontServer::Impl::TryParse(const ConnPtr& c) {
  if (c->busy || c->fd < 0 || c->close_after || c->in.empty()) return;
  c->in.erase(0, c->parser.Feed(c->in));
  if (c->parser.started() && !c->receiving) {
    // One deadline for the whole request from its first byte, not re-armed
    // per read: a client trickling bytes (slow loris) gets 408.
    c->receiving = true;
    ArmTimer(c, options_.read_timeout);
  }
  switch (c->parser.state()) {
    case RequestParser::State::kNeedMore:
      return;
    case RequestParser::State::kError:
      RefuseRequest(c, c->parser.error_status(), c->parser.error_message());
      return;
    case RequestParser::State::kComplete:
      break;
  }
  HttpRequest request = c->parser.Take();
  c->receiving = false;
  c->busy = true;
  c->route = "other";
  c->request_id = NewRequestId();
  c->keep_alive = request.head.keep_alive && !draining_;
  c->http10 = request.head.http10;
  if (auto it = request.head.headers.find("x-request-id");
      it != request.head.headers.end() && ValidRequestId(it->second)) {
    c->request_id = it->second;
  }
  if (c->timer) loop_->CancelTimer(*c->timer);
  c->timer.reset();
  Handle(c, request.head, std::move(request.body));
}

// A request that cannot be read (bad, too large, too slow): its status, a
// log line naming the failure, and the connection closes after the answer.
void FrontServer::Impl::RefuseRequest(const ConnPtr& c, int status,
                                      const std::string& why) {
  c->busy = true;
  c->receiving = false;
  c->keep_alive = false;
  c->route = "other";
  c->request_id = NewRequestId();
  c->in.clear();
  LogWarning("http_front_request_refused",
             {{"status", absl::StrCat(status)}, {"reason", why}});
  HttpError e = ToHttpError(absl::InvalidArgumentError(why));
  e.status = status;
  Send(c, status, "application/json", e.body, {{"x-should-retry", "false"}});
}

void FrontServer::Impl::Handle(const ConnPtr& c, const RequestHead& head,
                               std::string body) {
  if (head.path == "/v1/models") {
    c->route = "/v1/models";
    if (head.method != "GET") {
      SendError(c, absl::InvalidArgumentError("use GET /v1/models"));
      return;
    }
    Send(c, 200, "application/json",
         ModelsJson(*core_->current()->registry,
                    absl::ToUnixSeconds(loop_->Now())),
         {});
    return;
  }
  if (head.path == "/v1/chat/completions") {
    c->route = "/v1/chat/completions";
    if (head.method != "POST") {
      SendError(c, absl::InvalidArgumentError("use POST /v1/chat/completions"));
      return;
    }
    HandleChat(c, head, body);
    return;
  }
  SendError(c, Error(absl::StatusCode::kNotFound,
                     absl::StrCat("no route ", head.method, " ", head.path,
                                  ": the gateway serves POST "
                                  "/v1/chat/completions and GET /v1/models"),
                     "NOT_FOUND"));
}

void FrontServer::Impl::HandleChat(const ConnPtr& c, const RequestHead& head,
                                   const std::string& body) {
  absl::StatusOr<Caller> caller =
      core_->gatekeeper().Authenticate(AuthorizationOf(head.headers));
  if (!caller.ok()) {
    SendError(c, caller.status());
    return;
  }
  absl::StatusOr<std::string> client_id = ClientIdHeader(head.headers);
  if (!client_id.ok()) {
    SendError(c, client_id.status());
    return;
  }
  const absl::Time now = loop_->Now();
  absl::StatusOr<ChatRequest> chat =
      ParseChatRequest(body, *client_id, c->request_id, now);
  if (!chat.ok()) {
    SendError(c, chat.status());
    return;
  }
  absl::Duration timeout = options_.request_timeout;
  if (auto it = head.headers.find("x-llmgw-timeout-ms");
      it != head.headers.end()) {
    int64_t ms = 0;
    if (!absl::SimpleAtoi(it->second, &ms) || ms <= 0) {
      SendError(c, absl::InvalidArgumentError(
                       "x-llmgw-timeout-ms must be a positive integer"));
      return;
    }
    timeout = std::min(timeout, absl::Milliseconds(ms));
  }
  chat->input.deadline = now + timeout;
  // Tenant, allowed models and rate limits, as for gRPC; the answer comes
  // inline or on this loop (a Redis rate check).
  auto pending = std::make_shared<ChatRequest>(*std::move(chat));
  AdmitCall(
      *core_, *caller, pending->input,
      [w = std::weak_ptr<Impl>(shared_from_this()), wc = std::weak_ptr<Conn>(c),
       pending, caller = *caller, timeout](absl::Status admitted) {
        auto s = w.lock();
        auto conn = wc.lock();
        if (!s || !conn || conn->fd < 0) return;
        if (!admitted.ok()) {
          s->SendError(conn, admitted);
          return;
        }
        s->StartChat(conn, std::move(*pending), caller, timeout);
      });
}

void FrontServer::Impl::StartChat(const ConnPtr& c, ChatRequest chat_request,
                                  const Caller& caller,
                                  absl::Duration timeout) {
  ChatRequest* chat = &chat_request;
  const absl::Time now = loop_->Now();
  c->completion_id = "chatcmpl-" + c->request_id;
  c->model = chat->model;
  c->include_usage = chat->include_usage;
  c->created = absl::ToUnixSeconds(now);
  c->streaming = false;
  c->first_delta = true;
  c->stream = chat->input.stream;
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  const uint64_t id = next_call_id_++;
  c->call_id = id;
  std::weak_ptr<Impl> w = shared_from_this();
  std::weak_ptr<Conn> wc = c;
  GenerateCall::DeltaCallback on_delta;
  if (chat->input.stream) {
    on_delta = [w, wc](absl::string_view text) {
      auto s = w.lock();
      auto conn = wc.lock();
      if (s && conn && conn->fd >= 0) s->OnDelta(conn, text);
    };
  }
  auto call = GenerateCall::Create(
      core_->dispatch_deps(), std::move(chat->input), std::move(on_delta),
      [w, wc, id, caller](GenerateResult result) {
        auto s = w.lock();
        if (!s) return;
        RecordCallTokens(*s->core_, caller, result);
        {
          absl::MutexLock lock(&s->mu_);
          --s->in_flight_;
        }
        // Destroy the call outside its own callback.
        s->loop_->Post([w, id] {
          if (auto s2 = w.lock()) s2->calls_.erase(id);
        });
        auto conn = wc.lock();
        if (conn && conn->fd >= 0 && conn->call_id == id) {
          s->OnDone(conn, std::move(result));
        }
      });
  calls_[id] = call;
  c->deadline_timer = loop_->RunAfter(timeout, [w, id] {
    auto s = w.lock();
    if (!s) return;
    if (auto it = s->calls_.find(id); it != s->calls_.end()) {
      it->second->Cancel(/*deadline=*/true);
    }
  });
  call->Start();
}

void FrontServer::Impl::OnDelta(const ConnPtr& c, absl::string_view text) {
  if (!c->streaming) SendStreamHead(c);
  SendStreamData(c, ChunkEvent(c->completion_id, c->model, c->created,
                               c->first_delta, text, ""));
  c->first_delta = false;
  if (c->out.size() > options_.max_pending_output_bytes) {
    Close(c);  // the reader is far behind: cut it, cancelling the call
  }
}

void FrontServer::Impl::OnDone(const ConnPtr& c, GenerateResult result) {
  if (c->deadline_timer) loop_->CancelTimer(*c->deadline_timer);
  c->deadline_timer.reset();
  c->call_id = 0;
  if (!result.status.ok() && !c->streaming) {
    SendError(c, result.status);
    return;
  }
  const std::string model = result.model.empty() ? c->model : result.model;
  if (!result.status.ok()) {
    // Output was already sent: the error travels as an SSE event, no [DONE].
    const HttpError e = ToHttpError(result.status);
    SendStreamData(c, ErrorEvent(e));
    c->keep_alive = false;
    EndRequest(c, e.status);
    return;
  }
  if (!c->stream) {
    const Headers extra = {
        {"x-llmgw-provider", result.provider},
        {"x-llmgw-model", result.model},
        {"x-llmgw-cost-nano-usd", absl::StrCat(result.cost_nano_usd)},
        {"x-llmgw-attempts", absl::StrCat(result.attempts.size())}};
    Send(c, 200, "application/json",
         ChatCompletionJson(result, c->completion_id, c->model, c->created),
         extra);
    return;
  }
  if (!c->streaming) SendStreamHead(c);
  std::string tail =
      ChunkEvent(c->completion_id, model, c->created, c->first_delta, "",
                 FinishReasonString(result.reply.finish_reason));
  if (c->include_usage) {
    absl::StrAppend(&tail, UsageChunkEvent(c->completion_id, model, c->created,
                                           result.reply.usage));
  }
  // An SSE comment (ignored by SDKs): what headers carry for non-streams.
  absl::StrAppend(
      &tail, ": llmgw provider=", result.provider, " model=", result.model,
      " cost_nano_usd=", result.cost_nano_usd, "\n\n", "data: [DONE]\n\n");
  SendStreamData(c, tail);
  EndRequest(c, 200);
}

void FrontServer::Impl::Send(const ConnPtr& c, int status,
                             const std::string& content_type,
                             const std::string& body, const Headers& extra) {
  std::string& out = c->out;
  absl::StrAppend(&out, "HTTP/1.1 ", status, " ", Reason(status),
                  "\r\ncontent-type: ", content_type,
                  "\r\ncontent-length: ", body.size(),
                  "\r\nx-request-id: ", c->request_id, "\r\n");
  for (const auto& [name, value] : extra) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (!c->keep_alive || draining_) {
    c->keep_alive = false;
    out.append("connection: close\r\n");
  } else if (c->http10) {
    out.append("connection: keep-alive\r\n");
  }
  absl::StrAppend(&out, "\r\n", body);
  EndRequest(c, status);
}

void FrontServer::Impl::SendError(const ConnPtr& c,
                                  const absl::Status& status) {
  const HttpError e = ToHttpError(status);
  Headers extra;
  if (e.retry_after_seconds >= 0) {
    extra.emplace_back("retry-after", absl::StrCat(e.retry_after_seconds));
  }
  // Tell SDKs not to retry what cannot succeed (the openai SDK reads it).
  if (e.status < 500 && e.status != 429 && e.status != 408) {
    extra.emplace_back("x-should-retry", "false");
  }
  Send(c, e.status, "application/json", e.body, extra);
}

void FrontServer::Impl::SendStreamHead(const ConnPtr& c) {
  c->streaming = true;
  if (c->http10) c->keep_alive = false;
  absl::StrAppend(
      &c->out, "HTTP/1.1 200 OK\r\n", "content-type: text/event-stream\r\n",
      "cache-control: no-cache\r\n", "x-request-id: ", c->request_id, "\r\n",
      c->http10 ? "connection: close\r\n" : "transfer-encoding: chunked\r\n",
      "\r\n");
}

void FrontServer::Impl::SendStreamData(const ConnPtr& c,
                                       absl::string_view data) {
  if (data.empty()) return;
  if (c->http10) {
    c->out.append(data.data(), data.size());
  } else {
    absl::StrAppend(&c->out, absl::Hex(data.size()), "\r\n", data, "\r\n");
  }
  Flush(c);
}

void FrontServer::Impl::EndRequest(const ConnPtr& c, int status) {
  if (c->streaming && !c->http10) c->out.append("0\r\n\r\n");
  Count(c->route, status);
  c->busy = false;
  c->streaming = false;
  if (!c->keep_alive || draining_) c->close_after = true;
  Flush(c);
  if (c->fd < 0 || c->close_after) return;
  ArmTimer(c, options_.idle_timeout);
  TryParse(c);  // a pipelined request may already be buffered
}

void FrontServer::Impl::Flush(const ConnPtr& c) {
  while (!c->out.empty()) {
    const ssize_t n = send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c->out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    Close(c);
    return;
  }
  if (c->out.empty() && c->close_after) {
    Close(c);
    return;
  }
  UpdateWatch(c);
}

void FrontServer::Impl::Close(const ConnPtr& c) {
  if (c->fd < 0) return;
  if (c->call_id != 0) {
    if (auto it = calls_.find(c->call_id); it != calls_.end()) {
      it->second->Cancel(/*deadline=*/false);
    }
    if (c->busy) Count(c->route, 499);
    c->call_id = 0;
  }
  if (c->timer) loop_->CancelTimer(*c->timer);
  if (c->deadline_timer) loop_->CancelTimer(*c->deadline_timer);
  c->timer.reset();
  c->deadline_timer.reset();
  loop_->UnwatchFd(c->fd);
  close(c->fd);
  conns_.erase(c->fd);
  c->fd = -1;
  if (connections_ != nullptr) connections_->Decrement();
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
