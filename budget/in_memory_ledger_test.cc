#include "budget/in_memory_ledger.h"

#include <thread>

#include "budget/call_charge.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

ReserveRequest Global(int64_t amount, absl::Time expires_at) {
  ReserveRequest r;
  r.holds = {{kGlobalScope, amount}};
  r.expires_at = expires_at;
  return r;
}

CommitRequest Charge(ReservationId id, int64_t actual,
                     const std::string& provider = "openai",
                     const std::string& model = "gpt-4o-mini",
                     const std::string& client = "") {
  return CommitRequest{id, actual, provider, model, client};
}

// The in-memory ledger completes inline: these run the asynchronous
// CallCharge API and return what its callbacks received.
absl::Status ReserveNow(CallCharge& charge, const ProviderRequest& request,
                        const std::vector<ChargeTarget>& targets,
                        const ChargeContext& context) {
  absl::Status out = absl::InternalError("no callback");
  charge.Reserve(request, targets, context,
                 [&out](absl::Status s) { out = std::move(s); });
  return out;
}

Settlement CommitNow(CallCharge& charge, const ChargeTarget& target,
                     const TokenUsage& usage, const ProviderRequest& request) {
  Settlement out;
  bool called = false;
  charge.Commit(target, usage, 0, request,
                [&](Settlement s, absl::Status recorded) {
                  EXPECT_TRUE(recorded.ok()) << recorded;
                  out = std::move(s);
                  called = true;
                });
  EXPECT_TRUE(called);
  return out;
}

class InMemoryLedgerTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);  // 22:13:20 UTC
  InMemoryLedger::Clock clock_ = [this] { return now_; };
  absl::Time Later() { return now_ + absl::Seconds(30); }
};

TEST_F(InMemoryLedgerTest, ReserveCommitReleaseKeepsTheBooksExact) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  InMemoryLedger ledger(config, clock_);
  auto a = ledger.Reserve(Global(600, Later()));
  ASSERT_TRUE(a.ok());
  auto b = ledger.Reserve(Global(500, Later()));
  EXPECT_EQ(b.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(b.status().message(),
            "hourly budget exhausted: this call may cost up to $0.000000500 "
            "but only $0.000000400 of $0.000001000 is left in the current "
            "window ($0.000000000 spent, $0.000000600 reserved by calls in "
            "flight); retry when the window resets, lower max_tokens, or "
            "raise budget.hourly_budget (LLMGW_HOURLY_BUDGET)");
  ASSERT_TRUE(ledger.Commit(Charge(*a, 250)).ok());
  auto snap = ledger.Snapshot("");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->scope, "global");
  EXPECT_EQ(snap->spent_nano_usd, 250);
  EXPECT_EQ(snap->reserved_nano_usd, 0);
  EXPECT_EQ(snap->remaining_nano_usd, 750);
  EXPECT_EQ(snap->open_reservations, 0);
  ASSERT_EQ(snap->breakdown.size(), 1u);
  EXPECT_EQ(snap->breakdown[0].provider, "openai");
  EXPECT_EQ(snap->breakdown[0].model, "gpt-4o-mini");
  EXPECT_EQ(snap->breakdown[0].spent_nano_usd, 250);
  EXPECT_EQ(snap->breakdown[0].calls, 1);
  auto c = ledger.Reserve(Global(700, Later()));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ledger.Snapshot("global")->open_reservations, 1);
  ledger.Release(*c);
  EXPECT_EQ(ledger.Snapshot("global")->reserved_nano_usd, 0);
  EXPECT_EQ(ledger.Snapshot("global")->spent_nano_usd, 250);
}

TEST_F(InMemoryLedgerTest, CommitAboveTheReservationIsRecordedInFull) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  InMemoryLedger ledger(config, clock_);
  auto a = ledger.Reserve(Global(100, Later()));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(ledger.Commit(Charge(*a, 900)).ok());
  EXPECT_EQ(ledger.Snapshot("")->spent_nano_usd, 900);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 0);
}

