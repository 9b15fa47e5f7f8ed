#include "http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/internal/raw_logging.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "http/transfer_limits.h"

namespace llmgw::http {

absl::string_view TransportErrorName(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "none";
    case TransportError::kConnectFailed:
      return "connect_failed";
    case TransportError::kConnectTimeout:
      return "connect_timeout";
    case TransportError::kReadTimeout:
      return "read_timeout";
    case TransportError::kDeadlineExceeded:
      return "deadline_exceeded";
    case TransportError::kConnectionReset:
      return "connection_reset";
    case TransportError::kResponseTooLarge:
      return "response_too_large";
    case TransportError::kCancelled:
      return "cancelled";
    case TransportError::kAttemptTimeout:
      return "attempt_timeout";
    case TransportError::kTooSlow:
      return "too_slow";
    case TransportError::kOther:
      return "other";
  }
  return "unknown";
}

std::optional<std::string> HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

namespace {

class CurlHttpClient;

// State shared by a client and every handle it gave out. It outlives the
// client, so a late RequestHandle::Cancel() can find out the client is gone.
struct ClientCore {
  absl::Mutex mu;
  // Null once the client has shut down; from then on Cancel() never touches
  // the loop (which may be destroyed soon after the client).
  EventLoop* loop ABSL_GUARDED_BY(mu) = nullptr;
  // Loop thread only. Null once the client has shut down.
  CurlHttpClient* client = nullptr;
};

// One exchange; also the RequestHandle given to the caller. Apart from the
// atomics, every field is touched only on the loop thread.
class Exchange final : public RequestHandle,
                       public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<ClientCore> core, HttpRequest request,
           HttpHandlers handlers)
      : core(std::move(core)),
        request(std::move(request)),
        handlers(std::move(handlers)) {
    error_buffer[0] = '\0';
  }

  ~Exchange() override {
    // Finish() always releases these first; this is only a safety net.
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(header_list);
  }

  void Cancel() override;

  // Runs on_complete exactly once and drops everything the exchange held
  // (the request carries credentials; the handlers may capture a lot).
  void Complete(TransportError error, std::string message) {
    done = true;
    finished.store(true, std::memory_order_release);
    HttpResult result;
    result.error = error;
    if (error != TransportError::kNone)
      result.error_message = std::move(message);
    result.response = std::move(response);
    auto on_complete = std::move(handlers.on_complete);
    handlers = HttpHandlers();
    request = HttpRequest();
    if (on_complete) on_complete(std::move(result));
  }

  const std::shared_ptr<ClientCore> core;
  HttpRequest request;
  HttpHandlers handlers;
  HttpResponse response;

  CurlHttpClient* client = nullptr;  // Set while running on a client.
  CURL* easy = nullptr;
  bool in_multi = false;
  curl_slist* header_list = nullptr;
  char error_buffer[CURL_ERROR_SIZE];

  size_t body_bytes = 0;
  bool headers_done = false;  // The final (non-1xx) header block ended.
  bool done = false;
  // Set when one of our curl callbacks aborted the transfer, which curl then
  // reports as a generic write error.
  TransportError abort_error = TransportError::kNone;
  std::string abort_message;

  absl::Time started;
  absl::Time last_activity;
  bool read_timer_armed = false;
  EventLoop::TimerId read_timer = 0;
  bool deadline_timer_armed = false;
  EventLoop::TimerId deadline_timer = 0;
  // Minimum rate of an accumulated body (transfer_limits.h).
  RateWindow rate;
  bool rate_timer_armed = false;
  EventLoop::TimerId rate_timer = 0;
  // Bytes of this exchange's body counted in the client's BodyBudget.
  size_t budgeted_bytes = 0;

  std::atomic<bool> cancel_requested{false};
  std::atomic<bool> finished{false};
};

bool IsTokenChar(char c) {
  // RFC 9110 tchar.
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("!#$%&'*+-.^_`|~", c);
}

