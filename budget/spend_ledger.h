#ifndef LLMGW_BUDGET_SPEND_LEDGER_H_
#define LLMGW_BUDGET_SPEND_LEDGER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace llmgw {

// Identifies a reservation; 0 is never a valid id.
using ReservationId = uint64_t;

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

// Money in flight and money spent, with reservation semantics: a call
// reserves its worst-case cost before it starts (atomically against the
// limit), then commits its actual cost or releases the reservation. Every
// method is thread-safe.
class SpendLedger {
 public:
  virtual ~SpendLedger() = default;

  // Reserves `amount_nano_usd` until `expires_at` (after which an
  // unsettled reservation is released automatically). RESOURCE_EXHAUSTED,
  // saying what is left, when the limit (plus allowed overage) or the hard
  // cap cannot cover it.
  virtual absl::StatusOr<ReservationId> Reserve(int64_t amount_nano_usd,
                                                absl::Time expires_at) = 0;

  // Settles a reservation with the actual cost (which may exceed the
  // reservation; the excess is still recorded: money spent is never lost).
  virtual absl::Status Commit(ReservationId id, int64_t actual_nano_usd,
                              absl::string_view provider,
                              absl::string_view model) = 0;

  // Releases a reservation without spending.
  virtual void Release(ReservationId id) = 0;

  // The state of `scope` ("" or "global").
  virtual absl::StatusOr<BudgetSnapshot> Snapshot(absl::string_view scope) = 0;
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_SPEND_LEDGER_H_
