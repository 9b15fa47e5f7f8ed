#include "budget/sqlite_ledger.h"

#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "http/event_loop.h"

namespace llmgw {
namespace {

class SqliteLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(::testing::TempDir()) + "/ledger_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() +
            ".db";
    std::remove(path_.c_str());
    std::remove((path_ + "-wal").c_str());
    std::remove((path_ + "-shm").c_str());
    config_.hourly_budget_nano_usd = 1'000'000;
  }
  // Callbacks of the asynchronous API run on `loop` (inline without one).
  std::unique_ptr<SpendLedger> Open(http::EventLoop* loop = nullptr) {
    auto ledger = OpenSqliteLedger(
        path_, config_, nullptr, [this] { return now_; }, loop);
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    return ledger.ok() ? *std::move(ledger) : nullptr;
  }
  ReservationId Reserve(SpendLedger& ledger, int64_t amount) {
    ReserveRequest r;
    r.holds = {{kGlobalScope, amount}};
    r.expires_at = now_ + absl::Seconds(30);
    auto id = ledger.Reserve(r);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : 0;
  }

  std::string path_;
  BudgetConfig config_;
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

TEST_F(SqliteLedgerTest, CommittedSpendSurvivesReopening) {
  {
    auto ledger = Open();
    ReservationId a = Reserve(*ledger, 1000);
    ASSERT_TRUE(
        ledger->Commit({a, 400, "openai", "gpt-4o-mini", "alice"}).ok());
    ReservationId b = Reserve(*ledger, 1000);
    ASSERT_TRUE(ledger->Commit({b, 250, "openai", "gpt-4o", ""}).ok());
    Reserve(*ledger, 5000);  // open when the process goes away
  }
  auto ledger = Open();
  auto snap = ledger->Snapshot("");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->spent_nano_usd, 650);
  EXPECT_EQ(snap->lifetime_spent_nano_usd, 650);
  EXPECT_EQ(snap->reserved_nano_usd, 0);
  EXPECT_EQ(snap->open_reservations, 0);
  ASSERT_EQ(snap->breakdown.size(), 2u);
  EXPECT_EQ(snap->breakdown[0].model, "gpt-4o");
  EXPECT_EQ(snap->breakdown[0].spent_nano_usd, 250);
  EXPECT_EQ(snap->breakdown[1].model, "gpt-4o-mini");
  EXPECT_EQ(snap->breakdown[1].calls, 1);
  EXPECT_EQ(ledger->Snapshot("client:alice")->spent_nano_usd, 400);
  EXPECT_EQ(ledger->Snapshot("model:gpt-4o")->spent_nano_usd, 250);
  EXPECT_EQ(snap->remaining_nano_usd, 1'000'000 - 650);
}

TEST_F(SqliteLedgerTest, EarlierWindowsCountOnlyTowardsLifetimeAndTheCap) {
  config_.hard_safety_cap_nano_usd = 1'000;
  {
    auto ledger = Open();
    ASSERT_TRUE(
        ledger->Commit({Reserve(*ledger, 700), 700, "p", "m", ""}).ok());
  }
  now_ += absl::Hours(1);
  auto ledger = Open();
  auto snap = ledger->Snapshot("");
  EXPECT_EQ(snap->spent_nano_usd, 0);
  EXPECT_EQ(snap->lifetime_spent_nano_usd, 700);
  ReserveRequest r;
  r.holds = {{kGlobalScope, 301}};
  r.expires_at = now_ + absl::Seconds(1);
  EXPECT_EQ(ledger->Reserve(r).status().code(),
            absl::StatusCode::kResourceExhausted);
  r.holds[0].amount_nano_usd = 300;
  EXPECT_TRUE(ledger->Reserve(r).ok());
}

TEST_F(SqliteLedgerTest, UnwritablePathIsAClearError) {
  auto ledger =
      OpenSqliteLedger("/nonexistent-dir/x/ledger.db", config_, nullptr);
  EXPECT_EQ(ledger.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(ledger.status().message().find("/nonexistent-dir/x/ledger.db"),
            std::string::npos)
      << ledger.status();
}

// Two processes appending to one file would each count only their own
// spend: the file stays locked while a ledger has it open, and a second
// open fails at once saying why and what to do.
TEST_F(SqliteLedgerTest, FileHeldByAnOpenLedgerIsRefusedUntilClosed) {
  auto first = Open();
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Commit({Reserve(*first, 100), 60, "p", "m", ""}).ok());
  auto second = OpenSqliteLedger(path_, config_, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find(path_), std::string::npos);
  EXPECT_NE(second.status().message().find("another process holds it"),
            std::string::npos)
      << second.status();
  first.reset();
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Snapshot("")->spent_nano_usd, 60);
}

