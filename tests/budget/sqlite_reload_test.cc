// A reload that replaces the SQLite ledger (a new data_dir) while unary
// calls are in flight on the old one. Those calls are answered from the old
// ledger's writer thread once their charge is durable, and it is there that
// they let go of their configuration generation: the core, not the last
// call, must be the one to destroy that generation (a writer thread cannot
// join itself). Real in-process gateway, generated stubs, fake upstream.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "budget/sqlite_ledger.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

std::string FreshDir(const std::string& name) {
  const std::string dir = std::string(::testing::TempDir()) + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

int64_t SpentIn(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<SpendLedger>> ledger =
      OpenSqliteLedger(dir + "/ledger.db", BudgetConfig{}, nullptr, absl::Now);
  EXPECT_TRUE(ledger.ok()) << ledger.status();
  if (!ledger.ok()) return -1;
  return (*ledger)->Snapshot("")->lifetime_spent_nano_usd;
}

TEST(SqliteReloadTest, CallsInFlightFinishOnTheReplacedLedger) {
  const std::string first = FreshDir("reload_first");
  const std::string second = FreshDir("reload_second");
  const std::map<std::string, std::string> env = {
      {"OPENAI_API_KEY", "sk-test-key-0123456789"}};
  GatewayConfig config;
  config.data_dir = first;
  int64_t told = 0;
  {
    GatewayHarness h(env, config);
    std::weak_ptr<const ConfigGeneration> replaced =
        h.server().core().current();
    constexpr int kCalls = 16;
    h.upstream().Enqueue(
        Behavior::Ok().WithDelay(absl::Seconds(1)).Times(kCalls));
    std::vector<std::thread> in_flight;
    std::vector<grpc::Status> results(kCalls);
    std::vector<pb::GenerateResponse> responses(kCalls);
    for (int i = 0; i < kCalls; ++i) {
      in_flight.emplace_back([&, i] {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(10));
        results[i] = h.stub().Generate(
            &context, GatewayHarness::UserRequest("hi", "gpt-4o-mini"),
            &responses[i]);
      });
    }
    ASSERT_TRUE(h.upstream().WaitForRequests(kCalls, absl::Seconds(5)));

    std::map<std::string, std::string> reload_env = env;
    reload_env["OPENAI_API_BASE"] = h.upstream().base_url("openai");
    const EnvLookup lookup = FixedEnvironment(reload_env);
    GatewayConfig moved = config;
    moved.data_dir = second;
    ASSERT_TRUE(ApplyEnvironmentOverrides(lookup, moved).ok());
    absl::Status reloaded = h.server().Reload(moved, lookup);
    ASSERT_TRUE(reloaded.ok()) << reloaded;
    EXPECT_EQ(h.server().core().ReleaseIdleGenerations(), 1u)
        << "the calls still hold the replaced generation";

    for (std::thread& t : in_flight) t.join();
    for (int i = 0; i < kCalls; ++i) {
      ASSERT_TRUE(results[i].ok()) << results[i].error_message();
      told += responses[i].cost_nano_usd();
    }
    // The calls let go of it (the last ones on the old ledger's writer
    // thread, just after their replies left), yet it lives on until the core
    // releases it, as the main thread does every second while one is held.
    EXPECT_FALSE(replaced.expired());
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (h.server().core().ReleaseIdleGenerations() != 0 &&
           absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_TRUE(replaced.expired());
    // The old ledger closed its file: it opens again, with every charge.
    EXPECT_EQ(SpentIn(first), told);
    EXPECT_GT(told, 0);

    // New calls go to the new ledger.
    grpc::ClientContext context;
    pb::GenerateResponse response;
    ASSERT_TRUE(h.stub()
                    .Generate(&context,
                              GatewayHarness::UserRequest("hi", "gpt-4o-mini"),
                              &response)
                    .ok());
    EXPECT_GT(response.cost_nano_usd(), 0);
  }
  EXPECT_EQ(SpentIn(first), told);
  EXPECT_GT(SpentIn(second), 0);
}

grpc::Status CallOnce(GatewayHarness& h, pb::GenerateResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  return h.stub().Generate(
      &context, GatewayHarness::UserRequest("hi", "gpt-4o-mini"), response);
}

// A reload that changes only limits keeps the SQLite ledger (its file stays
// open for the calls in flight) and has it enforce the new limits at once,
// with the window's spend kept: lowered below the spend, the next call is
// refused; raised again, it passes.
TEST(SqliteReloadTest, LimitsReloadInPlaceKeepingTheWindowsSpend) {
  const std::map<std::string, std::string> env = {
      {"OPENAI_API_KEY", "sk-test-key-0123456789"}};
  GatewayConfig config;
  config.data_dir = FreshDir("reload_limits");
  GatewayHarness h(env, config);
  std::map<std::string, std::string> reload_env = env;
  reload_env["OPENAI_API_BASE"] = h.upstream().base_url("openai");
  const EnvLookup lookup = FixedEnvironment(reload_env);
  GatewayConfig next = config;
  ASSERT_TRUE(ApplyEnvironmentOverrides(lookup, next).ok());
  const SpendLedger* ledger = h.server().core().current()->ledger.get();

  pb::GenerateResponse first;
  ASSERT_TRUE(CallOnce(h, &first).ok());
  ASSERT_GT(first.cost_nano_usd(), 0);

  next.budget.hourly_budget_nano_usd = first.cost_nano_usd();
  absl::Status reloaded = h.server().Reload(next, lookup);
  ASSERT_TRUE(reloaded.ok()) << reloaded;
  EXPECT_EQ(h.server().core().current()->number, 2);
  EXPECT_EQ(h.server().core().current()->ledger.get(), ledger);
  pb::GenerateResponse refused;
  grpc::Status status = CallOnce(h, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "hourly_budget"))
      << status.error_message();
  absl::StatusOr<BudgetSnapshot> snapshot =
      h.server().core().current()->ledger->Snapshot("");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->limit_nano_usd, first.cost_nano_usd());
  EXPECT_EQ(snapshot->spent_nano_usd, first.cost_nano_usd());

  next.budget.hourly_budget_nano_usd = 9'000'000'000;
  next.budget.model_prices["openai/unlisted-model"] = TokenPrice{1, 2};
  reloaded = h.server().Reload(next, lookup);
  ASSERT_TRUE(reloaded.ok()) << reloaded;
  EXPECT_EQ(h.server().core().current()->ledger.get(), ledger);
  pb::GenerateResponse second;
  status = CallOnce(h, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  snapshot = h.server().core().current()->ledger->Snapshot("");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->spent_nano_usd,
            first.cost_nano_usd() + second.cost_nano_usd());
}

