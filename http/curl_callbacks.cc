#include <curl/curl.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/curl_exchange.h"
#include "http/curl_http_client.h"
#include "http/curl_response.h"

// CurlHttpClient's callbacks from curl (sockets, timers, header lines, body
// bytes) and the exchange's limit timer (read timeout, deadline, minimum
// rate); all run on the loop thread.

namespace llmgw::http::internal {

// Runs curl for `fd` (or its timeouts) and completes finished transfers.
void CurlHttpClient::SocketAction(CurlShard& shard, curl_socket_t fd,
                                  int flags) {
  BusyScope busy(this);
  int running = 0;
  curl_multi_socket_action(shard.multi, fd, flags, &running);
  CURLMsg* msg;
  int queued = 0;
  // Shutdown (from an on_complete) cleans the multi up.
  while (shard.multi != nullptr &&
         (msg = curl_multi_info_read(shard.multi, &queued)) != nullptr) {
    if (msg->msg != CURLMSG_DONE) continue;
    Exchange* ex = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &ex);
    const CURLcode code = msg->data.result;
    if (ex == nullptr) continue;
    auto [error, message] = ClassifyCurlResult(*ex, code);
    Finish(*ex, error, std::move(message));
  }
}

namespace {

// Where the exchange's time runs out: the caller's deadline, or this
// attempt's own budget when that ends first (a retryable failure).
struct DeadlineEnd {
  absl::Time at;
  bool attempt_first;
};

DeadlineEnd DeadlineOf(const Exchange& ex) {
  const absl::Time attempt_end = ex.started + ex.request.attempt_timeout;
  const bool attempt_first = attempt_end < ex.request.deadline;
  return {attempt_first ? attempt_end : ex.request.deadline, attempt_first};
}

absl::Time ReadDue(const Exchange& ex) {
  return ex.request.read_timeout == absl::InfiniteDuration()
             ? absl::InfiniteFuture()
             : ex.last_activity + ex.request.read_timeout;
}

// The end of the open minimum-rate window. Before the first body byte, the
// earliest a window could end if one opened `now`: the timer then wakes no
// later than the window will end, and no timer is armed when it opens.
absl::Time RateDue(const Exchange& ex, absl::Time now) {
  // Only accumulated bodies (no on_data) have a minimum rate; streams are
  // bounded by the dispatcher's first-token and idle timers. An empty window
  // is no limit (it would re-arm the timer at once, forever).
  if (ex.request.min_bytes_per_second <= 0 || ex.handlers.on_data ||
      ex.request.min_rate_window <= absl::ZeroDuration()) {
    return absl::InfiniteFuture();
  }
  return ex.rate.WindowEnd(ex.request.min_rate_window)
      .value_or(now + ex.request.min_rate_window);
}

}  // namespace

// One loop timer per exchange, at the earliest of its limits: the
// deadline, the read timeout (idle time since the last byte) and the
// minimum-rate window. Chunks only record their time and bytes; when the
// timer fires it ends the exchange if a limit is reached, else re-arms for
// the next one. Three timers per exchange would cost three insertions and
// three cancellations on the loop per call.
void CurlHttpClient::ArmLimitTimer(Exchange& ex) {
  const absl::Time now = loop_->Now();
  const absl::Time due =
      std::min({DeadlineOf(ex).at, ReadDue(ex), RateDue(ex, now)});
  if (due == absl::InfiniteFuture()) return;
  ex.limit_timer_armed = true;
  ex.limit_timer =
      loop_->RunAfter(due - now, [this, &ex] { OnLimitTimer(ex); });
}

void CurlHttpClient::OnLimitTimer(Exchange& ex) {
  BusyScope busy(this);
  ex.limit_timer_armed = false;
  const absl::Time now = loop_->Now();
  const DeadlineEnd deadline = DeadlineOf(ex);
  const absl::Time read_due = ReadDue(ex);
  // Of the limits reached, the one reached first ends the exchange (ties:
  // the read timeout, then the deadline).
  if (read_due <= now && read_due <= deadline.at) {
    Finish(ex, TransportError::kReadTimeout,
           absl::StrCat("no response data for ",
                        absl::FormatDuration(ex.request.read_timeout)));
    return;
  }
  if (deadline.at <= now) {
    if (deadline.attempt_first) {
      Finish(ex, TransportError::kAttemptTimeout,
             absl::StrCat("no complete reply within the attempt's ",
                          absl::FormatDuration(ex.request.attempt_timeout)));
    } else {
      Finish(ex, TransportError::kDeadlineExceeded, "deadline exceeded");
    }
    return;
  }
  // Only an open window can be due by now; closing it opens the next one.
  if (RateDue(ex, now) <= now) {
    std::optional<std::string> too_slow = ex.rate.Close(
        now, ex.request.min_bytes_per_second, ex.request.min_rate_window);
    if (too_slow) {
      Finish(ex, TransportError::kTooSlow, *std::move(too_slow));
      return;
    }
  }
  ArmLimitTimer(ex);
}

