#include "front/http_parse.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace llmgw::front {

absl::StatusOr<RequestHead> ParseRequestHead(absl::string_view buffer,
                                             size_t max_header_bytes,
                                             size_t max_headers,
                                             size_t max_body_bytes) {
  const size_t end = buffer.find("\r\n\r\n");
  if (end == absl::string_view::npos) {
    if (buffer.size() > max_header_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "request line and headers exceed ", max_header_bytes, " bytes"));
    }
    return absl::NotFoundError("incomplete");
  }
  if (end + 4 > max_header_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "request line and headers exceed ", max_header_bytes, " bytes"));
  }
  RequestHead head;
  head.head_bytes = end + 4;
  std::vector<absl::string_view> lines =
      absl::StrSplit(buffer.substr(0, end), "\r\n");
  std::vector<absl::string_view> first =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (first.size() != 3 || first[0].empty() || first[1].empty() ||
      first[1][0] != '/') {
    return absl::InvalidArgumentError("malformed request line");
  }
  if (first[2] == "HTTP/1.0") {
    head.http10 = true;
    head.keep_alive = false;
  } else if (first[2] != "HTTP/1.1") {
    return absl::InvalidArgumentError("only HTTP/1.0 and HTTP/1.1 are served");
  }
  head.method = std::string(first[0]);
  head.path = std::string(first[1].substr(0, first[1].find('?')));
  if (lines.size() - 1 > max_headers) {
    return absl::ResourceExhaustedError(
        absl::StrCat("more than ", max_headers, " headers"));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos || colon == 0 || lines[i][0] == ' ' ||
        lines[i][0] == '\t') {
      return absl::InvalidArgumentError("malformed header line");
    }
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    auto [it, inserted] = head.headers.emplace(name, value);
    if (!inserted) {
      if (name == "content-length") {
        return absl::InvalidArgumentError("repeated Content-Length");
      }
      absl::StrAppend(&it->second, ", ", value);
    }
  }
  if (auto it = head.headers.find("transfer-encoding");
      it != head.headers.end()) {
    return absl::UnimplementedError(
        "chunked request bodies are not accepted: send Content-Length");
  }
  if (auto it = head.headers.find("content-length"); it != head.headers.end()) {
    uint64_t n = 0;
    if (!absl::SimpleAtoi(it->second, &n) ||
        it->second.find_first_not_of("0123456789") != std::string::npos) {
      return absl::InvalidArgumentError("bad Content-Length");
    }
    if (n > max_body_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "request body of ", n, " bytes exceeds ", max_body_bytes));
    }
    head.content_length = n;
  }
  if (auto it = head.headers.find("connection"); it != head.headers.end()) {
    const std::string v = absl::AsciiStrToLower(it->second);
    if (v.find("close") != std::string::npos) head.keep_alive = false;
    if (v.find("keep-alive") != std::string::npos) head.keep_alive = true;
  }
  return head;
}

}  // namespace llmgw::front