TEST_F(InMemoryLedgerTest, ExpiredReservationsAreReleasedAndAudited) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  RecordingAuditLog audit;
  InMemoryLedger ledger(config, clock_, &audit);
  auto held = ledger.Reserve(Global(900, now_ + absl::Seconds(5)));
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(ledger.Reserve(Global(200, now_ + absl::Seconds(5))).ok());
  now_ += absl::Seconds(6);
  EXPECT_TRUE(ledger.Reserve(Global(200, now_ + absl::Seconds(5))).ok());
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 1);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 200);
  // A late commit of the expired reservation still records the spend.
  ASSERT_TRUE(ledger.Commit(Charge(*held, 300)).ok());
  EXPECT_EQ(ledger.Snapshot("")->spent_nano_usd, 300);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 200);

  auto events = audit.EventsOfType("budget");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["event"], "reserve_refused");
  EXPECT_EQ(events[0]["requested_nano_usd"], 200);
  EXPECT_EQ(events[1]["event"], "expired");
  EXPECT_EQ(events[1]["reservation"], *held);
  EXPECT_EQ(events[1]["reserved_nano_usd"], 900);
  EXPECT_EQ(events[2]["event"], "commit");
  EXPECT_EQ(events[2]["cost_nano_usd"], 300);
  EXPECT_EQ(events[2]["reservation_expired"], true);
}

// A reload that changes only limits: the ledger enforces them at once,
// keeping the window's spend and the reservations already held.
TEST_F(InMemoryLedgerTest, UpdateBudgetEnforcesNewLimitsKeepingTheBooks) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  RecordingAuditLog audit;
  InMemoryLedger ledger(config, clock_, &audit);
  auto spent = ledger.Reserve(Global(400, Later()));
  ASSERT_TRUE(spent.ok());
  ASSERT_TRUE(ledger.Commit(Charge(*spent, 400)).ok());
  auto held = ledger.Reserve(Global(300, Later()));
  ASSERT_TRUE(held.ok());

  BudgetConfig lowered = config;
  lowered.hourly_budget_nano_usd = 600;
  lowered.hard_safety_cap_nano_usd = 5000;
  lowered.scope_budgets["client:a"] = 50;
  lowered.model_prices["openai/m"] = TokenPrice{1, 2};
  ASSERT_TRUE(ledger.UpdateBudget(lowered).ok());
  // 400 spent + 300 held is already past 600: nothing more fits.
  EXPECT_EQ(ledger.Reserve(Global(1, Later())).status().code(),
            absl::StatusCode::kResourceExhausted);
  ReserveRequest client;
  client.holds = {{kGlobalScope, 0}, {"client:a", 60}};
  client.expires_at = Later();
  EXPECT_EQ(ledger.Reserve(client).status().code(),
            absl::StatusCode::kResourceExhausted);
  auto snap = ledger.Snapshot("");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->limit_nano_usd, 600);
  EXPECT_EQ(snap->hard_cap_nano_usd, 5000);
  EXPECT_EQ(snap->spent_nano_usd, 400);
  EXPECT_EQ(snap->reserved_nano_usd, 300);
  EXPECT_EQ(snap->open_reservations, 1);

  BudgetConfig raised = lowered;
  raised.hourly_budget_nano_usd = 2000;
  ASSERT_TRUE(ledger.UpdateBudget(raised).ok());
  EXPECT_TRUE(ledger.Reserve(Global(1000, Later())).ok());
  // The held reservation settles as before.
  ASSERT_TRUE(ledger.Commit(Charge(*held, 250)).ok());
  EXPECT_EQ(ledger.Snapshot("")->spent_nano_usd, 650);

  auto events = audit.EventsOfType("budget");
  int updates = 0;
  for (const auto& e : events) {
    if (e["event"] != "limits_updated") continue;
    ++updates;
    if (updates == 1) {
      EXPECT_EQ(e["hourly_budget_nano_usd"], 600);
      EXPECT_EQ(e["hard_safety_cap_nano_usd"], 5000);
      EXPECT_EQ(e["scope_budgets_nano_usd"]["client:a"], 50);
    }
  }
  EXPECT_EQ(updates, 2);
}

