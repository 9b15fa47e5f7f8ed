#ifndef LLMGW_BUDGET_IN_MEMORY_LEDGER_H_
#define LLMGW_BUDGET_IN_MEMORY_LEDGER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"

namespace llmgw {

// A process-local ledger: one global scope with a fixed-length window
// (hourly by default), reservations with expiry, spend by provider/model.
// Not durable; the durable (SQLite) and shared (Redis) backends implement the
// same SpendLedger interface.
class InMemoryLedger : public SpendLedger {
 public:
  using Clock = std::function<absl::Time()>;
  explicit InMemoryLedger(BudgetConfig config, Clock clock = absl::Now);

  absl::StatusOr<ReservationId> Reserve(int64_t amount_nano_usd,
                                        absl::Time expires_at) override;
  absl::Status Commit(ReservationId id, int64_t actual_nano_usd,
                      absl::string_view provider,
                      absl::string_view model) override;
  void Release(ReservationId id) override;
  absl::StatusOr<BudgetSnapshot> Snapshot(absl::string_view scope) override;

 private:
  struct Reservation {
    int64_t amount = 0;
    absl::Time expires_at;
  };
  // Starts a new window when the current one has ended; drops expired
  // reservations.
  void RollAndExpireLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t EffectiveLimitLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const BudgetConfig config_;
  const Clock clock_;
  absl::Mutex mu_;
  absl::Time window_start_ ABSL_GUARDED_BY(mu_);
  int64_t spent_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t reserved_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t lifetime_spent_ ABSL_GUARDED_BY(mu_) = 0;
  ReservationId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<ReservationId, Reservation> reservations_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, SpendLine> breakdown_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_IN_MEMORY_LEDGER_H_