bool IsToken(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

bool IsValidHeaderValue(absl::string_view s) {
  return s.find_first_of(absl::string_view("\r\n\0", 3)) ==
         absl::string_view::npos;
}

long ToCurlMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 1;
  if (d == absl::InfiniteDuration()) return 0;  // curl's default (300 s).
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1)));
  return static_cast<long>(std::min<int64_t>(ms, LONG_MAX));
}

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(EventLoop* loop, HttpClientOptions options)
      : loop_(loop),
        options_(options),
        core_(std::make_shared<ClientCore>()),
        body_budget_(options.max_buffered_body_bytes) {
    absl::MutexLock lock(&core_->mu);
    core_->loop = loop;
    core_->client = this;
  }

  ~CurlHttpClient() override {
    if (loop_->InLoopThread()) {
      if (busy_ > 0) {
        ABSL_RAW_LOG(FATAL,
                     "HttpClient destroyed from inside one of its own "
                     "callbacks");
      }
      Shutdown();
      return;
    }
    absl::Notification shut_down;
    loop_->Post([this, &shut_down] {
      Shutdown();
      shut_down.Notify();
    });
    shut_down.WaitForNotification();
  }

  std::shared_ptr<RequestHandle> Send(HttpRequest request,
                                      HttpHandlers handlers) override {
    auto exchange = std::make_shared<Exchange>(core_, std::move(request),
                                               std::move(handlers));
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    // Starting inline is only safe when no client code is on the stack:
    // curl's multi API must not be re-entered from its own callbacks.
    if (loop_->InLoopThread() && busy_ == 0) {
      Start(exchange);
    } else {
      loop_->Post([core = core_, exchange]() mutable {
        if (core->client != nullptr) {
          core->client->Start(std::move(exchange));
        } else {
          exchange->Complete(TransportError::kCancelled,
                             "HTTP client destroyed");
        }
      });
    }
    return exchange;
  }

  size_t InFlight() const override {
    return in_flight_.load(std::memory_order_relaxed);
  }

  void CancelOnLoop(Exchange& exchange) {
    BusyScope busy(this);
    Finish(exchange, TransportError::kCancelled, "cancelled by caller");
  }

 private:
  // Marks client code on the loop thread's stack (see Send and ~HttpClient).
  class BusyScope {
   public:
    explicit BusyScope(CurlHttpClient* client) : client_(client) {
      ++client_->busy_;
    }
    ~BusyScope() { --client_->busy_; }

   private:
    CurlHttpClient* const client_;
  };

  void Start(std::shared_ptr<Exchange> exchange) {
    BusyScope busy(this);
    Exchange& ex = *exchange;
    ex.client = this;
    ex.started = ex.last_activity = loop_->Now();
    if (shutting_down_) {
      Finish(ex, TransportError::kCancelled, "HTTP client destroyed");
      return;
    }
    if (ex.cancel_requested.load(std::memory_order_relaxed)) {
      Finish(ex, TransportError::kCancelled, "cancelled by caller");
      return;
    }
    if (ex.request.deadline <= ex.started) {
      Finish(ex, TransportError::kDeadlineExceeded,
             "deadline exceeded before the request started");
      return;
    }
    if (!EnsureMulti()) {
      Finish(ex, TransportError::kOther, "curl_multi_init failed");
      return;
    }
    if (absl::Status configured = ConfigureEasy(ex); !configured.ok()) {
      Finish(ex, TransportError::kOther, std::string(configured.message()));
      return;
    }
    exchanges_.emplace(&ex, exchange);

    if (ex.request.read_timeout != absl::InfiniteDuration()) {
      ArmReadTimer(ex, ex.request.read_timeout);
    }
    // One timer for whichever ends first: the caller's deadline or this
    // attempt's own budget (a retryable failure).
    const absl::Time attempt_end = ex.started + ex.request.attempt_timeout;
    const bool attempt_first = attempt_end < ex.request.deadline;
    const absl::Time end = attempt_first ? attempt_end : ex.request.deadline;
    if (end != absl::InfiniteFuture()) {
      ex.deadline_timer_armed = true;
      ex.deadline_timer = loop_->RunAfter(end - ex.started, [this, &ex,
                                                             attempt_first] {
        BusyScope busy(this);
        ex.deadline_timer_armed = false;
        if (attempt_first) {
          Finish(
              ex, TransportError::kAttemptTimeout,
              absl::StrCat("no complete reply within the attempt's ",
                           absl::FormatDuration(ex.request.attempt_timeout)));
        } else {
          Finish(ex, TransportError::kDeadlineExceeded, "deadline exceeded");
        }
      });
    }

    const CURLMcode rc = curl_multi_add_handle(multi_, ex.easy);
    if (rc != CURLM_OK) {
      Finish(ex, TransportError::kOther,
             absl::StrCat("curl_multi_add_handle: ", curl_multi_strerror(rc)));
      return;
    }
    ex.in_multi = true;
  }

  // Ends the exchange: detaches it from curl and the loop, then runs
  // on_complete. Never called from inside a curl callback.
  void Finish(Exchange& ex, TransportError error, std::string message) {
    if (ex.done) return;
    ex.done = true;
    if (ex.read_timer_armed) {
      loop_->CancelTimer(ex.read_timer);
      ex.read_timer_armed = false;
    }
    if (ex.deadline_timer_armed) {
      loop_->CancelTimer(ex.deadline_timer);
      ex.deadline_timer_armed = false;
    }
    if (ex.rate_timer_armed) {
      loop_->CancelTimer(ex.rate_timer);
      ex.rate_timer_armed = false;
    }
    body_budget_.Give(ex.budgeted_bytes);
    ex.budgeted_bytes = 0;
    if (ex.easy != nullptr) {
      if (ex.response.status_code == 0) {
        long code = 0;
        if (curl_easy_getinfo(ex.easy, CURLINFO_RESPONSE_CODE, &code) ==
            CURLE_OK) {
          ex.response.status_code = static_cast<int>(code);
        }
      }
      // Removing an unfinished transfer makes curl close its connection
      // (HTTP/1.1) or reset its stream (HTTP/2), which the server sees.
      if (ex.in_multi) curl_multi_remove_handle(multi_, ex.easy);
      ex.in_multi = false;
      ReleaseEasy(ex.easy);
      ex.easy = nullptr;
    }
    curl_slist_free_all(ex.header_list);
    ex.header_list = nullptr;
    ex.client = nullptr;

    std::shared_ptr<Exchange> keep_alive;
    if (auto it = exchanges_.find(&ex); it != exchanges_.end()) {
      keep_alive = std::move(it->second);
      exchanges_.erase(it);
    }
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    ex.Complete(error, std::move(message));
  }

  bool EnsureMulti() {
    if (multi_ != nullptr) return true;
    multi_ = curl_multi_init();
    if (multi_ == nullptr) return false;
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION,
                      &CurlHttpClient::OnSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlHttpClient::OnTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                      options_.max_connections_per_host);
    if (options_.max_cached_connections > 0) {
      curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS,
                        options_.max_cached_connections);
    }
    curl_multi_setopt(
        multi_, CURLMOPT_PIPELINING,
        options_.enable_http2 ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
    return true;
  }

  absl::Status ConfigureEasy(Exchange& ex) {
    const HttpRequest& req = ex.request;
    if (!IsToken(req.method)) {
      return absl::InvalidArgumentError("invalid request method");
    }
    ex.easy = AcquireEasy();
    if (ex.easy == nullptr) {
      return absl::ResourceExhaustedError("curl_easy_init failed");
    }
    CURL* e = ex.easy;

    // Build the header list first: it can fail on bad input.
    bool has_content_type = false;
    bool has_expect = false;
    std::string line;
    for (const auto& [name, value] : req.headers) {
      if (!IsToken(name)) {
        return absl::InvalidArgumentError("invalid request header name");
      }
      // Never echo the value: it may be a credential.
      if (!IsValidHeaderValue(value)) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid value for request header ", name));
      }
      has_content_type |= absl::EqualsIgnoreCase(name, "content-type");
      has_expect |= absl::EqualsIgnoreCase(name, "expect");
      // "Name:" would make curl drop the header; "Name;" sends it empty.
      if (value.empty()) {
        line = absl::StrCat(name, ";");
      } else {
        line = absl::StrCat(name, ": ", value);
      }
      if (!AppendHeader(ex, line.c_str())) {
        return absl::ResourceExhaustedError("curl_slist_append failed");
      }
    }
    // curl waits up to a second for "100 Continue" before sending bodies
    // over 1 MiB; upstream APIs never need it.
    if (!has_expect && !AppendHeader(ex, "Expect:")) {
      return absl::ResourceExhaustedError("curl_slist_append failed");
    }

    curl_easy_setopt(e, CURLOPT_PRIVATE, &ex);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ex.error_buffer);
    curl_easy_setopt(e, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    // Bodies are JSON or SSE and are passed through byte for byte.
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, nullptr);
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    if (options_.enable_http2) {
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                       static_cast<long>(CURL_HTTP_VERSION_2TLS));
      // Over TLS, wait for an existing connection to the host to confirm
      // multiplexing (known after ALPN) rather than opening a parallel one.
      // Never for plain http://, which is HTTP/1.1: there curl learns a
      // connection cannot multiplex only from the first response's headers,
      // so every concurrent call to a slow local server (Ollama, vLLM) would
      // queue behind the first one.
      if (absl::StartsWithIgnoreCase(req.url, "https://")) {
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
      }
    } else {
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                       static_cast<long>(CURL_HTTP_VERSION_1_1));
    }
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     ToCurlMillis(req.connect_timeout));
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &CurlHttpClient::OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &ex);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &CurlHttpClient::OnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &ex);

    const bool sends_body = !req.body.empty() || req.method == "POST" ||
                            req.method == "PUT" || req.method == "PATCH";
    if (req.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (sends_body) {
      // The body stays owned by the exchange until the handle is cleaned up,
      // so curl can send it without a copy.
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(req.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, req.body.data());
      if (req.method != "POST") {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      }
      // Otherwise curl labels the body application/x-www-form-urlencoded.
      if (!has_content_type && !AppendHeader(ex, "Content-Type:")) {
        return absl::ResourceExhaustedError("curl_slist_append failed");
      }
    } else {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
      if (req.method != "GET") {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      }
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, ex.header_list);
    return absl::OkStatus();
  }

  // Easy handles are reused (after curl_easy_reset) instead of created per
  // call: curl_easy_init allocates and zeroes ~10 KB of state and its
  // buffers. The pool is bounded; connections live in the multi's cache
  // either way, so a reset handle keeps no socket.
  CURL* AcquireEasy() {
    if (idle_easy_.empty()) return curl_easy_init();
    CURL* easy = idle_easy_.back();
    idle_easy_.pop_back();
    return easy;
  }

  void ReleaseEasy(CURL* easy) {
    if (shutting_down_ || idle_easy_.size() >= kMaxIdleEasyHandles) {
      curl_easy_cleanup(easy);
      return;
    }
    // Drops every option (the URL, headers and body pointers of the call).
    curl_easy_reset(easy);
    idle_easy_.push_back(easy);
  }

  static bool AppendHeader(Exchange& ex, const char* line) {
    curl_slist* appended = curl_slist_append(ex.header_list, line);
    if (appended == nullptr) return false;
    ex.header_list = appended;
    return true;
  }

  // The read timeout is idle time since the last received byte. Rather than
  // re-arming a timer for every chunk, chunks only record the time, and the
  // timer re-arms itself for the remainder when it fires early.
  void ArmReadTimer(Exchange& ex, absl::Duration after) {
    ex.read_timer_armed = true;
    ex.read_timer = loop_->RunAfter(after, [this, &ex] {
      BusyScope busy(this);
      ex.read_timer_armed = false;
      const absl::Time due = ex.last_activity + ex.request.read_timeout;
      const absl::Time now = loop_->Now();
      if (now < due) {
        ArmReadTimer(ex, due - now);
        return;
      }
      Finish(ex, TransportError::kReadTimeout,
             absl::StrCat("no response data for ",
                          absl::FormatDuration(ex.request.read_timeout)));
    });
  }

  // Closes a minimum-rate window (see RateWindow) and opens the next.
  void ArmRateTimer(Exchange& ex) {
    ex.rate_timer_armed = true;
    ex.rate_timer = loop_->RunAfter(ex.request.min_rate_window, [this, &ex] {
      BusyScope busy(this);
      ex.rate_timer_armed = false;
      std::optional<std::string> too_slow =
          ex.rate.Close(loop_->Now(), ex.request.min_bytes_per_second,
                        ex.request.min_rate_window);
      if (too_slow) {
        Finish(ex, TransportError::kTooSlow, *std::move(too_slow));
        return;
      }
      ArmRateTimer(ex);
    });
  }

  // Runs curl for `fd` (or its timeouts) and completes finished transfers.
  void SocketAction(curl_socket_t fd, int flags) {
    BusyScope busy(this);
    int running = 0;
    curl_multi_socket_action(multi_, fd, flags, &running);
    CURLMsg* msg;
    int queued = 0;
    while (multi_ != nullptr &&
           (msg = curl_multi_info_read(multi_, &queued)) != nullptr) {
      if (msg->msg != CURLMSG_DONE) continue;
      Exchange* ex = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &ex);
      const CURLcode code = msg->data.result;
      if (ex == nullptr) continue;
      auto [error, message] = Classify(*ex, code);
      Finish(*ex, error, std::move(message));
    }
  }

  std::pair<TransportError, std::string> Classify(Exchange& ex, CURLcode code) {
    if (code == CURLE_OK) return {TransportError::kNone, ""};
    if (ex.abort_error != TransportError::kNone) {
      return {ex.abort_error, std::move(ex.abort_message)};
    }
    // The error buffer is only quoted for failures whose text is about
    // sockets, names and TLS; others (e.g. HTTP/2 header errors) may quote
    // received header values.
    auto detailed = [&] {
      std::string message = curl_easy_strerror(code);
      if (ex.error_buffer[0] != '\0') {
        absl::StrAppend(&message, ": ", ex.error_buffer);
      }
      return message;
    };
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT: {
        // No overall CURLOPT_TIMEOUT is set, so this is the connect timeout
        // unless the connection (and TLS, for https) was already up.
        curl_off_t connect_us = 0;
        curl_off_t tls_us = 0;
        char* scheme = nullptr;
        curl_easy_getinfo(ex.easy, CURLINFO_CONNECT_TIME_T, &connect_us);
        curl_easy_getinfo(ex.easy, CURLINFO_APPCONNECT_TIME_T, &tls_us);
        curl_easy_getinfo(ex.easy, CURLINFO_SCHEME, &scheme);
        const bool tls =
            scheme != nullptr && absl::EqualsIgnoreCase(scheme, "https");
        if (connect_us == 0 || (tls && tls_us == 0)) {
          return {TransportError::kConnectTimeout, detailed()};
        }
        return {TransportError::kOther, detailed()};
      }
      case CURLE_COULDNT_CONNECT: {
        // curl may report an expired connect attempt (ours with several
        // addresses, or the kernel's SYN retries) as a failure to connect.
        // Refusals and unreachable networks carry their errno.
        long os_errno = 0;
        curl_easy_getinfo(ex.easy, CURLINFO_OS_ERRNO, &os_errno);
        curl_off_t elapsed_us = 0;
        curl_easy_getinfo(ex.easy, CURLINFO_TOTAL_TIME_T, &elapsed_us);
        if (os_errno == ETIMEDOUT ||
            (os_errno == 0 &&
             absl::Microseconds(elapsed_us) >= ex.request.connect_timeout)) {
          return {TransportError::kConnectTimeout, detailed()};
        }
        return {TransportError::kConnectFailed, detailed()};
      }
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
      case CURLE_SSL_CRL_BADFILE:
      case CURLE_SSL_ENGINE_NOTFOUND:
      case CURLE_SSL_ENGINE_SETFAILED:
      case CURLE_SSL_ENGINE_INITFAILED:
      case CURLE_USE_SSL_FAILED:
        return {TransportError::kConnectFailed, detailed()};
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
        return {TransportError::kConnectionReset, detailed()};
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
        return {TransportError::kConnectionReset, curl_easy_strerror(code)};
      default:
        return {TransportError::kOther, curl_easy_strerror(code)};
    }
  }

  void Shutdown() {
    BusyScope busy(this);
    shutting_down_ = true;
    // on_complete may Send again; those complete at once with kCancelled.
    while (!exchanges_.empty()) {
      std::shared_ptr<Exchange> ex = exchanges_.begin()->second;
      Finish(*ex, TransportError::kCancelled, "HTTP client destroyed");
    }
    for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
    idle_easy_.clear();
    if (multi_ != nullptr) {
      // Closes the cached connections; curl reports their sockets removed.
      curl_multi_cleanup(multi_);
      multi_ = nullptr;
    }
    for (int fd : watched_fds_) loop_->UnwatchFd(fd);
    watched_fds_.clear();
    if (curl_timer_.has_value()) {
      loop_->CancelTimer(*curl_timer_);
      curl_timer_.reset();
    }
    core_->client = nullptr;
    absl::MutexLock lock(&core_->mu);
    core_->loop = nullptr;
  }

  // CURLMOPT_SOCKETFUNCTION: curl tells which events it wants for a socket.
  static int OnSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* userp,
                      void* /*socketp*/) {
    auto* self = static_cast<CurlHttpClient*>(userp);
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
    self->loop_->WatchFd(fd, events, [self, fd](int ready) {
      int flags = 0;
      if (ready & EventLoop::kReadable) flags |= CURL_CSELECT_IN;
      if (ready & EventLoop::kWritable) flags |= CURL_CSELECT_OUT;
      self->SocketAction(fd, flags);
    });
    return 0;
  }

  // CURLMOPT_TIMERFUNCTION: curl wants socket_action(TIMEOUT) after
  // `timeout_ms` (-1: never). curl must not be called from here, so even a
  // zero timeout goes through the loop.
  static int OnTimer(CURLM* /*multi*/, long timeout_ms, void* userp) {
    auto* self = static_cast<CurlHttpClient*>(userp);
    if (self->curl_timer_.has_value()) {
      self->loop_->CancelTimer(*self->curl_timer_);
      self->curl_timer_.reset();
    }
    if (timeout_ms < 0) return 0;
    self->curl_timer_ =
        self->loop_->RunAfter(absl::Milliseconds(timeout_ms), [self] {
          self->curl_timer_.reset();
          self->SocketAction(CURL_SOCKET_TIMEOUT, 0);
        });
    return 0;
  }

  // CURLOPT_HEADERFUNCTION: one complete header line per call, including
  // status lines and the blank line ending each header block.
  static size_t OnHeader(char* buffer, size_t size, size_t count,
                         void* userdata) {
    const size_t n = size * count;
    Exchange& ex = *static_cast<Exchange*>(userdata);
    ex.last_activity = ex.client->loop_->Now();
    if (ex.cancel_requested.load(std::memory_order_relaxed)) {
      return Abort(ex, TransportError::kCancelled, "cancelled by caller");
    }
    absl::string_view line(buffer, n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    HttpResponse& response = ex.response;

    if (absl::StartsWith(line, "HTTP/")) {
      // A new header block: after 1xx responses only the last one counts.
      response.headers.clear();
      response.status_code = 0;
      const size_t space = line.find(' ');
      int code = 0;
      if (space != absl::string_view::npos &&
          absl::SimpleAtoi(line.substr(space + 1, 3), &code)) {
        response.status_code = code;
      }
      return n;
    }
    if (ex.headers_done) return n;  // Trailers are not exposed.

    if (line.empty()) {
      if (response.status_code == 0) {
        long code = 0;
        curl_easy_getinfo(ex.easy, CURLINFO_RESPONSE_CODE, &code);
        response.status_code = static_cast<int>(code);
      }
      if (response.status_code >= 100 && response.status_code < 200) {
        return n;  // Informational; the real response follows.
      }
      ex.headers_done = true;
      // Fail early on a declared length that is too large (HEAD, 204 and
      // 304 responses declare a length without sending a body).
      const bool has_body = ex.request.method != "HEAD" &&
                            response.status_code != 204 &&
                            response.status_code != 304;
      if (std::optional<std::string> length =
              has_body ? response.Header("content-length") : std::nullopt) {
        uint64_t declared = 0;
        if (absl::SimpleAtoi(*length, &declared) &&
            declared > ex.request.max_response_bytes) {
          return Abort(ex, TransportError::kResponseTooLarge,
                       TooLargeMessage(ex));
        }
      }
      if (ex.handlers.on_headers) ex.handlers.on_headers(response);
      return n;
    }

    if ((line.front() == ' ' || line.front() == '\t') &&
        !response.headers.empty()) {
      // Obsolete line folding continues the previous value.
      absl::string_view more = absl::StripAsciiWhitespace(line);
      std::string& value = response.headers.back().second;
      if (!more.empty()) {
        if (!value.empty()) value.push_back(' ');
        value.append(more.data(), more.size());
      }
      return n;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos || colon == 0) return n;
    response.headers.emplace_back(
        absl::AsciiStrToLower(line.substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
    return n;
  }

  // CURLOPT_WRITEFUNCTION: body bytes, already de-chunked.
  static size_t OnBody(char* data, size_t size, size_t count, void* userdata) {
    const size_t n = size * count;
    Exchange& ex = *static_cast<Exchange*>(userdata);
    ex.last_activity = ex.client->loop_->Now();
    if (ex.cancel_requested.load(std::memory_order_relaxed)) {
      return Abort(ex, TransportError::kCancelled, "cancelled by caller");
    }
    ex.body_bytes += n;
    if (ex.body_bytes > ex.request.max_response_bytes) {
      return Abort(ex, TransportError::kResponseTooLarge, TooLargeMessage(ex));
    }
    if (ex.handlers.on_data) {
      if (!ex.handlers.on_data(absl::string_view(data, n))) {
        return Abort(ex, TransportError::kCancelled,
                     "cancelled by the data handler");
      }
    } else {
      if (!ex.client->body_budget_.TryTake(n)) {
        return Abort(
            ex, TransportError::kResponseTooLarge,
            absl::StrCat("replies in flight already buffer ",
                         ex.client->body_budget_.used(),
                         " bytes, the gateway's budget across all calls "
                         "(max_buffered_body_bytes)"));
      }
      ex.budgeted_bytes += n;
      ex.response.body.append(data, n);
      if (ex.request.min_bytes_per_second > 0 &&
          ex.rate.Add(n, ex.last_activity)) {
        ex.client->ArmRateTimer(ex);
      }
    }
    return n;
  }

  // Makes curl fail the transfer from inside a callback; SocketAction then
  // reports `error` instead of curl's generic write error.
  static size_t Abort(Exchange& ex, TransportError error, std::string message) {
    ex.abort_error = error;
    ex.abort_message = std::move(message);
    return CURL_WRITEFUNC_ERROR;
  }

  static std::string TooLargeMessage(const Exchange& ex) {
    return absl::StrCat("response body exceeds ", ex.request.max_response_bytes,
                        " bytes");
  }

  EventLoop* const loop_;
  const HttpClientOptions options_;
  const std::shared_ptr<ClientCore> core_;
  std::atomic<size_t> in_flight_{0};

  // Loop thread only.
  BodyBudget body_budget_;
  CURLM* multi_ = nullptr;
  int busy_ = 0;
  bool shutting_down_ = false;
  std::optional<EventLoop::TimerId> curl_timer_;
  absl::flat_hash_map<Exchange*, std::shared_ptr<Exchange>> exchanges_;
  absl::flat_hash_set<int> watched_fds_;
  static constexpr size_t kMaxIdleEasyHandles = 256;
  std::vector<CURL*> idle_easy_;
};

void Exchange::Cancel() {
  if (finished.load(std::memory_order_acquire)) return;
  if (cancel_requested.exchange(true)) return;
  absl::MutexLock lock(&core->mu);
  if (core->loop == nullptr) return;  // The client is gone.
  // Even on the loop thread this is deferred: we may be inside a curl
  // callback (on_data), where the transfer cannot be removed.
  core->loop->Post([self = shared_from_this()] {
    if (!self->done && self->core->client != nullptr) {
      self->core->client->CancelOnLoop(*self);
    }
  });
}

}  // namespace

std::unique_ptr<HttpClient> HttpClient::Create(EventLoop* loop,
                                               HttpClientOptions options) {
  static std::once_flag curl_initialized;
  std::call_once(curl_initialized,
                 [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<CurlHttpClient>(loop, options);
}

}  // namespace llmgw::http
