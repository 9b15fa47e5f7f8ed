#include "http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/internal/raw_logging.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "http/curl_exchange.h"
#include "http/curl_http_client.h"
#include "http/curl_request.h"

namespace llmgw::http {
namespace internal {

CurlHttpClient::CurlHttpClient(EventLoop* loop, HttpClientOptions options)
    : loop_(loop),
      options_(options),
      easy_defaults_{options.enable_http2, ProxyInEnvironment()},
      core_(std::make_shared<ClientCore>()),
      body_budget_(options.max_buffered_body_bytes) {
  absl::MutexLock lock(&core_->mu);
  core_->loop = loop;
  core_->client = this;
}

CurlHttpClient::~CurlHttpClient() {
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

std::shared_ptr<RequestHandle> CurlHttpClient::Send(HttpRequest request,
                                                    HttpHandlers handlers) {
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
        exchange->Complete(TransportError::kCancelled, "HTTP client destroyed");
      }
    });
  }
  return exchange;
}

size_t CurlHttpClient::InFlight() const {
  return in_flight_.load(std::memory_order_relaxed);
}

HttpClientStats CurlHttpClient::Stats() const {
  HttpClientStats stats;
  stats.exchanges_in_flight = in_flight_.load(std::memory_order_relaxed);
  stats.multi_handles = multi_handles_.load(std::memory_order_relaxed);
  stats.connections_opened =
      connections_opened_.load(std::memory_order_relaxed);
  return stats;
}

void CurlHttpClient::CancelOnLoop(Exchange& exchange) {
  BusyScope busy(this);
  Finish(exchange, TransportError::kCancelled, "cancelled by caller");
}

void CurlHttpClient::Start(std::shared_ptr<Exchange> exchange) {
  BusyScope busy(this);
  Exchange& ex = *exchange;
  ex.client = this;
  ex.started = ex.last_activity = loop_->Now();
  if (auto refused = RefuseStart(ex)) {
    Finish(ex, refused->first, std::move(refused->second));
    return;
  }
  exchanges_.emplace(&ex, exchange);
  ArmLimitTimer(ex);
  CurlShard* shard = ShardForNewExchange();
  if (shard == nullptr) {
    Finish(ex, TransportError::kOther, "curl_multi_init failed");
    return;
  }
  const CURLMcode rc = curl_multi_add_handle(shard->multi, ex.easy);
  if (rc != CURLM_OK) {
    Finish(ex, TransportError::kOther,
           absl::StrCat("curl_multi_add_handle: ", curl_multi_strerror(rc)));
    return;
  }
  ex.shard = shard;
  ++shard->transfers;
  if (options_.max_cached_connections == 0) SizeConnectionCache(*shard);
}

// Ends the exchange: detaches it from curl and the loop, then runs
// on_complete. Never called from inside a curl callback.
void CurlHttpClient::Finish(Exchange& ex, TransportError error,
                            std::string message) {
  if (ex.done) return;
  ex.done = true;
  CancelLimitTimer(ex);
  body_budget_.Give(ex.budgeted_bytes);
  ex.budgeted_bytes = 0;
  if (ex.easy != nullptr) {
    long connects = 0;  // new connections this transfer had to open
    if (curl_easy_getinfo(ex.easy, CURLINFO_NUM_CONNECTS, &connects) ==
            CURLE_OK &&
        connects > 0) {
      connections_opened_.fetch_add(static_cast<uint64_t>(connects),
                                    std::memory_order_relaxed);
    }
    if (ex.response.status_code == 0) {
      long code = 0;
      if (curl_easy_getinfo(ex.easy, CURLINFO_RESPONSE_CODE, &code) ==
          CURLE_OK) {
        ex.response.status_code = static_cast<int>(code);
      }
    }
    // Removing an unfinished transfer makes curl close its connection
    // (HTTP/1.1) or reset its stream (HTTP/2), which the server sees.
    if (ex.shard != nullptr) {
      curl_multi_remove_handle(ex.shard->multi, ex.easy);
      --ex.shard->transfers;
      ex.shard = nullptr;
    }
    ReleaseEasy(ex.easy);
    ex.easy = nullptr;
  }
  ex.header_lines.Clear();
  ex.client = nullptr;

  std::shared_ptr<Exchange> keep_alive;
  if (auto it = exchanges_.find(&ex); it != exchanges_.end()) {
    keep_alive = std::move(it->second);
    exchanges_.erase(it);
  }
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  ex.Complete(error, std::move(message));
}

void CurlHttpClient::SizeConnectionCache(CurlShard& shard) {
  const long wanted = std::max(HttpClientOptions::kMinAutoCachedConnections,
                               4 * static_cast<long>(shard.transfers));
  if (wanted > shard.connection_cache_size ||
      (wanted * 4 <= shard.connection_cache_size &&
       shard.connection_cache_size >
           HttpClientOptions::kMinAutoCachedConnections)) {
    shard.connection_cache_size = wanted;
    curl_multi_setopt(shard.multi, CURLMOPT_MAXCONNECTS, wanted);
  }
}