// A reload on the main thread while the loop reserves: the limits are swapped
// under the ledger's mutex (run under TSan by scripts/test.sh).
TEST_F(InMemoryLedgerTest, UpdateBudgetWhileReservingKeepsTheBooksExact) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1'000'000;
  InMemoryLedger ledger(config, clock_);
  std::thread reload([&] {
    for (int i = 0; i < 200; ++i) {
      BudgetConfig next = config;
      next.hourly_budget_nano_usd = i % 2 == 0 ? 2'000'000 : 1'000'000;
      next.scope_budgets["client:a"] = 1'000'000 + i;
      ASSERT_TRUE(ledger.UpdateBudget(next).ok());
    }
  });
  int64_t committed = 0;
  for (int i = 0; i < 2000; ++i) {
    ReserveRequest r = Global(100, Later());
    r.holds.push_back({"client:a", 100});
    auto id = ledger.Reserve(r);
    ASSERT_TRUE(id.ok()) << id.status();
    ASSERT_TRUE(ledger.Commit(Charge(*id, 100)).ok());
    committed += 100;
  }
  reload.join();
  auto snap = ledger.Snapshot("");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->spent_nano_usd, committed);
  EXPECT_EQ(snap->reserved_nano_usd, 0);
  EXPECT_EQ(snap->limit_nano_usd, 1'000'000);
  EXPECT_EQ(ledger.Snapshot("client:a")->limit_nano_usd, 1'000'199);
}

TEST_F(InMemoryLedgerTest, UpdateBudgetRefusesAnotherStore) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  InMemoryLedger ledger(config, clock_);
  BudgetConfig other = config;
  other.window = absl::Hours(24);
  other.hourly_budget_nano_usd = 1;
  EXPECT_EQ(ledger.UpdateBudget(other).code(),
            absl::StatusCode::kFailedPrecondition);
  // Nothing changed.
  EXPECT_TRUE(ledger.Reserve(Global(900, Later())).ok());
}

// Reservations expire in order of their expiry, not of their ids, and only
// once due; committed or released ones never expire later.
TEST_F(InMemoryLedgerTest, ExpiryFollowsEachReservationsOwnTime) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1'000'000;
  RecordingAuditLog audit;
  InMemoryLedger ledger(config, clock_, &audit);
  const absl::Time t0 = now_;
  // Ids in order of creation, expiries out of order; two share a time.
  const int seconds[] = {30, 10, 20, 10, 40, 50};
  std::vector<ReservationId> ids;
  for (int s : seconds) {
    auto id = ledger.Reserve(Global(s, t0 + absl::Seconds(s)));
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  ledger.Release(ids[2]);                              // would expire at 20 s
  ASSERT_TRUE(ledger.Commit(Charge(ids[4], 7)).ok());  // would at 40 s
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 4);

  auto expired = [&] {
    std::vector<ReservationId> out;
    for (const auto& e : audit.EventsOfType("budget")) {
      if (e["event"] == "expired") out.push_back(e["reservation"]);
    }
    return out;
  };
  now_ = t0 + absl::Seconds(10) - absl::Nanoseconds(1);
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 4);
  EXPECT_TRUE(expired().empty());
  now_ = t0 + absl::Seconds(10);  // expires_at <= now: due
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 2);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 30 + 50);
  EXPECT_EQ(expired(), (std::vector<ReservationId>{ids[1], ids[3]}));
  now_ = t0 + absl::Seconds(45);
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 1);
  EXPECT_EQ(expired(), (std::vector<ReservationId>{ids[1], ids[3], ids[0]}));
  now_ = t0 + absl::Seconds(60);
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 0);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 0);
  EXPECT_EQ(expired(),
            (std::vector<ReservationId>{ids[1], ids[3], ids[0], ids[5]}));
  EXPECT_EQ(ledger.Snapshot("")->spent_nano_usd, 7);
}

// Many open reservations with the same expiry: each call stays cheap, and
// they all expire together.
TEST_F(InMemoryLedgerTest, ManyOpenReservationsExpireTogether) {
  BudgetConfig config;
  InMemoryLedger ledger(config, clock_);
  const absl::Time due = now_ + absl::Seconds(5);
  for (int i = 0; i < 20'000; ++i) {
    ASSERT_TRUE(ledger.Reserve(Global(1, due)).ok());
  }
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 20'000);
  now_ = due;
  EXPECT_EQ(ledger.Snapshot("")->open_reservations, 0);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 0);
}

TEST_F(InMemoryLedgerTest, WindowRollsOnTheHourButLifetimeAccumulates) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  InMemoryLedger ledger(config, clock_);
  auto id = ledger.Reserve(Global(1000, Later()));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(ledger.Commit(Charge(*id, 1000, "p", "m")).ok());
  EXPECT_FALSE(ledger.Reserve(Global(1, Later())).ok());
  auto snap = ledger.Snapshot("");
  EXPECT_EQ(absl::ToUnixSeconds(snap->window_start), 1'699'999'200);
  EXPECT_EQ(snap->window_length, absl::Hours(1));
  now_ = snap->window_start + absl::Hours(1);
  EXPECT_TRUE(ledger.Reserve(Global(1, Later())).ok());
  snap = ledger.Snapshot("");
  EXPECT_EQ(snap->spent_nano_usd, 0);
  EXPECT_TRUE(snap->breakdown.empty());
  EXPECT_EQ(snap->lifetime_spent_nano_usd, 1000);
}

