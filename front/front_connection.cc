// The HTTP front's connections: non-blocking socket I/O, request parsing
// (front/http_parse.h), the receive deadline, framing of answers (plain and
// SSE) and closing. Loop thread only.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/json_log.h"
#include "front/front_impl.h"

namespace llmgw::front {

namespace {

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

}  // namespace

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
      if (c->parser.TakeExpectContinue()) {
        c->out.append("HTTP/1.1 100 Continue\r\n\r\n");
        Flush(c);
      }
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
  c->route = FrontMetrics::kOther;
  c->received_at = loop_->Now();
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
  c->route = FrontMetrics::kOther;
  c->received_at = loop_->Now();
  c->request_id = NewRequestId();
  c->in.clear();
  LogWarning("http_front_request_refused",
             {{"status", absl::StrCat(status)}, {"reason", why}});
  HttpError e = ToHttpError(absl::InvalidArgumentError(why));
  e.status = status;
  Send(c, status, "application/json", e.body, {{"x-should-retry", "false"}});
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
  Count(c, status);
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
    if (c->busy) {
      Count(c, 499);
      LogInfo("http_front_client_gone", {{"request_id", c->request_id}});
    }
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
  metrics_.ConnectionClosed();
}

}  // namespace llmgw::front
