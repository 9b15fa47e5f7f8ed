#ifndef LLMGW_FRONT_HTTP_PARSE_H_
#define LLMGW_FRONT_HTTP_PARSE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llmgw::front {

// One HTTP/1.1 request head (request line + headers).
struct RequestHead {
  std::string method;
  std::string path;  // without the query string
  bool http10 = false;
  // Lower-case names; repeated headers are joined with ", ".
  std::map<std::string, std::string> headers;
  size_t content_length = 0;
  bool keep_alive = true;
  size_t head_bytes = 0;  // bytes consumed, including the blank line
};

// Parses a request head at the start of `buffer`. Returns nullopt-like
// NotFound when the head is not complete yet; InvalidArgument (400),
// ResourceExhausted (431/413) or Unimplemented (411/501) when it is bad.
absl::StatusOr<RequestHead> ParseRequestHead(absl::string_view buffer,
                                             size_t max_header_bytes,
                                             size_t max_headers,
                                             size_t max_body_bytes);

}  // namespace llmgw::front

#endif  // LLMGW_FRONT_HTTP_PARSE_H_
