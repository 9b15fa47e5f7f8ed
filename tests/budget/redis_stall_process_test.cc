// The real gateway binary with the Redis ledger while redis-server hangs
// (SIGSTOP) and recovers (SIGCONT): streams already flowing keep their pace
// (no ledger wait on the event loop), new calls get UNAVAILABLE naming the
// ledger within a bound (fail closed) or are admitted (fail open), the
// Budget RPC answers within the bound, and once Redis is back every charge
// is in Redis exactly once and nothing stays reserved.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/gateway.grpc.pb.h"
#include "tests/budget/redis_server.h"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/gateway_process.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;

constexpr absl::Duration kDeltaInterval = absl::Milliseconds(50);
constexpr int kWords = 40;
// redis_timeout_ms below, and what "within the bound" means (timeout plus
// scheduling slack on a loaded 2-core machine).
constexpr int kTimeoutMs = 500;
constexpr absl::Duration kBound = absl::Milliseconds(2000);

pb::GenerateRequest Request(const std::string& text) {
  pb::GenerateRequest request;
  request.set_model("gpt-4o-mini");
  request.set_max_tokens(100);
  pb::ChatMessage* m = request.add_messages();
  m->set_role(pb::ROLE_USER);
  m->set_content(text);
  return request;
}

std::string FreshDir(const std::string& name) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/", name);
  std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  mkdir(dir.c_str(), 0755);
  return dir;
}

struct Stream {
  std::vector<absl::Time> deltas;
  int64_t cost = -1;
  grpc::Status status;
  std::atomic<int> count{0};
};

void RunStream(pb::LlmGateway::Stub* stub, Stream* s) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto reader = stub->GenerateStream(&context, Request("stream it"));
  pb::GenerateStreamEvent event;
  while (reader->Read(&event)) {
    if (event.has_delta()) {
      s->deltas.push_back(absl::Now());
      s->count.fetch_add(1);
    }
    if (event.has_summary()) s->cost = event.summary().cost_nano_usd();
  }
  s->status = reader->Finish();
}

absl::StatusOr<pb::BudgetResponse> Budget(pb::LlmGateway::Stub& stub,
                                          absl::Duration* took = nullptr) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  pb::BudgetResponse response;
  const absl::Time start = absl::Now();
  grpc::Status s = stub.Budget(&context, pb::BudgetRequest(), &response);
  if (took != nullptr) *took = absl::Now() - start;
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  return response;
}

// Polls the Budget RPC (bounded) until spent == `spent` with nothing held.
bool SettlesTo(pb::LlmGateway::Stub& stub, int64_t spent) {
  const absl::Time give_up = absl::Now() + absl::Seconds(15);
  while (absl::Now() < give_up) {
    absl::StatusOr<pb::BudgetResponse> b = Budget(stub);
    if (b.ok() && b->spent_nano_usd() == spent && b->reserved_nano_usd() == 0 &&
        b->open_reservations() == 0) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(100));  // polling from the test
  }
  return false;
}

