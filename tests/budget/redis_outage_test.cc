// The Redis ledger through a Redis outage, against a real redis-server
// that the test SIGSTOPs (hung: connections open, nothing answers) and
// SIGCONTs: operations fail within the configured timeout instead of
// hanging, commits are journaled (SQLite) and replayed exactly once,
// reservations whose replies were lost are reconciled, and a journal left
// by a process that stopped during the outage is replayed by the next one.
#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "budget/redis_ledger.h"
#include "gtest/gtest.h"
#include "tests/budget/redis_server.h"

namespace llmgw::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Milliseconds(300);
// What "within the bound" means here: the timeout plus scheduling slack on
// a loaded 2-core machine.
constexpr absl::Duration kBound = absl::Milliseconds(1500);

class RedisOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = redis_.Start();
    ASSERT_TRUE(started.ok()) << started;
    config_.redis_address = redis_.address();
    config_.redis_key_prefix = "outage";
    config_.redis_timeout = kTimeout;
    config_.hourly_budget_nano_usd = 1'000'000;
    journal_ = absl::StrCat(
        ::testing::TempDir(), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        ".journal.db");
    std::remove(journal_.c_str());
  }
  void TearDown() override { redis_.Resume(); }

  std::unique_ptr<SpendLedger> Open() {
    auto ledger =
        OpenRedisLedger(config_, &audit_, absl::Now, nullptr, journal_);
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    return ledger.ok() ? *std::move(ledger) : nullptr;
  }
  static ReserveRequest Hold(int64_t amount) {
    ReserveRequest r;
    r.holds = {{kGlobalScope, amount}, {"provider:openai", amount}};
    r.expires_at = absl::Now() + absl::Minutes(5);
    return r;
  }
  // Waits (bounded) until a Snapshot succeeds and satisfies `ok`.
  static bool Eventually(SpendLedger& ledger,
                         std::function<bool(const BudgetSnapshot&)> ok) {
    const absl::Time give_up = absl::Now() + absl::Seconds(15);
    while (absl::Now() < give_up) {
      absl::StatusOr<BudgetSnapshot> s = ledger.Snapshot("");
      if (s.ok() && ok(*s)) return true;
      absl::SleepFor(absl::Milliseconds(50));  // polling from the test
    }
    return false;
  }
  int CountEvents(const std::string& name) {
    int n = 0;
    for (const auto& e : audit_.EventsOfType("budget")) {
      if (e["event"] == name) ++n;
    }
    return n;
  }

  RedisServer redis_;
  BudgetConfig config_;
  RecordingAuditLog audit_;
  std::string journal_;
};

// Runs an asynchronous operation and returns how long it took to answer.
template <typename T, typename F>
absl::Duration Timed(F start, T* out) {
  absl::Notification done;
  const absl::Time t0 = absl::Now();
  start([&](T v) {
    *out = std::move(v);
    done.Notify();
  });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  return absl::Now() - t0;
}