// A change of how the spend is stored (here the window) cannot open a second
// ledger on the same file while the first is open: the reload is refused
// with what to do, and the running configuration keeps serving.
TEST(SqliteReloadTest, StoreChangeOnTheSameFileIsRefusedWithWhatToDo) {
  const std::map<std::string, std::string> env = {
      {"OPENAI_API_KEY", "sk-test-key-0123456789"}};
  GatewayConfig config;
  config.data_dir = FreshDir("reload_budget");
  GatewayHarness h(env, config);
  std::map<std::string, std::string> reload_env = env;
  reload_env["OPENAI_API_BASE"] = h.upstream().base_url("openai");
  const EnvLookup lookup = FixedEnvironment(reload_env);
  GatewayConfig changed = config;
  ASSERT_TRUE(ApplyEnvironmentOverrides(lookup, changed).ok());
  changed.budget.window = absl::Hours(24);
  absl::Status reloaded = h.server().Reload(changed, lookup);
  EXPECT_EQ(reloaded.code(), absl::StatusCode::kFailedPrecondition) << reloaded;
  EXPECT_TRUE(absl::StrContains(reloaded.message(), "take effect on restart"))
      << reloaded;
  EXPECT_EQ(h.server().core().current()->number, 1);

  pb::GenerateResponse response;
  EXPECT_TRUE(CallOnce(h, &response).ok());
}

}  // namespace
}  // namespace llmgw::testing
