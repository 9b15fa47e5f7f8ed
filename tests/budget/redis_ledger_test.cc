// The Redis ledger against a real redis-server: atomic multi-scope
// reservations, expiry, and exact shared budgets across ledger instances
// (as replicas use it).
#include "budget/redis_ledger.h"

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/budget/redis_server.h"

namespace llmgw::testing {
namespace {

class RedisLedgerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new RedisServer();
    absl::Status started = redis_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }
  static void TearDownTestSuite() { delete redis_; }

  void SetUp() override {
    config_.redis_address = redis_->address();
    config_.redis_key_prefix =
        std::string("t:") +
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    config_.hourly_budget_nano_usd = 1000;
  }
  std::unique_ptr<SpendLedger> Open() {
    auto ledger = OpenRedisLedger(config_, &audit_, [this] { return now(); });
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    return ledger.ok() ? *std::move(ledger) : nullptr;
  }
  absl::Time now() {
    return absl::FromUnixSeconds(1'700'000'000) +
           absl::Milliseconds(offset_ms_.load());
  }
  ReserveRequest Global(int64_t amount,
                        absl::Duration ttl = absl::Seconds(30)) {
    ReserveRequest r;
    r.holds = {{kGlobalScope, amount}};
    r.expires_at = now() + ttl;
    return r;
  }

  static RedisServer* redis_;
  BudgetConfig config_;
  RecordingAuditLog audit_;
  std::atomic<int64_t> offset_ms_{0};
};
RedisServer* RedisLedgerTest::redis_ = nullptr;

TEST_F(RedisLedgerTest, ReserveCommitReleaseKeepsTheBooksExact) {
  auto ledger = Open();
  auto a = ledger->Reserve(Global(600));
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = ledger->Reserve(Global(500));
  EXPECT_EQ(b.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(b.status().message(),
            "hourly budget exhausted: this call may cost up to $0.000000500 "
            "but only $0.000000400 of $0.000001000 is left in the current "
            "window ($0.000000000 spent, $0.000000600 reserved by calls in "
            "flight); retry when the window resets, lower max_tokens, or "
            "raise budget.hourly_budget (LLMGW_HOURLY_BUDGET)");
  ASSERT_TRUE(ledger->Commit({*a, 250, "openai", "gpt-4o-mini", "alice"}).ok());
  auto snap = ledger->Snapshot("");
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ(snap->spent_nano_usd, 250);
  EXPECT_EQ(snap->reserved_nano_usd, 0);
  EXPECT_EQ(snap->remaining_nano_usd, 750);
  EXPECT_EQ(snap->open_reservations, 0);
  EXPECT_EQ(snap->lifetime_spent_nano_usd, 250);
  EXPECT_EQ(absl::ToUnixSeconds(snap->window_start), 1'699'999'200);
  ASSERT_EQ(snap->breakdown.size(), 1u);
  EXPECT_EQ(snap->breakdown[0].provider, "openai");
  EXPECT_EQ(snap->breakdown[0].model, "gpt-4o-mini");
  EXPECT_EQ(snap->breakdown[0].spent_nano_usd, 250);
  EXPECT_EQ(snap->breakdown[0].calls, 1);
  EXPECT_EQ(ledger->Snapshot("client:alice")->spent_nano_usd, 250);
  EXPECT_EQ(ledger->Snapshot("model:gpt-4o-mini")->spent_nano_usd, 250);
  auto c = ledger->Reserve(Global(700));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ledger->Snapshot("")->open_reservations, 1);
  ledger->Release(*c);
  EXPECT_EQ(ledger->Snapshot("")->reserved_nano_usd, 0);
  EXPECT_EQ(ledger->Snapshot("")->open_reservations, 0);

  auto events = audit_.EventsOfType("budget");
  // Without a journal path the ledger says at start that deferred commits
  // live in memory only.
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["event"], "journal_in_memory");
  events.erase(events.begin());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["event"], "reserve_refused");
  EXPECT_EQ(events[1]["event"], "commit");
  EXPECT_EQ(events[1]["cost_nano_usd"], 250);
  EXPECT_EQ(events[1]["released_nano_usd"], 350);
  EXPECT_EQ(events[2]["event"], "release");
  EXPECT_EQ(events[2]["released_nano_usd"], 700);
}