TEST_F(InMemoryLedgerTest, OverageAndHardCap) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 1000;
  config.allow_overage_percent = 10;
  config.hard_safety_cap_nano_usd = 1050;
  InMemoryLedger ledger(config, clock_);
  EXPECT_EQ(ledger.Reserve(Global(1101, Later())).status().code(),
            absl::StatusCode::kResourceExhausted);
  auto id = ledger.Reserve(Global(1050, Later()));
  ASSERT_TRUE(id.ok());
  ledger.Release(*id);
  auto capped = ledger.Reserve(Global(1051, Later()));
  EXPECT_EQ(capped.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(capped.status().message().find("hard safety cap of $0.000001050"),
            std::string::npos)
      << capped.status();
}

TEST_F(InMemoryLedgerTest, ScopesAreEnforcedTogetherAndAtomically) {
  BudgetConfig config;
  config.hourly_budget_nano_usd = 10'000;
  config.scope_budgets["client:alice"] = 500;
  config.scope_budgets["model:gpt-4o"] = 800;
  InMemoryLedger ledger(config, clock_);
  ReserveRequest r;
  r.expires_at = Later();
  r.client_id = "alice";
  r.holds = {{kGlobalScope, 400},
             {"client:alice", 400},
             {"provider:openai", 400},
             {"model:gpt-4o", 400}};
  auto a = ledger.Reserve(r);
  ASSERT_TRUE(a.ok());
  // alice has 100 left: refused, and nothing of the refused call is held.
  auto b = ledger.Reserve(r);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(b.status().message().find("budget of client:alice exhausted"),
            std::string::npos)
      << b.status();
  EXPECT_NE(b.status().message().find("budget.scope_budgets[\"client:alice\"]"),
            std::string::npos);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 400);
  EXPECT_EQ(ledger.Snapshot("model:gpt-4o")->reserved_nano_usd, 400);
  // Bob is limited by the model scope only.
  r.client_id = "bob";
  r.holds[1].scope = "client:bob";
  auto c = ledger.Reserve(r);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(ledger.Reserve(r).ok());  // model:gpt-4o full (800)
  ASSERT_TRUE(ledger.Commit(Charge(*a, 123, "openai", "gpt-4o", "alice")).ok());
  ASSERT_TRUE(ledger.Commit(Charge(*c, 77, "openai", "gpt-4o", "bob")).ok());
  auto alice = ledger.Snapshot("client:alice");
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->limit_nano_usd, 500);
  EXPECT_EQ(alice->spent_nano_usd, 123);
  EXPECT_EQ(alice->remaining_nano_usd, 377);
  EXPECT_EQ(alice->hard_cap_nano_usd, 0);
  EXPECT_EQ(ledger.Snapshot("model:gpt-4o")->spent_nano_usd, 200);
  EXPECT_EQ(ledger.Snapshot("provider:openai")->spent_nano_usd, 200);
  EXPECT_EQ(ledger.Snapshot("provider:openai")->limit_nano_usd, 0);
  EXPECT_EQ(ledger.Snapshot("")->spent_nano_usd, 200);
  for (const char* scope :
       {"", "client:alice", "client:bob", "model:gpt-4o", "provider:openai"}) {
    EXPECT_EQ(ledger.Snapshot(scope)->reserved_nano_usd, 0) << scope;
    EXPECT_EQ(ledger.Snapshot(scope)->open_reservations, 0) << scope;
  }
}