CurlShard* CurlHttpClient::ShardForNewExchange() {
  CurlShard* least_loaded = nullptr;
  for (const std::unique_ptr<CurlShard>& shard : shards_) {
    if (shard->transfers < kTransfersPerShard) return shard.get();
    if (least_loaded == nullptr || shard->transfers < least_loaded->transfers) {
      least_loaded = shard.get();
    }
  }
  const bool one_shard = options_.max_connections_per_host > 0;
  if (least_loaded == nullptr || (!one_shard && shards_.size() < kMaxShards)) {
    if (CurlShard* opened = OpenShard()) return opened;
  }
  return least_loaded;
}

CurlShard* CurlHttpClient::OpenShard() {
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return nullptr;
  auto shard = std::make_unique<CurlShard>();
  shard->client = this;
  shard->multi = multi;
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &CurlHttpClient::OnSocket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, shard.get());
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &CurlHttpClient::OnTimer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, shard.get());
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    options_.max_connections_per_host);
  if (options_.max_cached_connections > 0) {
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
                      options_.max_cached_connections);
  } else {
    SizeConnectionCache(*shard);
  }
  curl_multi_setopt(
      multi, CURLMOPT_PIPELINING,
      options_.enable_http2 ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
  shards_.push_back(std::move(shard));
  multi_handles_.store(shards_.size(), std::memory_order_relaxed);
  return shards_.back().get();
}

// Easy handles are reused (after curl_easy_reset) instead of created per
// call: curl_easy_init allocates and zeroes ~10 KB of state and its
// buffers. The pool is bounded; connections live in the multi's cache
// either way, so a reset handle keeps no socket.
CURL* CurlHttpClient::AcquireEasy() {
  if (idle_easy_.empty()) return curl_easy_init();
  CURL* easy = idle_easy_.back();
  idle_easy_.pop_back();
  return easy;
}

void CurlHttpClient::ReleaseEasy(CURL* easy) {
  if (shutting_down_ || idle_easy_.size() >= kMaxIdleEasyHandles) {
    curl_easy_cleanup(easy);
    return;
  }
  // Drops every option (the URL, headers and body pointers of the call).
  curl_easy_reset(easy);
  idle_easy_.push_back(easy);
}

// The reason an exchange cannot start, if any.
std::optional<std::pair<TransportError, std::string>>
CurlHttpClient::RefuseStart(Exchange& ex) {
  if (shutting_down_) {
    return std::make_pair(TransportError::kCancelled,
                          std::string("HTTP client destroyed"));
  }
  if (ex.cancel_requested.load(std::memory_order_relaxed)) {
    return std::make_pair(TransportError::kCancelled,
                          std::string("cancelled by caller"));
  }
  if (ex.request.deadline <= ex.started) {
    return std::make_pair(
        TransportError::kDeadlineExceeded,
        std::string("deadline exceeded before the request started"));
  }
  ex.easy = AcquireEasy();
  if (ex.easy == nullptr) {
    return std::make_pair(TransportError::kOther,
                          std::string("curl_easy_init failed"));
  }
  const CurlCallbacks callbacks{&CurlHttpClient::OnHeader,
                                &CurlHttpClient::OnBody};
  if (absl::Status configured = ConfigureEasy(ex, easy_defaults_, callbacks);
      !configured.ok()) {
    return std::make_pair(TransportError::kOther,
                          std::string(configured.message()));
  }
  return std::nullopt;
}

void CurlHttpClient::Shutdown() {
  BusyScope busy(this);
  shutting_down_ = true;
  // on_complete may Send again; those complete at once with kCancelled.
  while (!exchanges_.empty()) {
    std::shared_ptr<Exchange> ex = exchanges_.begin()->second;
    Finish(*ex, TransportError::kCancelled, "HTTP client destroyed");
  }
  for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
  idle_easy_.clear();
  for (const std::unique_ptr<CurlShard>& shard : shards_) {
    if (shard->multi != nullptr) {
      // Closes the cached connections; curl reports their sockets removed.
      curl_multi_cleanup(shard->multi);
      shard->multi = nullptr;
    }
  }
  for (int fd : watched_fds_) loop_->UnwatchFd(fd);
  watched_fds_.clear();
  // The shards stay allocated: nothing refers to them once their timers are
  // cancelled and their sockets unwatched.
  for (const std::unique_ptr<CurlShard>& shard : shards_) {
    if (shard->timer.has_value()) {
      loop_->CancelTimer(*shard->timer);
      shard->timer.reset();
    }
  }
  core_->client = nullptr;
  absl::MutexLock lock(&core_->mu);
  core_->loop = nullptr;
}

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

}  // namespace internal

std::unique_ptr<HttpClient> HttpClient::Create(EventLoop* loop,
                                               HttpClientOptions options) {
  static std::once_flag curl_initialized;
  std::call_once(curl_initialized,
                 [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<internal::CurlHttpClient>(loop, options);
}

}  // namespace llmgw::http
