// GrpcCallbackThreadHold against a real gRPC server on loopback (the
// default health service, a callback service): which threads it holds,
// that they stay idle while calls are served, that holds in one process
// never take the whole pool, and that Release gives the threads back.
#include "service/grpc_callback_threads.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/grpc_health/health.grpc.pb.h"

namespace llmgw {
namespace {

namespace health = ::grpc::health::v1;

// Voluntary context switches of thread `tid` of this process.
long ContextSwitches(pid_t tid) {
  std::ifstream status(absl::StrCat("/proc/self/task/", tid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0) {
      return std::stol(line.substr(line.find(':') + 1));
    }
  }
  return -1;
}

// ContextSwitches(tid) once two readings 20 ms apart agree (at most ~2 s).
long SettledContextSwitches(pid_t tid) {
  long last = ContextSwitches(tid);
  for (int i = 0; i < 100; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    const long now = ContextSwitches(tid);
    if (now == last) return now;
    last = now;
  }
  return last;
}

class CallbackThreadHoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = health::Health::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  // One health check over TCP, served by the pool's threads.
  bool Check() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    health::HealthCheckRequest request;
    health::HealthCheckResponse response;
    grpc::Status status = stub_->Check(&context, request, &response);
    return status.ok() &&
           response.status() == health::HealthCheckResponse::SERVING;
  }

  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<health::Health::Stub> stub_;
};

TEST_F(CallbackThreadHoldTest, HoldsAllButOneAndTheHeldStayIdleUnderCalls) {
  std::unique_ptr<GrpcCallbackThreadHold> hold =
      GrpcCallbackThreadHold::Start(server_.get(), 1);
  const int pool = hold->pool_threads();
  ASSERT_GE(pool, 2);  // gRPC 1.51: half the cores, at least 2
  EXPECT_EQ(pool, GrpcCallbackThreadHold::CountPoolThreads());
  EXPECT_EQ(hold->held(), pool - 1);
  EXPECT_EQ(hold->not_held_reason(), "");
  const std::vector<pid_t> held = hold->held_thread_ids();
  ASSERT_EQ(static_cast<int>(held.size()), pool - 1);

  // A held thread records itself before it goes to sleep (absl's Mutex may
  // spin first): count from when its switches stop moving.
  std::map<pid_t, long> before;
  for (pid_t tid : held) before[tid] = SettledContextSwitches(tid);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(Check()) << i;
  // The calls were served, and not by a held thread: none of them woke.
  for (pid_t tid : held) {
    EXPECT_EQ(ContextSwitches(tid), before[tid]) << "thread " << tid;
  }

  hold->Release();
  EXPECT_EQ(hold->held(), 0);
  // Back in the pool: each woke, and sleeps again once it has gone back;
  // the server still answers.
  for (pid_t tid : held) {
    long now = ContextSwitches(tid);
    for (int i = 0; i < 100 && now <= before[tid]; ++i) {
      absl::SleepFor(absl::Milliseconds(20));
      now = ContextSwitches(tid);
    }
    EXPECT_GT(now, before[tid]) << "thread " << tid;
  }
  EXPECT_TRUE(Check());
}

TEST_F(CallbackThreadHoldTest, HoldsInOneProcessNeverTakeTheWholePool) {
  std::unique_ptr<GrpcCallbackThreadHold> first =
      GrpcCallbackThreadHold::Start(server_.get(), 1);
  ASSERT_EQ(first->held(), first->pool_threads() - 1);
  // The pool is process-wide: a second hold (another server in the same
  // process) finds no surplus left, and the one serving thread still serves.
  std::unique_ptr<GrpcCallbackThreadHold> second =
      GrpcCallbackThreadHold::Start(server_.get(), 1);
  EXPECT_EQ(second->held(), 0);
  EXPECT_EQ(second->not_held_reason(),
            "another server in this process already holds the surplus");
  EXPECT_TRUE(Check());
  // Once the first lets go, the surplus can be held again.
  first.reset();
  std::unique_ptr<GrpcCallbackThreadHold> third =
      GrpcCallbackThreadHold::Start(server_.get(), 1);
  EXPECT_EQ(third->held(), third->pool_threads() - 1);
  EXPECT_TRUE(Check());
}

TEST_F(CallbackThreadHoldTest, ZeroOrThePoolsSizeHoldsNothing) {
  std::unique_ptr<GrpcCallbackThreadHold> none =
      GrpcCallbackThreadHold::Start(server_.get(), 0);
  EXPECT_EQ(none->held(), 0);
  EXPECT_EQ(none->not_held_reason(),
            "every thread of gRPC's pool serves (asked: 0)");
  const int pool = GrpcCallbackThreadHold::CountPoolThreads();
  std::unique_ptr<GrpcCallbackThreadHold> all =
      GrpcCallbackThreadHold::Start(server_.get(), pool);
  EXPECT_EQ(all->held(), 0);
  EXPECT_EQ(all->not_held_reason(),
            "the pool has no more threads than asked to serve");
  EXPECT_TRUE(Check());
}

}  // namespace
}  // namespace llmgw
