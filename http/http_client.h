#ifndef LLMGW_HTTP_HTTP_CLIENT_H_
#define LLMGW_HTTP_HTTP_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "http/event_loop.h"
#include "http/http_types.h"

namespace llmgw::http {

struct HttpClientOptions {
  // Upper bound on simultaneously open connections per host (0 = no limit).
  // With a limit, every exchange shares one curl multi handle (so the limit
  // is exact); without, the client spreads exchanges over several once more
  // than 256 are in flight (see CurlShard in curl_http_client.h).
  long max_connections_per_host = 0;
  // Upper bound on connections curl keeps (open, in use or idle) per multi
  // handle, 0 = automatic: 4x the multi's exchanges in flight, and never below
  // kMinAutoCachedConnections. A bound below the number of calls in flight
  // is costly: once exceeded, curl closes the oldest idle connection after
  // every transfer, found by walking all of them (O(in flight) per call,
  // measured as half the loop's CPU at 10,000 slow calls in flight), and
  // the next calls open new connections. curl's own automatic size (4x the
  // transfers in progress at that instant) has no floor: a gateway whose
  // calls spend most of their time outside curl (gRPC, the ledger) has few
  // transfers in progress at any instant, so curl closed and reopened about
  // one connection per 35 calls at 16 in flight (docs/benchmarks.md).
  static constexpr long kMinAutoCachedConnections = 256;
  long max_cached_connections = 0;
  // Negotiate HTTP/2 over TLS (ALPN) and multiplex on one connection. Plain
  // http:// upstreams use HTTP/1.1.
  bool enable_http2 = true;
  // Budget of response body bytes buffered across every exchange in flight
  // (bodies without on_data, held until on_complete). An exchange whose
  // bytes would exceed it ends with kResponseTooLarge, so a burst of large
  // replies cannot grow the process past this (plus per-call overheads).
  size_t max_buffered_body_bytes = 64 << 20;
};

// What an HttpClient has done, for metrics (llmgw_upstream_* gauges and
// counters, docs/operations.md). Readable from any thread.
struct HttpClientStats {
  size_t exchanges_in_flight = 0;  // between Send and on_complete
  size_t multi_handles = 0;        // curl multi handles opened (CurlShard)
  // New upstream connections (TCP, plus TLS when https) since the client
  // started. Against the exchanges made, it shows connection reuse: a rate
  // close to the request rate means every call pays a handshake.
  uint64_t connections_opened = 0;
};

// An asynchronous HTTP client on libcurl's multi interface, driven by an
// EventLoop. Connections are reused across requests.
class HttpClient {
 public:
  // `loop` must outlive the client.
  static std::unique_ptr<HttpClient> Create(EventLoop* loop,
                                            HttpClientOptions options = {});
  // Aborts everything in flight (each gets on_complete with kCancelled).
  // Must not be called from the loop thread... unless the loop is stopped.
  virtual ~HttpClient() = default;

  // Starts an exchange. Never blocks; safe from any thread. The handlers are
  // called on the loop thread, possibly before Send returns if called there.
  virtual std::shared_ptr<RequestHandle> Send(HttpRequest request,
                                              HttpHandlers handlers) = 0;

  // Number of exchanges in flight (for metrics and tests).
  virtual size_t InFlight() const = 0;

  // Counters for metrics, read at scrape from any thread.
  virtual HttpClientStats Stats() const = 0;
};

}  // namespace llmgw::http

#endif  // LLMGW_HTTP_HTTP_CLIENT_H_
