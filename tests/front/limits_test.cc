// The HTTP front's bounds on a real gateway: each refused request gets its
// own status (413, 414, 431, 408 for a slow loris) and a closed connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "front/front_server.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

class FrontLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    front::FrontOptions o;
    o.address = "127.0.0.1:0";
    o.max_request_line = 256;
    o.max_header_bytes = 2048;
    o.max_headers = 16;
    o.max_body_bytes = 1024;
    o.read_timeout = absl::Seconds(1);
    auto s = front::FrontServer::Start(&h_.server().core(), o, &registry_);
    ASSERT_TRUE(s.ok()) << s.status();
    front_ = *std::move(s);
  }
  void TearDown() override {
    if (front_) front_->BeginShutdown();
    if (front_) front_->FinishShutdown(absl::Now());
  }

  int Connect() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(front_->port());
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return fd;
  }
  // Sends `request`, reads to EOF (the front closes after a refusal).
  std::string Exchange(const std::string& request) {
    const int fd = Connect();
    send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string reply = ReadToEof(fd);
    close(fd);
    return reply;
  }
  static std::string ReadToEof(int fd) {
    std::string reply;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) reply.append(buf, n);
    return reply;
  }
  static int StatusOf(const std::string& reply) {
    if (reply.size() < 12) return 0;
    return std::stoi(reply.substr(9, 3));
  }

  std::string Metrics() {
    return prometheus::TextSerializer().Serialize(registry_.Collect());
  }

  GatewayHarness h_;
  prometheus::Registry registry_;
  std::unique_ptr<front::FrontServer> front_;
};

TEST_F(FrontLimitsTest, OversizedBodyIs413) {
  const std::string reply = Exchange(
      "POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\n"
      "content-length: 5000\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 413) << reply;
  EXPECT_NE(reply.find("connection: close"), std::string::npos);
  EXPECT_NE(reply.find("\"error\""), std::string::npos);
  // Chunked, so the size is only known while it arrives.
  const std::string chunked =
      Exchange(absl::StrCat("POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\n"
                            "transfer-encoding: chunked\r\n\r\n800\r\n",
                            std::string(0x800, 'x'), "\r\n0\r\n\r\n"));
  EXPECT_EQ(StatusOf(chunked), 413) << chunked;
}

TEST_F(FrontLimitsTest, OversizedHeadersAre431) {
  EXPECT_EQ(
      StatusOf(Exchange(absl::StrCat("GET /v1/models HTTP/1.1\r\nx: ",
                                     std::string(4000, 'a'), "\r\n\r\n"))),
      431);
  std::string many = "GET /v1/models HTTP/1.1\r\n";
  for (int i = 0; i < 17; ++i) absl::StrAppend(&many, "h", i, ": v\r\n");
  EXPECT_EQ(StatusOf(Exchange(many + "\r\n")), 431);
  EXPECT_EQ(StatusOf(Exchange(absl::StrCat("GET /", std::string(300, 'a'),
                                           " HTTP/1.1\r\n\r\n"))),
            414);
}

TEST_F(FrontLimitsTest, SlowLorisGets408WithinTheDeadline) {
  const int fd = Connect();
  const absl::Time start = absl::Now();
  // One header byte every 200 ms: each read is quick, the request is not.
  std::string reply;
  const std::string head = "GET /v1/models HTTP/1.1\r\nx-slow: aaaaaaaaaaaaaa";
  for (char ch : head) {
    if (send(fd, &ch, 1, MSG_NOSIGNAL) != 1) break;
    absl::SleepFor(absl::Milliseconds(200));
    if (absl::Now() - start > absl::Seconds(5)) break;
    timeval tv{0, 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      reply.append(buf, n);
      break;
    }
  }
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  reply += ReadToEof(fd);
  close(fd);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(StatusOf(reply), 408) << reply;
  EXPECT_LT(took, absl::Seconds(3));
  EXPECT_GE(took, absl::Milliseconds(900));
}

TEST_F(FrontLimitsTest, ExpectContinueGets100BeforeTheBody) {
  const int fd = Connect();
  const std::string head =
      "POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\nexpect: "
      "100-continue\r\nconnection: close\r\ncontent-length: 9\r\n\r\n";
  send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  char buf[256];
  const ssize_t n = recv(fd, buf, sizeof(buf), 0);  // before any body byte
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "HTTP/1.1 100 Continue\r\n\r\n");
  send(fd, "{not json", 9, MSG_NOSIGNAL);
  const std::string reply = ReadToEof(fd);
  close(fd);
  EXPECT_EQ(StatusOf(reply), 400) << reply;
  // Over the body bound: 413 at once, no 100.
  EXPECT_EQ(StatusOf(Exchange(
                "POST /v1/chat/completions HTTP/1.1\r\nexpect: 100-continue\r\n"
                "content-length: 5000\r\n\r\n")),
            413);
}

TEST_F(FrontLimitsTest, WithinBoundsIsServed) {
  const std::string reply = Exchange(
      "GET /v1/models HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 200) << reply;
}

TEST_F(FrontLimitsTest, MetricsCountEachStatusAndTimeEachClass) {
  Exchange(
      "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 5000\r\n\r\n");
  Exchange("GET /v1/models HTTP/1.1\r\nconnection: close\r\n\r\n");
  Exchange("GET /v1/models HTTP/1.1\r\nconnection: close\r\n\r\n");
  const std::string m = Metrics();
  EXPECT_NE(m.find("llmgw_http_front_requests_total{route=\"other\","
                   "status=\"413\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("llmgw_http_front_requests_total{route=\"/v1/models\","
                   "status=\"200\"} 2"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("llmgw_http_front_request_duration_seconds_count{route=\"/"
                   "v1/models\",status_class=\"2xx\"} 2"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("llmgw_http_front_request_duration_seconds_count{route=\""
                   "other\",status_class=\"4xx\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("llmgw_http_front_connections"), std::string::npos);
}

}  // namespace
}  // namespace llmgw::testing
