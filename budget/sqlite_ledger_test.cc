#include "budget/sqlite_ledger.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

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
  std::unique_ptr<SpendLedger> Open() {
    auto ledger =
        OpenSqliteLedger(path_, config_, nullptr, [this] { return now_; });
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

}  // namespace
}  // namespace llmgw
