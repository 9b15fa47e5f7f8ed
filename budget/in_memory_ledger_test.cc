#include "budget/in_memory_ledger.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

class InMemoryLedgerTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);  // 22:13:20 UTC
  InMemoryLedger::Clock clock_ = [this] { return now_; };
};

TEST_F(InMemoryLedgerTest, ReserveCommitReleaseKeepsTheBooksExact) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  InMemoryLedger ledger(config, clock_);
  auto a = ledger.Reserve(600, now_ + absl::Seconds(30));
  ASSERT_TRUE(a.ok());
  auto b = ledger.Reserve(500, now_ + absl::Seconds(30));
  EXPECT_EQ(b.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(b.status().message().find("$0.000000400"), std::string::npos)
      << b.status();
  ASSERT_TRUE(ledger.Commit(*a, 250, "openai", "gpt-4o-mini").ok());
  auto snap = ledger.Snapshot("");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->spent_nano_usd, 250);
  EXPECT_EQ(snap->reserved_nano_usd, 0);
  EXPECT_EQ(snap->remaining_nano_usd, 750);
  EXPECT_EQ(snap->open_reservations, 0);
  ASSERT_EQ(snap->breakdown.size(), 1u);
  EXPECT_EQ(snap->breakdown[0].calls, 1);
  auto c = ledger.Reserve(700, now_ + absl::Seconds(30));
  ASSERT_TRUE(c.ok());
  ledger.Release(*c);
  EXPECT_EQ(ledger.Snapshot("global")->reserved_nano_usd, 0);
  EXPECT_EQ(ledger.Snapshot("global")->spent_nano_usd, 250);
}

TEST_F(InMemoryLedgerTest, ExpiredReservationsAreReleased) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  InMemoryLedger ledger(config, clock_);
  ASSERT_TRUE(ledger.Reserve(900, now_ + absl::Seconds(5)).ok());
  EXPECT_FALSE(ledger.Reserve(200, now_ + absl::Seconds(5)).ok());
  now_ += absl::Seconds(6);
  EXPECT_TRUE(ledger.Reserve(200, now_ + absl::Seconds(5)).ok());
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 1);
}

TEST_F(InMemoryLedgerTest, WindowRollsOnTheHourButLifetimeAccumulates) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  InMemoryLedger ledger(config, clock_);
  auto id = ledger.Reserve(1000, now_ + absl::Seconds(30));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(ledger.Commit(*id, 1000, "p", "m").ok());
  EXPECT_FALSE(ledger.Reserve(1, now_ + absl::Seconds(30)).ok());
  auto snap = ledger.Snapshot("");
  EXPECT_EQ(absl::ToUnixSeconds(snap->window_start) % 3600, 0);
  now_ = snap->window_start + absl::Hours(1);
  EXPECT_TRUE(ledger.Reserve(1, now_ + absl::Seconds(30)).ok());
  snap = ledger.Snapshot("");
  EXPECT_EQ(snap->spent_nano_usd, 0);
  EXPECT_EQ(snap->lifetime_spent_nano_usd, 1000);
}

TEST_F(InMemoryLedgerTest, OverageAndHardCap) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  config.allow_overage_percent = 10;
  config.hard_safety_cap_nano_usd = 1050;
  InMemoryLedger ledger(config, clock_);
  EXPECT_TRUE(ledger.Reserve(1100, now_ + absl::Seconds(1)).ok() == false);
  auto id = ledger.Reserve(1050, now_ + absl::Seconds(1));
  ASSERT_TRUE(id.ok());
  ledger.Release(*id);
  EXPECT_EQ(ledger.Reserve(1051, now_ + absl::Seconds(1)).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(InMemoryLedgerTest, UnlimitedNeverRefusesAndUnknownScopeIsNotFound) {
  InMemoryLedger ledger(BudgetConfig{}, clock_);
  EXPECT_TRUE(ledger.Reserve(1'000'000'000'000, now_ + absl::Seconds(1)).ok());
  EXPECT_EQ(ledger.Snapshot("client:x").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace llmgw
