#ifndef LLMGW_FRONT_HTTP_PARSE_H_
#define LLMGW_FRONT_HTTP_PARSE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace llmgw::front {

// One HTTP/1.1 request head (request line + headers).
struct RequestHead {
  std::string method;
  std::string path;  // without the query string
  bool http10 = false;
  // Lower-case names; repeated headers are joined with ", ".
  std::map<std::string, std::string> headers;
  bool keep_alive = true;
};

struct HttpRequest {
  RequestHead head;
  std::string body;  // Content-Length or de-chunked body
};

// Bounds enforced while a request is read, each with its own status.
struct ParseLimits {
  size_t max_request_line = 8 << 10;   // method + target + version: 414
  size_t max_header_bytes = 16 << 10;  // request line + headers: 431
  size_t max_headers = 64;             // header count: 431
  size_t max_body_bytes = 4 << 20;     // Content-Length or chunked total: 413
};

// An incremental HTTP/1.1 request parser on llhttp (Node's parser, from
// Debian's node-llhttp; see docs/http-front.md). Owned by one connection and
// fed the bytes as they arrive; it never blocks and never holds more than
// the limits allow. After a complete request it stops (pipelined bytes are
// left unconsumed) until Take() starts the next one.
class RequestParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  explicit RequestParser(const ParseLimits& limits);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses from `data`; returns how many bytes were consumed (fewer than
  // data.size() only once the request is complete or bad).
  size_t Feed(absl::string_view data);

  State state() const { return state_; }
  // Whether any byte of the current request has been seen (a request in
  // progress, as opposed to an idle keep-alive connection).
  bool started() const { return started_; }
  // kError: the HTTP status to answer (400, 413, 414, 431, 501, 505) and why.
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

  // True once per request when its head asked `Expect: 100-continue` (HTTP/1.1)
  // and passed every bound: the caller then sends "100 Continue" so a client
  // such as curl sends its body at once instead of after its own wait.
  bool TakeExpectContinue();

  // kComplete: the request; resets the parser for the next one.
  HttpRequest Take();

  struct Impl;

 private:
  void Reset();
  size_t FeedOnce(absl::string_view data);
  void Fail(int status, std::string message);

  std::unique_ptr<Impl> impl_;
  State state_ = State::kNeedMore;
  bool started_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace llmgw::front

#endif  // LLMGW_FRONT_HTTP_PARSE_H_
