#ifndef LLMGW_HTTP_CURL_EXCHANGE_H_
#define LLMGW_HTTP_CURL_EXCHANGE_H_

// Internal to //http:http_client: the state of one exchange on libcurl.

#include <curl/curl.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/event_loop.h"
#include "http/http_types.h"
#include "http/transfer_limits.h"

namespace llmgw::http::internal {

class CurlHttpClient;
struct CurlShard;

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

// A request's header lines as curl reads them (CURLOPT_HTTPHEADER): the
// lines in one buffer and the list's nodes in one array, both owned here.
// curl_slist_append would make two allocations per line (a node and a copy
// of the line); this makes two per request. curl only reads the list, and
// only until the handle is reset.
class HeaderLines {
 public:
  // Room for `lines` lines of `bytes` characters in all (without their
  // terminating NULs); Add beyond that is still correct, only slower.
  void Reserve(size_t lines, size_t bytes) {
    buffer_.reserve(bytes + lines);
    nodes_.reserve(lines);
  }
  // Appends "<a><b><c>" as one line. No part may contain a NUL (header
  // names are tokens and values are checked before they get here).
  void Add(absl::string_view a, absl::string_view b = {},
           absl::string_view c = {}) {
    buffer_.append(a.data(), a.size());
    buffer_.append(b.data(), b.size());
    buffer_.append(c.data(), c.size());
    buffer_.push_back('\0');
    nodes_.emplace_back();
  }
  // Links the nodes over the lines added so far: valid until the next Add
  // or Clear. Null when there are none.
  curl_slist* List() {
    char* line = buffer_.data();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i].data = line;
      nodes_[i].next = i + 1 < nodes_.size() ? &nodes_[i + 1] : nullptr;
      line += std::strlen(line) + 1;
    }
    return nodes_.empty() ? nullptr : nodes_.data();
  }
  void Clear() {
    buffer_.clear();
    nodes_.clear();
  }

 private:
  std::string buffer_;  // the lines, each ending in a NUL
  std::vector<curl_slist> nodes_;
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
    // The client always releases these first; this is only a safety net.
    if (easy != nullptr) curl_easy_cleanup(easy);
  }

  // Defined in http_client.cc (it posts to the client's loop).
  void Cancel() override;

  // Runs on_complete exactly once and drops everything the exchange held
  // (the request carries credentials; the handlers may capture a lot).
  void Complete(TransportError error, std::string message) {
    done = true;
    finished.store(true, std::memory_order_release);
    HttpResult result;
    result.error = error;
    if (error != TransportError::kNone) {
      result.error_message = std::move(message);
    }
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
  CurlShard* shard = nullptr;  // Set while `easy` is added to its multi.
  HeaderLines header_lines;    // what CURLOPT_HTTPHEADER points at
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
  // Minimum rate of an accumulated body (transfer_limits.h).
  RateWindow rate;
  // The timer for the earliest of the limits (CurlHttpClient::ArmLimitTimer).
  bool limit_timer_armed = false;
  EventLoop::TimerId limit_timer = 0;
  // Bytes of this exchange's body counted in the client's BodyBudget.
  size_t budgeted_bytes = 0;

  std::atomic<bool> cancel_requested{false};
  std::atomic<bool> finished{false};
};

}  // namespace llmgw::http::internal

#endif  // LLMGW_HTTP_CURL_EXCHANGE_H_