// Reports the cost of a durable commit on this machine (the figure in
// docs/budget.md); asserts only a generous bound.
TEST_F(SqliteLedgerTest, CommitCostIsTensOfMicroseconds) {
  config_.hourly_budget_nano_usd = 0;
  auto ledger = Open();
  constexpr int kCalls = 2000;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    ReservationId id = Reserve(*ledger, 10);
    ASSERT_TRUE(ledger->Commit({id, 7, "openai", "gpt-4o-mini", "c"}).ok());
  }
  const absl::Duration per_call = (absl::Now() - start) / kCalls;
  std::printf("sqlite reserve+commit (synchronous=NORMAL): %.1f us per call\n",
              absl::ToDoubleMicroseconds(per_call));
  EXPECT_LT(per_call, absl::Milliseconds(2));
  EXPECT_EQ(ledger->Snapshot("")->spent_nano_usd, 7 * kCalls);
}

// Many commits in flight at once, as the event loop issues them: every one
// is acknowledged only once durable, all are counted, and they are all in
// the file when it is reopened. The writer thread groups them into
// transactions (see ledger_bench for the throughput).
TEST_F(SqliteLedgerTest, ConcurrentAsyncCommitsAreAllDurable) {
  config_.hourly_budget_nano_usd = 0;
  auto loop = http::EventLoop::Create("test-loop");
  ASSERT_TRUE(loop.ok());
  {
    std::unique_ptr<SpendLedger> ledger = Open(loop->get());
    ASSERT_NE(ledger, nullptr);
    constexpr int kCalls = 3000;
    int acknowledged = 0;
    bool on_loop = true;
    absl::Notification all;
    (*loop)->Post([&] {
      for (int i = 0; i < kCalls; ++i) {
        ReserveRequest r;
        r.holds = {{kGlobalScope, 10}};
        r.expires_at = now_ + absl::Seconds(30);
        ledger->ReserveAsync(r, [&, i](absl::StatusOr<ReservationId> id) {
          ASSERT_TRUE(id.ok());
          ledger->CommitAsync({*id, 1 + i % 5, "openai", "gpt-4o-mini", "c"},
                              [&](absl::Status s) {
                                EXPECT_TRUE(s.ok()) << s;
                                on_loop = on_loop && (*loop)->InLoopThread();
                                if (++acknowledged == kCalls) all.Notify();
                              });
        });
      }
    });
    ASSERT_TRUE(all.WaitForNotificationWithTimeout(absl::Seconds(60)));
    EXPECT_TRUE(on_loop) << "commit callbacks must run on the event loop";
    auto snap = ledger->Snapshot("");
    EXPECT_EQ(snap->spent_nano_usd, kCalls / 5 * (1 + 2 + 3 + 4 + 5));
    EXPECT_EQ(snap->reserved_nano_usd, 0);
  }
  auto reopened = Open();
  auto snap = reopened->Snapshot("");
  EXPECT_EQ(snap->spent_nano_usd, 3000 / 5 * 15);
  ASSERT_EQ(snap->breakdown.size(), 1u);
  EXPECT_EQ(snap->breakdown[0].calls, 3000);
}

// CommitAsyncOnAnyThread answers from the writer thread, right after the
// group commit that made the charge durable: not through the event loop
// (the unary reply then needs no hop back to it).
TEST_F(SqliteLedgerTest, CommitOnAnyThreadAnswersFromTheWriterThread) {
  config_.hourly_budget_nano_usd = 0;
  auto loop = http::EventLoop::Create("test-loop");
  ASSERT_TRUE(loop.ok());
  {
    std::unique_ptr<SpendLedger> ledger = Open(loop->get());
    ASSERT_NE(ledger, nullptr);
    constexpr int kCalls = 500;
    absl::Mutex mu;
    std::set<std::thread::id> answered_on;
    int acknowledged = 0;
    bool on_loop = false;
    absl::Notification all;
    (*loop)->Post([&] {
      for (int i = 0; i < kCalls; ++i) {
        const ReservationId id = Reserve(*ledger, 10);
        ledger->CommitAsyncOnAnyThread(
            {id, 3, "openai", "gpt-4o-mini", "c"}, [&](absl::Status s) {
              EXPECT_TRUE(s.ok()) << s;
              absl::MutexLock lock(&mu);
              on_loop = on_loop || (*loop)->InLoopThread();
              answered_on.insert(std::this_thread::get_id());
              if (++acknowledged == kCalls) all.Notify();
            });
      }
    });
    ASSERT_TRUE(all.WaitForNotificationWithTimeout(absl::Seconds(60)));
    absl::MutexLock lock(&mu);
    EXPECT_FALSE(on_loop) << "no hop back to the event loop";
    ASSERT_EQ(answered_on.size(), 1u) << "one writer thread answers them all";
    EXPECT_NE(*answered_on.begin(), std::this_thread::get_id());
  }
  auto reopened = Open();
  EXPECT_EQ(reopened->Snapshot("")->spent_nano_usd, 500 * 3);
}

}  // namespace
}  // namespace llmgw
