// The gRPC port's HTTP/2 settings on the real binary, seen on the wire by
// nghttp (apt nghttp2-client): by default the gateway sends no
// bandwidth-delay-product PING after a call's data (it cost ~9% of the CPU
// per call, docs/benchmarks.md); --grpc_bdp_probe turns it back on. And
// gRPC's callback threads: one serves, the rest of the pool waits
// (--grpc_callback_threads), as the start-up line, the gauge and the
// threads' own states in /proc say.
#include <dirent.h>

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
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

// The value of `"key":"<digits>"` in the gateway's `grpc_callback_threads`
// start-up line, or -1.
int CallbackThreadsField(const GatewayProcess& gateway,
                         const std::string& key) {
  const std::string log = gateway.Stderr();
  const size_t line = log.find("\"event\":\"grpc_callback_threads\"");
  if (line == std::string::npos) return -1;
  const size_t begin = log.rfind('{', line);
  const size_t end = log.find('\n', line);
  const std::string text = log.substr(begin, end - begin);
  const std::string tag = absl::StrCat("\"", key, "\":\"");
  const size_t at = text.find(tag);
  if (at == std::string::npos) return -1;
  int value = -1;
  const size_t from = at + tag.size();
  if (!absl::SimpleAtoi(text.substr(from, text.find('"', from) - from),
                        &value)) {
    return -1;
  }
  return value;
}

// How many of the gateway's threads are named nexting_thread (gRPC's
// callback pool).
int PoolThreads(pid_t pid) {
  int count = 0;
  const std::string tasks = absl::StrCat("/proc/", pid, "/task");
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return -1;
  while (dirent* entry = readdir(dir)) {
    std::ifstream comm(absl::StrCat(tasks, "/", entry->d_name, "/comm"));
    std::string name;
    if (std::getline(comm, name) && name == "nexting_thread") ++count;
  }
  closedir(dir);
  return count;
}

TEST(GrpcTransportTest, OneCallbackThreadServesAndTheRestOfThePoolIsHeld) {
  GatewayProcess gateway;
  absl::Status started = gateway.Start({});
  ASSERT_TRUE(started.ok()) << started;
  const int pool = CallbackThreadsField(gateway, "pool");
  ASSERT_GE(pool, 2) << gateway.Stderr();  // gRPC 1.51: at least 2
  EXPECT_EQ(pool, PoolThreads(gateway.pid()));
  EXPECT_EQ(CallbackThreadsField(gateway, "serving"), 1) << gateway.Stderr();
  EXPECT_EQ(CallbackThreadsField(gateway, "held"), pool - 1);
  // Calls are still served (by the one serving thread).
  for (int i = 0; i < 3; ++i) FramesOfOneCall(gateway);
  absl::StatusOr<std::string> metrics =
      HttpGet(gateway.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_NE(metrics->find("llmgw_grpc_callback_threads{state=\"serving\"} 1"),
            std::string::npos)
      << *metrics;
  EXPECT_NE(metrics->find(absl::StrCat(
                "llmgw_grpc_callback_threads{state=\"held\"} ", pool - 1)),
            std::string::npos);
}

TEST(GrpcTransportTest, CallbackThreadsZeroKeepsGrpcsWholePool) {
  GatewayProcess gateway;
  absl::Status started = gateway.Start({}, {"--grpc_callback_threads=0"});
  ASSERT_TRUE(started.ok()) << started;
  const int pool = CallbackThreadsField(gateway, "pool");
  EXPECT_EQ(CallbackThreadsField(gateway, "held"), 0) << gateway.Stderr();
  EXPECT_EQ(CallbackThreadsField(gateway, "serving"), pool);
  EXPECT_NE(gateway.Stderr().find("\"not_held\":\"every thread of gRPC's "
                                  "pool serves (asked: 0)\""),
            std::string::npos)
      << gateway.Stderr();
  FramesOfOneCall(gateway);
}

}  // namespace
}  // namespace llmgw::testing
