#ifndef LLMGW_BUDGET_IN_MEMORY_LEDGER_H_
#define LLMGW_BUDGET_IN_MEMORY_LEDGER_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "audit/audit_log.h"
#include "budget/spend_ledger.h"
#include "config/budget_config.h"

namespace llmgw {

// One committed charge, as a durable journal stores it.
struct ChargeRecord {
  absl::Time at;
  // Start of the window the charge belongs to.
  absl::Time window_start;
  std::string provider;
  std::string model;
  std::string client_id;
  int64_t cost_nano_usd = 0;
  // Number of calls this record stands for (1, or more when aggregated).
  int64_t calls = 1;
};

// Durable storage of committed charges (the SQLite backend implements it).
class ChargeJournal {
 public:
  virtual ~ChargeJournal() = default;
  // Records `record`; it must survive a process crash once this returns OK.
  virtual absl::Status Append(const ChargeRecord& record) = 0;
};

// The process-local ledger: every scope's window spend, lifetime spend,
// reservations (with expiry) and spend by provider/model, under one mutex so
// that a reservation over several scopes is atomic. Windows are aligned to
// the epoch (hourly windows start on the hour). With a `journal`, every
// commit is appended to it before Commit returns (the SQLite backend);
// without one, nothing survives a restart.
class InMemoryLedger : public SpendLedger {
 public:
  using Clock = std::function<absl::Time()>;
  // `audit` (may be null) receives "budget" events; `journal` (may be null)
  // makes commits durable. Both outlive the ledger.
  explicit InMemoryLedger(BudgetConfig config, Clock clock = absl::Now,
                          AuditLog* audit = nullptr,
                          ChargeJournal* journal = nullptr);

  // Adds charges read back from a journal at start: all count towards
  // lifetime spend, those of the current window towards its spend.
  void Restore(const std::vector<ChargeRecord>& records);

  absl::StatusOr<ReservationId> Reserve(const ReserveRequest& request) override;
  absl::Status Commit(const CommitRequest& request) override;
  // Commit, also returning the record it counted (for a caller that makes
  // it durable itself, as the SQLite ledger's writer thread does).
  absl::Status CommitRecording(const CommitRequest& request,
                               ChargeRecord* recorded);
  void Release(ReservationId id) override;
  absl::StatusOr<BudgetSnapshot> Snapshot(absl::string_view scope) override;
  const BudgetConfig& config() const override { return config_; }
  // Writes a "limits_updated" budget audit event when the limits changed.
  absl::Status UpdateBudget(const BudgetConfig& next) override;

  // Start of the window that contains `t`.
  absl::Time WindowStartFor(absl::Time t) const;

 private:
  struct Reservation {
    std::vector<ScopeHold> holds;
    absl::Time expires_at;
    std::string client_id;
  };
  struct ScopeState {
    int64_t spent = 0;     // current window
    int64_t reserved = 0;  // held by open reservations
    int64_t lifetime = 0;
    int64_t open = 0;  // open reservations holding this scope
    std::map<std::pair<std::string, std::string>, SpendLine> breakdown;
  };
  // Starts a new window when the current one has ended; releases expired
  // reservations (appending audit events to `events`). Walks only the
  // expired ones (expiry_ is ordered by expiry), so the cost per call does
  // not grow with the number of reservations open.
  void RollAndExpireLocked(absl::Time now, std::vector<nlohmann::json>& events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropLocked(const Reservation& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes reservation `it` from both indexes after DropLocked.
  void EraseLocked(std::map<ReservationId, Reservation>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddSpendLocked(const ChargeRecord& record, bool current_window)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t LimitOf(const std::string& scope) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Emit(std::vector<nlohmann::json> events);

  const BudgetConfig config_;
  const Clock clock_;
  AuditLog* const audit_;
  ChargeJournal* const journal_;
  absl::Mutex mu_;
  // The limits enforced: config_'s until UpdateBudget.
  BudgetConfig limits_ ABSL_GUARDED_BY(mu_);
  absl::Time window_start_ ABSL_GUARDED_BY(mu_);
  ReservationId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<ReservationId, Reservation> reservations_ ABSL_GUARDED_BY(mu_);
  // The open reservations by expiry: (expires_at, id) of each entry of
  // reservations_.
  std::set<std::pair<absl::Time, ReservationId>> expiry_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ScopeState> scopes_ ABSL_GUARDED_BY(mu_);
};

// The limit of `scope` plus allow_overage_percent (0 = unlimited).
int64_t EffectiveLimit(int64_t limit_nano_usd, int allow_overage_percent);

// The limit configured for a normalized scope (0 = unlimited).
int64_t ConfiguredLimit(const BudgetConfig& config, const std::string& scope);

// The RESOURCE_EXHAUSTED message for a refused hold.
std::string RefusalMessage(const std::string& scope, int64_t amount,
                           int64_t limit, int allow_overage_percent,
                           int64_t spent, int64_t reserved);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_IN_MEMORY_LEDGER_H_
