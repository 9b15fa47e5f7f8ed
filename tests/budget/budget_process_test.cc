// The real gateway binary: spend committed to the SQLite ledger under
// --data_dir survives SIGKILL; three gateway processes sharing one real
// redis-server enforce one budget exactly.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
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

pb::GenerateRequest Request(const std::string& text) {
  pb::GenerateRequest request;
  request.set_model("gpt-4o-mini");
  request.set_max_tokens(20);
  pb::ChatMessage* m = request.add_messages();
  m->set_role(pb::ROLE_USER);
  m->set_content(text);
  return request;
}

pb::BudgetResponse Budget(pb::LlmGateway::Stub& stub) {
  grpc::ClientContext context;
  pb::BudgetResponse response;
  grpc::Status s = stub.Budget(&context, pb::BudgetRequest(), &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response;
}

std::string FreshDir(const std::string& name) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/", name);
  std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  mkdir(dir.c_str(), 0755);
  return dir;
}

TEST(DurableLedgerTest, CommittedSpendSurvivesSigkill) {
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  // Not there yet: the gateway makes it, private (service/data_dir.h).
  const std::string dir = FreshDir("durable") + "/data/ledger";
  const std::map<std::string, std::string> env = {
      {"OPENAI_API_KEY", "sk-durable-test"},
      {"OPENAI_API_BASE", upstream.base_url("openai")},
      {"LLMGW_HOURLY_BUDGET", "1.00"}};
  const std::vector<std::string> args = {"--data_dir=" + dir};

  int64_t told = 0;
  pb::BudgetResponse before;
  {
    GatewayProcess gateway;
    ASSERT_TRUE(gateway.Start(env, args).ok()) << gateway.Stderr();
    EXPECT_TRUE(absl::StrContains(gateway.Stderr(), "\"data_dir_created\""))
        << gateway.Stderr();
    struct stat made {};
    ASSERT_EQ(stat(dir.c_str(), &made), 0);
    EXPECT_EQ(made.st_mode & 0777, 0700);
    auto stub = gateway.NewStub();
    for (const char* text : {"one", "one two", "one two three"}) {
      grpc::ClientContext context;
      pb::GenerateResponse response;
      grpc::Status s = stub->Generate(&context, Request(text), &response);
      ASSERT_TRUE(s.ok()) << s.error_message();
      told += response.cost_nano_usd();
    }
    {
      grpc::ClientContext context;
      auto reader = stub->GenerateStream(&context, Request("stream it"));
      pb::GenerateStreamEvent event;
      int64_t cost = -1;
      while (reader->Read(&event)) {
        if (event.has_summary()) cost = event.summary().cost_nano_usd();
      }
      ASSERT_TRUE(reader->Finish().ok());
      ASSERT_GT(cost, 0);
      told += cost;
    }
    before = Budget(*stub);
    EXPECT_EQ(before.spent_nano_usd(), told);
    // A call in flight when the process dies holds a reservation only.
    upstream.Enqueue(Behavior::Hang(absl::Seconds(5)));
    grpc::ClientContext in_flight;
    pb::GenerateRequest request = Request("in flight");
    pb::GenerateResponse response;
    absl::Notification finished;
    const int64_t requests_before = upstream.RequestCount();
    stub->async()->Generate(&in_flight, &request, &response,
                            [&finished](grpc::Status) { finished.Notify(); });
    // The reservation is made before the upstream request is sent.
    ASSERT_TRUE(
        upstream.WaitForRequests(requests_before + 1, absl::Seconds(5)));
    EXPECT_EQ(Budget(*stub).open_reservations(), 1);
    auto killed = gateway.StopWith(SIGKILL, absl::Seconds(10));
    ASSERT_TRUE(killed.ok());
    EXPECT_EQ(*killed, -SIGKILL);
    finished.WaitForNotification();
  }
  GatewayProcess gateway;
  ASSERT_TRUE(gateway.Start(env, args).ok()) << gateway.Stderr();
  auto stub = gateway.NewStub();
  pb::BudgetResponse after = Budget(*stub);
  EXPECT_EQ(after.spent_nano_usd(), told);
  EXPECT_EQ(after.lifetime_spent_nano_usd(), told);
  EXPECT_EQ(after.reserved_nano_usd(), 0);
  EXPECT_EQ(after.open_reservations(), 0);
  EXPECT_EQ(after.window_start_unix_ms(), before.window_start_unix_ms());
  ASSERT_EQ(after.breakdown_size(), 1);
  EXPECT_EQ(after.breakdown(0).calls(), 4);
  EXPECT_EQ(after.breakdown(0).spent_nano_usd(), told);
  EXPECT_EQ(after.remaining_nano_usd(), 1'000'000'000 - told);
  // The audit log of the first process recorded every commit.
  std::ifstream audit(dir + "/audit.jsonl");
  std::string line;
  int commits = 0;
  while (std::getline(audit, line)) {
    if (absl::StrContains(line, "\"event\":\"commit\"")) ++commits;
  }
  EXPECT_EQ(commits, 4);
}

TEST(SharedLedgerTest, ThreeReplicasShareOneRedisBudgetExactly) {
  RedisServer redis;
  absl::Status started = redis.Start();
  ASSERT_TRUE(started.ok()) << started;
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  const std::string dir = FreshDir("shared");
  const std::string config_path = dir + "/gateway.yaml";
  {
    std::ofstream config(config_path);
    config << "budget:\n  allow_overage_percent: 10\n";
  }
  // Worst case 13,800 per call, actual 2,100 (see budget_gateway_test).
  const std::map<std::string, std::string> env = {
      {"OPENAI_API_KEY", "sk-shared-test"},
      {"OPENAI_API_BASE", upstream.base_url("openai")},
      {"LLMGW_HOURLY_BUDGET", "0.0005"},
      {"LLMGW_BUDGET_REDIS", redis.address()}};
  std::vector<std::unique_ptr<GatewayProcess>> replicas;
  std::vector<std::unique_ptr<pb::LlmGateway::Stub>> stubs;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(std::make_unique<GatewayProcess>());
    ASSERT_TRUE(replicas.back()->Start(env, {"--config=" + config_path}).ok())
        << replicas.back()->Stderr();
    stubs.push_back(replicas.back()->NewStub());
  }
  upstream.Enqueue(Behavior::HttpError(400).Times(30));

  struct Call {
    grpc::ClientContext context;
    pb::GenerateRequest request;
    pb::GenerateResponse response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  absl::Mutex mu;
  int done = 0;
  for (int i = 0; i < 300; ++i) {
    calls.push_back(std::make_unique<Call>());
    Call* c = calls.back().get();
    c->request = Request("hello budget");
    c->context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    stubs[i % 3]->async()->Generate(&c->context, &c->request, &c->response,
                                    [&mu, &done, c](grpc::Status s) {
                                      absl::MutexLock lock(&mu);
                                      c->status = std::move(s);
                                      ++done;
                                    });
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* d) { return *d == 300; }, &done));
  }
  int64_t told = 0;
  int ok = 0, refused = 0, invalid = 0;
  for (auto& c : calls) {
    if (c->status.ok()) {
      ++ok;
      told += c->response.cost_nano_usd();
    } else if (c->status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_TRUE(absl::StartsWith(c->status.error_message(),
                                   "hourly budget exhausted"))
          << c->status.error_message();
    } else {
      ++invalid;
      EXPECT_EQ(c->status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << c->status.error_message();
    }
  }
  EXPECT_EQ(invalid, 30);
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0);
  // Drain what is left, round robin over the replicas.
  for (int i = 0; i < 400; ++i) {
    grpc::ClientContext context;
    pb::GenerateResponse response;
    grpc::Status s =
        stubs[i % 3]->Generate(&context, Request("hello budget"), &response);
    if (!s.ok()) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      break;
    }
    told += response.cost_nano_usd();
  }
  EXPECT_GT(told, 550'000 - 13'800);
  EXPECT_LE(told, 550'000);
  for (auto& stub : stubs) {
    pb::BudgetResponse budget = Budget(*stub);
    EXPECT_EQ(budget.spent_nano_usd(), told);
    EXPECT_EQ(budget.reserved_nano_usd(), 0);
    EXPECT_EQ(budget.open_reservations(), 0);
    EXPECT_EQ(budget.limit_nano_usd(), 500'000);
  }
  std::printf("3 replicas: %d concurrent ok, %d refused, total %lld nano-USD\n",
              ok, refused, static_cast<long long>(told));
}

}  // namespace
}  // namespace llmgw::testing
