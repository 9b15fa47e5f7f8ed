#ifndef LLMGW_HTTP_HTTP_TYPES_H_
#define LLMGW_HTTP_HTTP_TYPES_H_

// The HTTP exchange's types: request, response, result, handlers and the
// handle of a request in flight. Interface only (no libcurl): wire codecs
// build requests and read responses through these without linking the
// client (//http:http_types; the client is //http:http_client).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace llmgw::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One outgoing HTTP request.
struct HttpRequest {
  std::string method = "POST";
  // Absolute URL, e.g. "https://api.openai.com/v1/chat/completions".
  std::string url;
  // Request headers. Values may carry credentials: the client never logs them.
  HeaderList headers;
  std::string body;
  // Time allowed to establish the connection (TCP + TLS).
  absl::Duration connect_timeout = absl::Seconds(10);
  // Longest silence allowed while waiting for response bytes (time to the
  // response headers, and between body chunks). The reference documents call
  // this the read timeout.
  absl::Duration read_timeout = absl::Seconds(60);
  // Absolute deadline for the whole exchange (absl::InfiniteFuture() = none).
  absl::Time deadline = absl::InfiniteFuture();
  // Total time this exchange may take, counted from its start; past it the
  // exchange ends with kAttemptTimeout (a retryable failure, unlike the
  // caller's deadline). The dispatcher sets it to this attempt's share of
  // the caller's remaining deadline so a fallback still has time to answer.
  absl::Duration attempt_timeout = absl::InfiniteDuration();
  // Minimum transfer rate of a body that is accumulated (no on_data): once
  // body bytes flow, every `min_rate_window` must bring at least
  // min_bytes_per_second x window bytes, or the exchange ends with
  // kTooSlow. Unlike the read timeout, a dripping upstream (a byte every
  // 500 ms) cannot keep this alive. A rate of 0, or a window of 0 or less,
  // turns it off. Streams (on_data) are
  // bounded by the dispatcher's first-token and idle timers instead.
  int64_t min_bytes_per_second = 32;
  absl::Duration min_rate_window = absl::Seconds(10);
  // Responses larger than this fail with kResponseTooLarge, checked as the
  // bytes arrive (and early from Content-Length).
  size_t max_response_bytes = 8 << 20;
};

// What came back. `status_code` is 0 if no response line was received.
struct HttpResponse {
  int status_code = 0;
  // Header names are lower-cased; values are trimmed.
  HeaderList headers;
  // The body, unless the caller streamed it through `on_data`.
  std::string body;

  // First value of header `name` (lower-case), if present.
  std::optional<std::string> Header(absl::string_view name) const;
};

// Why an exchange ended without a complete response.
enum class TransportError {
  kNone = 0,
  kConnectFailed,     // DNS failure, connection refused, TLS failure.
  kConnectTimeout,    // connect_timeout elapsed.
  kReadTimeout,       // read_timeout elapsed without data.
  kDeadlineExceeded,  // the request's deadline passed.
  kConnectionReset,   // peer closed or reset the connection mid-exchange.
  kResponseTooLarge,  // body exceeded max_response_bytes, or the client's
                      // budget of buffered body bytes is spent.
  kCancelled,         // Cancel() was called or on_data returned false.
  kAttemptTimeout,    // attempt_timeout elapsed (the deadline had not).
  kTooSlow,           // the body arrived below min_bytes_per_second.
  kOther,
};

// Returns a stable lower_snake name, e.g. "read_timeout".
absl::string_view TransportErrorName(TransportError error);

struct HttpResult {
  // kNone when a complete response (any status code) was received.
  TransportError error = TransportError::kNone;
  // Human-readable description of `error` (never contains header values).
  std::string error_message;
  HttpResponse response;
};

// Callbacks for one exchange. All run on the event loop thread.
struct HttpHandlers {
  // Optional. Called once when the status line and headers have arrived.
  std::function<void(const HttpResponse& head)> on_headers;
  // Optional. When set, body bytes are delivered here as they arrive instead
  // of being accumulated in HttpResponse::body. Return false to abort the
  // exchange (it then completes with kCancelled).
  std::function<bool(absl::string_view chunk)> on_data;
  // Required. Called exactly once when the exchange ends, however it ends.
  absl::AnyInvocable<void(HttpResult result)> on_complete;
};

// A request in flight.
class RequestHandle {
 public:
  virtual ~RequestHandle() = default;
  // Aborts the exchange and closes its connection if it is still running;
  // on_complete then runs with kCancelled. Thread-safe and idempotent;
  // a no-op once the exchange has completed.
  virtual void Cancel() = 0;
};

}  // namespace llmgw::http

#endif  // LLMGW_HTTP_HTTP_TYPES_H_
