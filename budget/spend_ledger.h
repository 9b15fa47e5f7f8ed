#ifndef LLMGW_BUDGET_SPEND_LEDGER_H_
#define LLMGW_BUDGET_SPEND_LEDGER_H_

#include <cstdint>
#include <string>
#include <vector>

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

// Money in flight and money spent, with reservation semantics: a call
// reserves its worst-case cost before it starts (atomically against the
// limits of every scope it touches), then commits its actual cost or
// releases the reservation. Every method is thread-safe and synchronous:
// the local backends take tens of microseconds (SQLite WAL,
// synchronous=NORMAL), the Redis backend one loopback round trip; see
// docs/budget.md for the measured figures.
class SpendLedger {
 public:
  virtual ~SpendLedger() = default;

  // Reserves every hold until `expires_at`, all or nothing.
  // RESOURCE_EXHAUSTED, naming the scope and saying what is left, when a
  // scope's limit (plus allowed overage) or the hard cap cannot cover it;
  // UNAVAILABLE when a shared ledger cannot be reached.
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

  // The budget settings the ledger enforces (prices of uncatalogued models
  // are read from here by CallCharge).
  virtual const BudgetConfig& config() const = 0;
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_SPEND_LEDGER_H_
