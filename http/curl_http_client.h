#ifndef LLMGW_HTTP_CURL_HTTP_CLIENT_H_
#define LLMGW_HTTP_CURL_HTTP_CLIENT_H_

// Internal to //http:http_client: the libcurl implementation of HttpClient.

#include <curl/curl.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "http/curl_exchange.h"
#include "http/curl_request.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "http/transfer_limits.h"

namespace llmgw::http::internal {

// One libcurl multi handle, with its own connection cache and timer. curl
// 7.88 walks every connection in a multi's cache on each
// curl_multi_remove_handle (to close CONNECT_ONLY ones) and every
// connection to the host when it looks for one to reuse (HTTP/1.1), so one
// multi costs O(calls in flight) per call: at 10,000 slow HTTP/1.1 calls in
// flight those walks were a third of the loop's CPU (docs/benchmarks.md).
// The client fills the first shard with room for
// CurlHttpClient::kTransfersPerShard exchanges and opens more only when all
// are full, so a few calls in flight use one multi and its connections
// exactly as before. Loop thread only.
struct CurlShard {
  CurlHttpClient* client = nullptr;
  CURLM* multi = nullptr;
  std::optional<EventLoop::TimerId> timer;  // curl's CURLMOPT_TIMERFUNCTION
  size_t transfers = 0;                     // exchanges added to `multi`
  long connection_cache_size = 0;  // CURLMOPT_MAXCONNECTS, when automatic
};

// The HttpClient on libcurl's multi-socket API. Everything but Send,
// InFlight and the destructor runs on the loop thread. The exchange's life
// (start, finish, handle pool, shutdown) is in http_client.cc; curl's
// socket, timer, header and body callbacks and the exchange's timers in
// curl_callbacks.cc; building requests in curl_request.cc; reading
// responses in curl_response.cc.
class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(EventLoop* loop, HttpClientOptions options);

  ~CurlHttpClient() override;

  std::shared_ptr<RequestHandle> Send(HttpRequest request,
                                      HttpHandlers handlers) override;

  size_t InFlight() const override;

  HttpClientStats Stats() const override;

  void CancelOnLoop(Exchange& exchange);

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

  // The reason an exchange cannot start, if any.
  std::optional<std::pair<TransportError, std::string>> RefuseStart(
      Exchange& ex);

  void Start(std::shared_ptr<Exchange> exchange);

  // Ends the exchange: detaches it from curl and the loop, then runs
  // on_complete. Never called from inside a curl callback.
  void Finish(Exchange& ex, TransportError error, std::string message);

  // Exchanges per shard before the next one is used; shards opened at most
  // (beyond that, the least loaded takes the exchange). With a per-host
  // connection limit there is one shard, so the limit holds exactly.
  static constexpr size_t kTransfersPerShard = 256;
  static constexpr size_t kMaxShards = 64;

  // The first shard with room (opening one if all are full and fewer than
  // kMaxShards exist), else the least loaded. Null if curl_multi_init fails.
  CurlShard* ShardForNewExchange();
  CurlShard* OpenShard();

  // Keeps the shard's connection cache (CURLMOPT_MAXCONNECTS) at 4x its
  // exchanges, at least HttpClientOptions::kMinAutoCachedConnections, when
  // options_.max_cached_connections is 0. Grows at once; shrinks only when
  // its exchanges fall to a quarter of what the size was set for, so a
  // fluctuating load does not make curl close connections it will reopen.
  void SizeConnectionCache(CurlShard& shard);

  // Easy handles are reused (after curl_easy_reset) instead of created per
  // call: curl_easy_init allocates and zeroes ~10 KB of state and its
  // buffers. The pool is bounded; connections live in the multi's cache
  // either way, so a reset handle keeps no socket.
  CURL* AcquireEasy();

  void ReleaseEasy(CURL* easy);

  // An exchange's one loop timer, for the earliest of its limits (deadline,
  // read timeout, minimum rate; curl_callbacks.cc). Finish cancels it.
  void ArmLimitTimer(Exchange& ex);
  void OnLimitTimer(Exchange& ex);
  void CancelLimitTimer(Exchange& ex);

  // Runs the shard's curl for `fd` (or its timeouts) and completes finished
  // transfers.
  void SocketAction(CurlShard& shard, curl_socket_t fd, int flags);

  void Shutdown();

  // curl's multi callbacks (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION)
  // and easy callbacks (CURLOPT_HEADERFUNCTION, CURLOPT_WRITEFUNCTION).
  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* userp,
                      void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* userp);
  static size_t OnHeader(char* buffer, size_t size, size_t count,
                         void* userdata);
  static size_t OnBody(char* data, size_t size, size_t count, void* userdata);
  // Counts an accumulated body's bytes against the limits (client budget,
  // minimum rate) and appends them; returns what OnBody must return.
  size_t AccumulateBody(Exchange& ex, const char* data, size_t n);

  EventLoop* const loop_;
  const HttpClientOptions options_;
  // Read from the environment once, when the client is made.
  const EasyDefaults easy_defaults_;
  const std::shared_ptr<ClientCore> core_;
  std::atomic<size_t> in_flight_{0};
  std::atomic<size_t> multi_handles_{0};
  std::atomic<uint64_t> connections_opened_{0};

  // Loop thread only.
  BodyBudget body_budget_;
  std::vector<std::unique_ptr<CurlShard>> shards_;
  int busy_ = 0;
  bool shutting_down_ = false;
  absl::flat_hash_map<Exchange*, std::shared_ptr<Exchange>> exchanges_;
  absl::flat_hash_set<int> watched_fds_;
  static constexpr size_t kMaxIdleEasyHandles = 256;
  std::vector<CURL*> idle_easy_;
};

}  // namespace llmgw::http::internal

#endif  // LLMGW_HTTP_CURL_HTTP_CLIENT_H_