TEST_F(RedisLedgerTest, ScopesAreAllOrNothingAndExpiryReleases) {
  config_.scope_budgets["client:alice"] = 500;
  auto ledger = Open();
  ReserveRequest r = Global(400, absl::Seconds(5));
  r.holds.push_back({"client:alice", 400});
  r.holds.push_back({"provider:openai", 400});
  ASSERT_TRUE(ledger->Reserve(r).ok());
  auto refused = ledger->Reserve(r);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("budget of client:alice"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(ledger->Snapshot("")->reserved_nano_usd, 400);
  EXPECT_EQ(ledger->Snapshot("provider:openai")->reserved_nano_usd, 400);
  offset_ms_ += 6000;
  auto snap = ledger->Snapshot("client:alice");
  EXPECT_EQ(snap->reserved_nano_usd, 0);
  EXPECT_EQ(snap->open_reservations, 0);
  EXPECT_EQ(snap->limit_nano_usd, 500);
  EXPECT_EQ(ledger->Snapshot("provider:openai")->reserved_nano_usd, 0);
  EXPECT_EQ(audit_.EventsOfType("budget").back()["event"], "expired");
  EXPECT_TRUE(ledger->Reserve(r).ok());
}

TEST_F(RedisLedgerTest, ReplicasShareOneBudgetExactly) {
  config_.hourly_budget_nano_usd = 100'000;
  config_.allow_overage_percent = 10;
  std::vector<std::unique_ptr<SpendLedger>> replicas;
  for (int i = 0; i < 3; ++i) replicas.push_back(Open());
  std::atomic<int64_t> committed{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      SpendLedger& ledger = *replicas[t % 3];
      for (int i = 0; i < 100; ++i) {
        auto id = ledger.Reserve(Global(1000));
        if (!id.ok()) {
          EXPECT_EQ(id.status().code(), absl::StatusCode::kResourceExhausted);
          ++refused;
          continue;
        }
        if (i % 5 == 0) {
          ledger.Release(*id);
          continue;
        }
        const int64_t cost = 300 + (i % 7) * 100;
        ASSERT_TRUE(ledger.Commit({*id, cost, "p", "m", ""}).ok());
        committed += cost;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto snap = replicas[0]->Snapshot("");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->spent_nano_usd, committed.load());
  EXPECT_LE(snap->spent_nano_usd, 110'000);
  EXPECT_GT(refused.load(), 0);
  EXPECT_EQ(snap->reserved_nano_usd, 0);
  EXPECT_EQ(snap->open_reservations, 0);
  EXPECT_EQ(replicas[2]->Snapshot("")->spent_nano_usd, committed.load());
}

TEST_F(RedisLedgerTest, UnreachableRedisFailsClosed) {
  config_.redis_address = "127.0.0.1:1";
  auto ledger = OpenRedisLedger(config_, nullptr);
  EXPECT_EQ(ledger.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(ledger.status().message().find("127.0.0.1:1"), std::string::npos);
}

// Reports the cost of one round trip (the figure in docs/budget.md).
TEST_F(RedisLedgerTest, ReserveAndCommitCostOneLoopbackRoundTripEach) {
  config_.hourly_budget_nano_usd = 0;
  auto ledger = Open();
  constexpr int kCalls = 2000;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    ReserveRequest r = Global(10);
    r.holds.push_back({"provider:openai", 10});
    r.holds.push_back({"model:gpt-4o-mini", 10});
    auto id = ledger->Reserve(r);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(ledger->Commit({*id, 7, "openai", "gpt-4o-mini", ""}).ok());
  }
  const absl::Duration per_call = (absl::Now() - start) / kCalls;
  std::printf("redis reserve+commit: %.1f us per call\n",
              absl::ToDoubleMicroseconds(per_call));
  EXPECT_LT(per_call, absl::Milliseconds(5));
  EXPECT_EQ(ledger->Snapshot("")->spent_nano_usd, 7 * kCalls);
}

}  // namespace
}  // namespace llmgw::testing