TEST(RedisStallTest, HungRedisStallsNothingAndLosesNothing) {
  RedisServer redis;
  absl::Status started = redis.Start();
  ASSERT_TRUE(started.ok()) << started;
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  std::vector<std::string> words;
  for (int i = 0; i < kWords; ++i) words.push_back(absl::StrCat("w", i));
  upstream.SetDefault(Behavior::Text(absl::StrJoin(words, " "))
                          .WithDeltaInterval(kDeltaInterval));

  std::unique_ptr<GatewayProcess> gateways[2];
  std::unique_ptr<pb::LlmGateway::Stub> stubs[2];
  for (int i = 0; i < 2; ++i) {
    const bool open = i == 1;
    const std::string dir = FreshDir(open ? "stall-open" : "stall-closed");
    const std::string config = dir + "/gateway.yaml";
    std::ofstream(config) << "budget:\n  redis_timeout_ms: " << kTimeoutMs
                          << "\n  redis_key_prefix: "
                          << (open ? "open" : "closed") << "\n";
    std::map<std::string, std::string> env = {
        {"OPENAI_API_KEY", "sk-stall-test"},
        {"OPENAI_API_BASE", upstream.base_url("openai")},
        {"LLMGW_HOURLY_BUDGET", "1.00"},
        {"LLMGW_BUDGET_REDIS", redis.address()}};
    if (open) env["LLMGW_BUDGET_REDIS_FAIL_OPEN"] = "true";
    gateways[i] = std::make_unique<GatewayProcess>();
    ASSERT_TRUE(gateways[i]
                    ->Start(env, {"--data_dir=" + dir, "--config=" + config})
                    .ok())
        << gateways[i]->Stderr();
    stubs[i] = gateways[i]->NewStub();
  }

  // Streams flowing on the fail-closed gateway when Redis hangs.
  constexpr int kStreams = 3;
  Stream streams[kStreams];
  std::vector<std::thread> threads;
  for (Stream& s : streams) {
    threads.emplace_back(RunStream, stubs[0].get(), &s);
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up &&
         std::any_of(std::begin(streams), std::end(streams),
                     [](const Stream& s) { return s.count.load() < 3; })) {
    absl::SleepFor(absl::Milliseconds(10));  // polling from the test
  }
  redis.Pause();
  const absl::Time paused = absl::Now();

  // New calls: fail closed within the bound, naming the ledger.
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    pb::GenerateResponse response;
    const absl::Time start = absl::Now();
    grpc::Status s = stubs[0]->Generate(&context, Request("new"), &response);
    const absl::Duration took = absl::Now() - start;
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE)
        << s.error_message();
    EXPECT_NE(s.error_message().find("budget ledger unavailable"),
              std::string::npos)
        << s.error_message();
    EXPECT_LT(took, kBound) << "call " << i;
    std::printf("fail-closed call %d during the stall: %s in %s\n", i,
                s.error_message().c_str(), absl::FormatDuration(took).c_str());
  }
  // The Budget RPC answers within the bound (an error while Redis hangs).
  absl::Duration budget_took;
  (void)Budget(*stubs[0], &budget_took);
  EXPECT_LT(budget_took, kBound);
  // Fail open: admitted, charged once Redis is back.
  int64_t told_open = 0;
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    pb::GenerateResponse response;
    const absl::Time start = absl::Now();
    grpc::Status s = stubs[1]->Generate(&context, Request("open"), &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_LT(absl::Now() - start, kBound + kDeltaInterval * kWords);
    told_open += response.cost_nano_usd();
  }

  for (std::thread& t : threads) t.join();
  const absl::Duration stalled = absl::Now() - paused;
  redis.Resume();

  int64_t told = 0;
  for (Stream& s : streams) {
    EXPECT_TRUE(s.status.ok()) << s.status.error_message();
    EXPECT_GT(s.cost, 0);
    told += std::max<int64_t>(0, s.cost);
    ASSERT_GE(s.deltas.size(), 10u);
    absl::Duration max_gap;
    int during = 0;
    for (size_t i = 1; i < s.deltas.size(); ++i) {
      if (s.deltas[i] < paused) continue;
      ++during;
      max_gap = std::max(max_gap, s.deltas[i] - s.deltas[i - 1]);
    }
    std::printf("stream: %zu deltas, %d during the stall, max gap %s\n",
                s.deltas.size(), during, absl::FormatDuration(max_gap).c_str());
    EXPECT_GE(during, 5);
    // A ledger wait on the loop would show as a gap of the Redis timeout.
    EXPECT_LT(max_gap,
              absl::Milliseconds(kTimeoutMs) - absl::Milliseconds(100));
  }
  std::printf("Redis hung for %s\n", absl::FormatDuration(stalled).c_str());
  EXPECT_TRUE(SettlesTo(*stubs[0], told)) << gateways[0]->Stderr();
  EXPECT_TRUE(SettlesTo(*stubs[1], told_open)) << gateways[1]->Stderr();
}

}  // namespace
}  // namespace llmgw::testing
