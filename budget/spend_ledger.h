#ifndef LLMGW_BUDGET_SPEND_LEDGER_H_
#define LLMGW_BUDGET_SPEND_LEDGER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/budget_config.h"

namespace llmgw {

// Identifies a reservation; 0 is never a valid id.
using ReservationId = uint64_t;

// Budget scopes. Every call is charged to "global", to "provider:<name>" and
// "model:<name>" of the target that answered it, and to "client:<id>" when
// the caller identified itself. A scope is limited when it is "global" with
// an hourly_budget, or is named in budget.scope_budgets.
inline constexpr char kGlobalScope[] = "global";
std::string ClientScope(absl::string_view client_id);
std::string ProviderScope(absl::string_view provider);
std::string ModelScope(absl::string_view model);
// "" and "global" -> "global"; "client:x", "provider:x", "model:x" as given;
// INVALID_ARGUMENT (naming the syntax) otherwise.
absl::StatusOr<std::string> NormalizeScope(absl::string_view scope);

// Spend of one provider/model pair within the window.
struct SpendLine {
  std::string provider;
  std::string model;
  int64_t spent_nano_usd = 0;
  int64_t calls = 0;
};

// The state of one budget scope at a moment.
struct BudgetSnapshot {
  std::string scope;
  int64_t limit_nano_usd = 0;  // 0 = unlimited
  int64_t spent_nano_usd = 0;
  int64_t reserved_nano_usd = 0;
  int64_t remaining_nano_usd = 0;
  absl::Time window_start;
  absl::Duration window_length;
  int64_t hard_cap_nano_usd = 0;
  int64_t lifetime_spent_nano_usd = 0;
  std::vector<SpendLine> breakdown;
  int64_t open_reservations = 0;
};

// An amount held against one scope.
struct ScopeHold {
  std::string scope;
  int64_t amount_nano_usd = 0;
};

// What a call asks to hold before it starts.
struct ReserveRequest {
  // One hold per scope the call may be charged to; must include "global".
  // Holds on scopes without a limit are tracked (reserved, open
  // reservations) but never refuse.
  std::vector<ScopeHold> holds;
  // After this an unsettled reservation is released automatically.
  absl::Time expires_at = absl::InfiniteFuture();
  // For audit events only.
  std::string client_id;
};

// The actual cost of a settled call.
struct CommitRequest {
  ReservationId id = 0;
  int64_t actual_nano_usd = 0;
  std::string provider;
  std::string model;
  std::string client_id;  // "" = anonymous
};

// The scopes a call on provider/model for client_id is charged to.
std::vector<std::string> ChargedScopes(absl::string_view provider,
                                       absl::string_view model,
                                       absl::string_view client_id);

// Completion callbacks of the asynchronous ledger API.
using ReserveDone = absl::AnyInvocable<void(absl::StatusOr<ReservationId>)>;
using CommitDone = absl::AnyInvocable<void(absl::Status)>;
using SnapshotDone = absl::AnyInvocable<void(absl::StatusOr<BudgetSnapshot>)>;

// Observes every ledger operation as it completes: `op` is "reserve",
// "commit", "release", "snapshot", or the SQLite ledger's "checkpoint" and
// "wal_restart" (budget/sqlite_writer.h), `backend` "memory", "sqlite" or
// "redis", `ok` whether it succeeded. Called on whatever thread completes
// the operation (the event loop, or the SQLite writer thread); must be cheap
// and thread-safe (e.g. a Prometheus histogram observation).
using LedgerLatencyObserver =
    std::function<void(absl::string_view op, absl::string_view backend,
                       absl::Duration latency, bool ok)>;

// UNAVAILABLE for a ledger that cannot be reached, with the `llmgw/reason`
// payload LEDGER_UNAVAILABLE and `llmgw/retry_after_ms` (see HELPERS.md's
// error-detail contract).
absl::Status LedgerUnavailableError(absl::string_view message,
                                    absl::Duration retry_after);

// Money in flight and money spent, with reservation semantics: a call
// reserves its worst-case cost before it starts (atomically against the
// limits of every scope it touches), then commits its actual cost or
// releases the reservation.
//
// Two faces:
//  - The asynchronous API (ReserveAsync, CommitAsync, ReleaseAsync,
//    SnapshotAsync) is what the gateway uses. It never blocks the calling
//    thread on I/O: the in-memory ledger completes inline (a mutex held for
//    microseconds, never across I/O), the SQLite ledger hands the durable
//    write to its writer thread, the Redis ledger pipelines the script on
//    the event loop with a bounded timeout. Callbacks run on the event loop
//    the ledger was created with (inline for the in-memory ledger, i.e. on
//    the caller's thread, which is the event loop in the gateway). Callers
//    may call from any thread.
//  - The synchronous API (Reserve, Commit, Release, Snapshot) blocks until
//    the operation completed; for tests, tools and start-up. Never call it
//    on the event loop thread of a ledger that has one.
class SpendLedger {
 public:
  virtual ~SpendLedger() = default;