TEST_F(InMemoryLedgerTest, UnlimitedNeverRefusesAndBadScopeIsInvalid) {
  InMemoryLedger ledger(BudgetConfig{}, clock_);
  EXPECT_TRUE(ledger.Reserve(Global(1'000'000'000'000, Later())).ok());
  EXPECT_EQ(ledger.Snapshot("client:").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger.Snapshot("team:x").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto unseen = ledger.Snapshot("client:nobody");
  ASSERT_TRUE(unseen.ok());
  EXPECT_EQ(unseen->spent_nano_usd, 0);
}

// CallCharge over the ledger: uncatalogued models are priced by the
// configured default, or refused when default_price is "none".
TEST_F(InMemoryLedgerTest, CallChargePricesUncataloguedModelsExplicitly) {
  BudgetConfig config;
  config.model_prices["local"] = TokenPrice{0, 0};
  config.model_prices["fireworks/my-model"] = TokenPrice{1'000'000'000, 0};
  InMemoryLedger ledger(config, clock_);
  ProviderRequest request;
  request.messages.push_back({MessageRole::kUser, "abc"});  // 8 + 1 tokens
  request.max_tokens = 10;
  TokenUsage usage{9, 10, true};
  {
    CallCharge charge(&ledger, ledger.config());
    ASSERT_TRUE(ReserveNow(charge, request,
                           {{"fireworks", "my-model", nullptr}},
                           ChargeContext{"c1", Later()})
                    .ok());
    EXPECT_EQ(charge.reserved_nano_usd(), 9 * 1000);
    Settlement s =
        CommitNow(charge, {"fireworks", "my-model", nullptr}, usage, request);
    EXPECT_EQ(s.cost_nano_usd, 9000);
  }
  {
    CallCharge charge(&ledger, ledger.config());
    ASSERT_TRUE(ReserveNow(charge, request, {{"local", "llama", nullptr}},
                           ChargeContext{})
                    .ok());
    EXPECT_EQ(CommitNow(charge, {"local", "llama", nullptr}, usage, request)
                  .cost_nano_usd,
              0);
  }
  {
    // The built-in default: USD 15 / 75 per million.
    CallCharge charge(&ledger, ledger.config());
    ASSERT_TRUE(ReserveNow(charge, request, {{"openai", "new-model", nullptr}},
                           ChargeContext{})
                    .ok());
    EXPECT_EQ(charge.reserved_nano_usd(), 9 * 15'000 + 10 * 75'000);
    charge.Release();
  }
  EXPECT_EQ(ledger.Snapshot("client:c1")->spent_nano_usd, 9000);
  EXPECT_EQ(ledger.Snapshot("")->spent_nano_usd, 9000);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 0);

  BudgetConfig strict;
  strict.default_price.reset();
  InMemoryLedger strict_ledger(strict, clock_);
  CallCharge charge(&strict_ledger, strict_ledger.config());
  absl::Status refused = ReserveNow(
      charge, request, {{"openai", "new-model", nullptr}}, ChargeContext{});
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("budget.model_prices[\"openai/new-model\"]"),
            std::string::npos)
      << refused;
  EXPECT_EQ(strict_ledger.Snapshot("")->open_reservations, 0);
}

TEST_F(InMemoryLedgerTest, CallChargeHoldsTheWorstTargetPerScope) {
  ModelSpec cheap{"cheap", 0, 0, 1'000'000'000, 1'000'000'000};
  ModelSpec dear{"dear", 0, 0, 10'000'000'000, 10'000'000'000};
  InMemoryLedger ledger(BudgetConfig{}, clock_);
  ProviderRequest request;
  request.messages.push_back({MessageRole::kUser, "abc"});  // 9 tokens
  request.max_tokens = 1;
  CallCharge charge(&ledger, ledger.config());
  ASSERT_TRUE(ReserveNow(charge, request,
                         {{"a", "cheap", &cheap}, {"b", "dear", &dear}},
                         ChargeContext{"me", Later()})
                  .ok());
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 100'000);
  EXPECT_EQ(ledger.Snapshot("client:me")->reserved_nano_usd, 100'000);
  EXPECT_EQ(ledger.Snapshot("provider:a")->reserved_nano_usd, 10'000);
  EXPECT_EQ(ledger.Snapshot("model:dear")->reserved_nano_usd, 100'000);
  CommitNow(charge, {"a", "cheap", &cheap}, TokenUsage{9, 1, true}, request);
  EXPECT_EQ(ledger.Snapshot("")->reserved_nano_usd, 0);
  EXPECT_EQ(ledger.Snapshot("model:dear")->reserved_nano_usd, 0);
  EXPECT_EQ(ledger.Snapshot("model:cheap")->spent_nano_usd, 10'000);
  EXPECT_EQ(ledger.Snapshot("model:dear")->spent_nano_usd, 0);
  EXPECT_EQ(ledger.Snapshot("client:me")->spent_nano_usd, 10'000);
}

}  // namespace
}  // namespace llmgw
