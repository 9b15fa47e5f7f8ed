// The gRPC port's HTTP/2 settings on the real binary, seen on the wire by
// nghttp (apt nghttp2-client): by default the gateway sends no
// bandwidth-delay-product PING after a call's data (it cost ~9% of the CPU
// per call, docs/benchmarks.md); --grpc_bdp_probe turns it back on.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/gateway_process.h"

namespace llmgw::testing {
namespace {

// grpc.health.v1.Health/Check with an empty request: one gRPC frame (no
// compression, length 0).
const std::string kEmptyHealthCheck("\0\0\0\0\0", 5);

// nghttp's frame log of one health check against `gateway`.
std::string FramesOfOneCall(const GatewayProcess& gateway) {
  CommandResult result = RunCommand(
      absl::StrCat("nghttp -nv -d - -H 'content-type: application/grpc' "
                   "-H 'te: trailers' http://127.0.0.1:",
                   gateway.grpc_port(), "/grpc.health.v1.Health/Check"),
      kEmptyHealthCheck);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // The call itself succeeded: the trailers say OK.
  EXPECT_NE(result.output.find("grpc-status: 0"), std::string::npos)
      << result.output;
  return result.output;
}

TEST(GrpcTransportTest, NoBdpPingByDefault) {
  GatewayProcess gateway;
  absl::Status started = gateway.Start({});
  ASSERT_TRUE(started.ok()) << started;
  const std::string frames = FramesOfOneCall(gateway);
  EXPECT_NE(frames.find("recv HEADERS frame"), std::string::npos) << frames;
  EXPECT_EQ(frames.find("recv PING frame"), std::string::npos) << frames;
}

TEST(GrpcTransportTest, BdpProbeFlagSendsItsPing) {
  GatewayProcess gateway;
  absl::Status started = gateway.Start({}, {"--grpc_bdp_probe"});
  ASSERT_TRUE(started.ok()) << started;
  const std::string frames = FramesOfOneCall(gateway);
  EXPECT_NE(frames.find("recv PING frame"), std::string::npos) << frames;
}

}  // namespace
}  // namespace llmgw::testing