void CurlHttpClient::CancelLimitTimer(Exchange& ex) {
  if (ex.limit_timer_armed) {
    loop_->CancelTimer(ex.limit_timer);
    ex.limit_timer_armed = false;
  }
}

// curl tells which events it wants for a socket.
int CurlHttpClient::OnSocket(CURL* /*easy*/, curl_socket_t fd, int what,
                             void* userp, void* /*socketp*/) {
  auto* shard = static_cast<CurlShard*>(userp);
  CurlHttpClient* self = shard->client;
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
    events |= EventLoop::kReadable;
  }
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
    events |= EventLoop::kWritable;
  }
  if (events == 0) {  // CURL_POLL_REMOVE or CURL_POLL_NONE.
    self->loop_->UnwatchFd(fd);
    self->watched_fds_.erase(fd);
    return 0;
  }
  self->watched_fds_.insert(fd);
  self->loop_->WatchFd(fd, events, [self, shard, fd](int ready) {
    int flags = 0;
    if (ready & EventLoop::kReadable) flags |= CURL_CSELECT_IN;
    if (ready & EventLoop::kWritable) flags |= CURL_CSELECT_OUT;
    self->SocketAction(*shard, fd, flags);
  });
  return 0;
}

// curl wants socket_action(TIMEOUT) after `timeout_ms` (-1: never). curl
// must not be called from here, so even a zero timeout goes through the loop.
int CurlHttpClient::OnTimer(CURLM* /*multi*/, long timeout_ms, void* userp) {
  auto* shard = static_cast<CurlShard*>(userp);
  CurlHttpClient* self = shard->client;
  if (shard->timer.has_value()) {
    self->loop_->CancelTimer(*shard->timer);
    shard->timer.reset();
  }
  if (timeout_ms < 0) return 0;
  shard->timer =
      self->loop_->RunAfter(absl::Milliseconds(timeout_ms), [self, shard] {
        shard->timer.reset();
        self->SocketAction(*shard, CURL_SOCKET_TIMEOUT, 0);
      });
  return 0;
}

// One complete header line per call, including status lines and the blank
// line ending each header block.
size_t CurlHttpClient::OnHeader(char* buffer, size_t size, size_t count,
                                void* userdata) {
  const size_t n = size * count;
  Exchange& ex = *static_cast<Exchange*>(userdata);
  ex.last_activity = ex.client->loop_->Now();
  if (ex.cancel_requested.load(std::memory_order_relaxed)) {
    return AbortTransfer(ex, TransportError::kCancelled, "cancelled by caller");
  }
  return HandleHeaderLine(ex, absl::string_view(buffer, n), n);
}

// Body bytes, already de-chunked.
size_t CurlHttpClient::OnBody(char* data, size_t size, size_t count,
                              void* userdata) {
  const size_t n = size * count;
  Exchange& ex = *static_cast<Exchange*>(userdata);
  ex.last_activity = ex.client->loop_->Now();
  if (ex.cancel_requested.load(std::memory_order_relaxed)) {
    return AbortTransfer(ex, TransportError::kCancelled, "cancelled by caller");
  }
  ex.body_bytes += n;
  if (ex.body_bytes > ex.request.max_response_bytes) {
    return AbortTransfer(ex, TransportError::kResponseTooLarge,
                         TooLargeMessage(ex));
  }
  if (!ex.handlers.on_data) return ex.client->AccumulateBody(ex, data, n);
  if (!ex.handlers.on_data(absl::string_view(data, n))) {
    return AbortTransfer(ex, TransportError::kCancelled,
                         "cancelled by the data handler");
  }
  return n;
}

size_t CurlHttpClient::AccumulateBody(Exchange& ex, const char* data,
                                      size_t n) {
  if (!body_budget_.TryTake(n)) {
    return AbortTransfer(
        ex, TransportError::kResponseTooLarge,
        absl::StrCat("replies in flight already buffer ", body_budget_.used(),
                     " bytes, the gateway's budget across all calls "
                     "(max_buffered_body_bytes)"));
  }
  ex.budgeted_bytes += n;
  ex.response.body.append(data, n);
  // The limit timer already wakes by the end of a window opened now.
  if (ex.request.min_bytes_per_second > 0) ex.rate.Add(n, ex.last_activity);
  return n;
}

}  // namespace llmgw::http::internal