  // Reserves every hold until `expires_at`, all or nothing.
  // RESOURCE_EXHAUSTED, naming the scope and saying what is left, when a
  // scope's limit (plus allowed overage) or the hard cap cannot cover it;
  // UNAVAILABLE (LEDGER_UNAVAILABLE) when a shared ledger cannot be reached.
  virtual absl::StatusOr<ReservationId> Reserve(
      const ReserveRequest& request) = 0;

  // Settles a reservation with the actual cost (which may exceed the
  // reservation; the excess is still recorded: money spent is never lost).
  // The spend is durable (for durable backends) when this returns OK.
  virtual absl::Status Commit(const CommitRequest& request) = 0;

  // Releases a reservation without spending.
  virtual void Release(ReservationId id) = 0;

  // The state of `scope` (syntax as NormalizeScope).
  virtual absl::StatusOr<BudgetSnapshot> Snapshot(absl::string_view scope) = 0;

  // Asynchronous Reserve: `done` gets the reservation id or the error.
  virtual void ReserveAsync(ReserveRequest request, ReserveDone done);
  // Asynchronous Commit: `done` runs once the charge is recorded (durably,
  // for durable backends; for Redis either in Redis or in the local
  // journal that replays it). The status is OK then; an error says the
  // charge was counted locally but could not be made durable.
  virtual void CommitAsync(CommitRequest request, CommitDone done);
  // CommitAsync whose `done` runs on whichever thread learns that the charge
  // is recorded, with no hop back to the event loop: the SQLite ledger's
  // writer thread right after its group commit (and the commit's audit
  // line); the event loop for Redis; inline for the in-memory ledger. For a
  // caller that only has to release a reply once its charge is durable
  // (service/unary_call_reactor.h). `done` must be short, must not block and
  // must not call into the ledger; what it destroys must not own the ledger
  // (the writer thread cannot join itself).
  virtual void CommitAsyncOnAnyThread(CommitRequest request, CommitDone done) {
    CommitAsync(std::move(request), std::move(done));
  }
  // Asynchronous Release; fire and forget (a release that cannot reach a
  // shared ledger is retried, and the reservation also expires).
  virtual void ReleaseAsync(ReservationId id);
  // Asynchronous Snapshot (the Budget RPC).
  virtual void SnapshotAsync(std::string scope, SnapshotDone done);

  // "memory", "sqlite" or "redis".
  virtual absl::string_view backend() const { return "memory"; }

  // The budget settings the ledger was made with. The limits it enforces
  // may since have changed (UpdateBudget); prices are read from the
  // configuration generation (CallCharge), not from here.
  virtual const BudgetConfig& config() const = 0;

  // Enforces the limits of `next` (hourly_budget, scope_budgets,
  // hard_safety_cap, allow_overage_percent) from now on, keeping the
  // window's spend and every open reservation: a configuration reload that
  // changes only limits or prices keeps its ledger. Reservations already
  // held stay held; the new limits apply to the next Reserve and Snapshot.
  // FAILED_PRECONDITION when `next` names another store
  // (SameLedgerStore); UNIMPLEMENTED for a ledger that is replaced instead
  // (Redis: its spend lives in Redis, so a new ledger loses nothing). Safe
  // from any thread.
  virtual absl::Status UpdateBudget(const BudgetConfig& next) {
    (void)next;
    return absl::UnimplementedError("this ledger is replaced on reload");
  }

  // Installs an observer of operation latencies (observe's metrics). Set it
  // once, before traffic.
  void set_latency_observer(LedgerLatencyObserver observer) {
    observer_ = std::move(observer);
  }

 protected:
  void Observe(absl::string_view op, absl::Time start, bool ok) const {
    if (observer_) observer_(op, backend(), absl::Now() - start, ok);
  }

 private:
  LedgerLatencyObserver observer_;
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_SPEND_LEDGER_H_