TEST_F(RedisOutageTest, HungRedisFailsFastJournalsAndReconcilesExactlyOnce) {
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  auto a = ledger->Reserve(Hold(1000));
  auto b = ledger->Reserve(Hold(2000));
  ASSERT_TRUE(a.ok() && b.ok());
  redis_.Pause();

  // A commit that cannot reach Redis is journaled; the caller hears OK.
  absl::Status committed;
  absl::Duration took = Timed<absl::Status>(
      [&](auto done) {
        ledger->CommitAsync({*a, 700, "openai", "gpt-4o-mini", "alice"},
                            std::move(done));
      },
      &committed);
  EXPECT_TRUE(committed.ok()) << committed;
  EXPECT_LT(took, kBound);
  EXPECT_EQ(CountEvents("commit_deferred"), 1);

  // New reservations fail closed, within the bound, with the reason.
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<ReservationId> refused;
    took = Timed<absl::StatusOr<ReservationId>>(
        [&](auto done) { ledger->ReserveAsync(Hold(10), std::move(done)); },
        &refused);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(refused.status().message().find("budget ledger unavailable"),
              std::string::npos)
        << refused.status();
    EXPECT_EQ(
        refused.status().GetPayload("llmgw/reason").value_or(absl::Cord()),
        "LEDGER_UNAVAILABLE");
    EXPECT_LT(took, kBound) << "attempt " << i;
  }
  // A release that cannot reach Redis is retried later.
  ledger->ReleaseAsync(*b);
  // The Budget RPC's snapshot answers (with an error) within the bound.
  absl::StatusOr<BudgetSnapshot> snap;
  took = Timed<absl::StatusOr<BudgetSnapshot>>(
      [&](auto done) { ledger->SnapshotAsync("", std::move(done)); }, &snap);
  EXPECT_EQ(snap.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(took, kBound);

  absl::SleepFor(absl::Milliseconds(700));  // let reconnects fail meanwhile
  redis_.Resume();
  // The commit lands once (the original, buffered in the hung server, and
  // the replay share an id); every hold, including those made by
  // reservations whose replies were lost, is released.
  EXPECT_TRUE(Eventually(*ledger, [](const BudgetSnapshot& s) {
    return s.spent_nano_usd == 700 && s.reserved_nano_usd == 0 &&
           s.open_reservations == 0;
  })) << ledger->Snapshot("").status();
  absl::SleepFor(absl::Milliseconds(500));
  auto after = ledger->Snapshot("");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->spent_nano_usd, 700);
  EXPECT_EQ(after->lifetime_spent_nano_usd, 700);
  EXPECT_EQ(after->reserved_nano_usd, 0);
  EXPECT_EQ(ledger->Snapshot("client:alice")->spent_nano_usd, 700);
  EXPECT_EQ(CountEvents("commit_replayed"), 1);
  for (const auto& e : audit_.EventsOfType("budget")) {
    if (e["event"] == "commit_replayed" || e["event"] == "release" ||
        e["event"] == "release_deferred") {
      std::printf("%s\n", e.dump().c_str());
    }
  }
  EXPECT_GE(CountEvents("ledger_unavailable"), 1);
  EXPECT_GE(CountEvents("ledger_available"), 1);
  // Back to normal.
  auto c = ledger->Reserve(Hold(10));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(ledger->Commit({*c, 5, "openai", "gpt-4o-mini", ""}).ok());
  EXPECT_EQ(ledger->Snapshot("")->spent_nano_usd, 705);
}

TEST_F(RedisOutageTest, JournalOutlivesTheProcessAndIsReplayedAtStart) {
  {
    auto ledger = Open();
    ASSERT_NE(ledger, nullptr);
    auto a = ledger->Reserve(Hold(1000));
    ASSERT_TRUE(a.ok());
    redis_.Pause();
    ASSERT_TRUE(ledger->Commit({*a, 300, "openai", "gpt-4o-mini", ""}).ok());
    // The gateway stops while Redis is still hung.
  }
  redis_.Resume();
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  EXPECT_EQ(CountEvents("journal_loaded"), 1);
  EXPECT_TRUE(Eventually(*ledger, [](const BudgetSnapshot& s) {
    return s.spent_nano_usd == 300 && s.reserved_nano_usd == 0;
  })) << ledger->Snapshot("").status();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(ledger->Snapshot("")->spent_nano_usd, 300);
}

TEST_F(RedisOutageTest, FailOpenAdmitsAndChargesAfterwards) {
  config_.redis_fail_open = true;
  auto ledger = Open();
  ASSERT_NE(ledger, nullptr);
  redis_.Pause();
  absl::StatusOr<ReservationId> admitted;
  absl::Duration took = Timed<absl::StatusOr<ReservationId>>(
      [&](auto done) { ledger->ReserveAsync(Hold(10), std::move(done)); },
      &admitted);
  ASSERT_TRUE(admitted.ok()) << admitted.status();
  EXPECT_LT(took, kBound);
  EXPECT_EQ(CountEvents("reserve_fail_open"), 1);
  ASSERT_TRUE(ledger->Commit({*admitted, 40, "openai", "m", ""}).ok());
  redis_.Resume();
  EXPECT_TRUE(Eventually(*ledger, [](const BudgetSnapshot& s) {
    return s.spent_nano_usd == 40 && s.reserved_nano_usd == 0;
  })) << ledger->Snapshot("").status();
}

}  // namespace
}  // namespace llmgw::testing
