#ifndef LLMGW_TESTS_FRONT_HTTP_TEST_CLIENT_H_
#define LLMGW_TESTS_FRONT_HTTP_TEST_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace llmgw::testing {

// A blocking HTTP/1.1 client for tests: one request per connection
// ("connection: close"), reads to EOF, de-chunks the body.
struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

inline std::string Dechunk(const std::string& in) {
  std::string out;
  size_t pos = 0;
  while (pos < in.size()) {
    const size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) break;
    size_t n = 0;
    if (!absl::SimpleHexAtoi(in.substr(pos, eol - pos), &n) || n == 0) break;
    out += in.substr(eol + 2, n);
    pos = eol + 2 + n + 2;
  }
  return out;
}

inline HttpReply HttpCall(int port, const std::string& method,
                          const std::string& path, const std::string& body,
                          const std::string& extra_headers = "") {
  HttpReply reply;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return reply;
  }
  const std::string req = absl::StrCat(
      method, " ", path,
      " HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n",
      "content-type: application/json\r\ncontent-length: ", body.size(), "\r\n",
      extra_headers, "\r\n", body);
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[8192];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, n);
  }
  close(fd);
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return reply;
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, end), "\r\n");
  std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
  if (first.size() < 2 || !absl::SimpleAtoi(first[1], &reply.status)) {
    return reply;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    reply.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  reply.body = raw.substr(end + 4);
  if (reply.headers["transfer-encoding"] == "chunked") {
    reply.body = Dechunk(reply.body);
  }
  return reply;
}

}  // namespace llmgw::testing

#endif  // LLMGW_TESTS_FRONT_HTTP_TEST_CLIENT_H_
