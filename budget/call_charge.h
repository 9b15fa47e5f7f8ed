#ifndef LLMGW_BUDGET_CALL_CHARGE_H_
#define LLMGW_BUDGET_CALL_CHARGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "budget/spend_ledger.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {

// A provider/model pair a call may be answered by, with its price.
struct ChargeTarget {
  std::string provider;
  std::string model;
  // The catalog entry; null when the model has none, in which case the
  // price comes from the budget settings (ResolvePrice in pricing.h).
  const ModelSpec* price = nullptr;
};

// Who and what a call is charged to.
struct ChargeContext {
  // Caller identity (from request metadata); "" = anonymous.
  std::string client_id;
  // When an unsettled reservation is released automatically.
  absl::Time expires_at = absl::InfiniteFuture();
};

// What a call finally cost.
struct Settlement {
  int64_t cost_nano_usd = 0;
  TokenUsage usage;
  // True when `usage` is the gateway's estimate (the provider reported none).
  bool usage_estimated = false;
};

// The money side of one call: reserve the worst case before any upstream
// traffic, then settle exactly once: commit the actual cost, or release.
// Asynchronous: Reserve and Commit complete through callbacks (on the event
// loop), so no ledger I/O ever runs on the caller's thread. Not
// thread-safe: owned by one GenerateCall on the event loop.
class CallCharge {
 public:
  using Done = absl::AnyInvocable<void(absl::Status)>;
  // The settlement, and whether it was recorded (see CommitAsync).
  using CommitDone = absl::AnyInvocable<void(Settlement, absl::Status)>;

  // `budget` (prices of models the catalog does not price, and
  // default_max_output_tokens) is the configuration generation's, which
  // outlives the call; the ledger may be shared with later generations.
  CallCharge(SpendLedger* ledger, const BudgetConfig& budget)
      : ledger_(ledger),
        budget_(budget),
        default_max_output_tokens_(budget.default_max_output_tokens),
        state_(std::make_shared<State>()) {}
  // Releases a reservation that was never settled (also one still being
  // made: it is released when the ledger answers).
  ~CallCharge();

  // Reserves the worst-case cost of `request` over every target that could
  // answer it, against the global scope, the caller's client scope and each
  // target's provider and model scopes, all at once. `done` gets OK once
  // held, RESOURCE_EXHAUSTED (naming the scope and saying what is left) when
  // refused, FAILED_PRECONDITION when a target has no price and no default
  // applies (inline, before any ledger traffic), UNAVAILABLE
  // (LEDGER_UNAVAILABLE) when a shared ledger cannot be reached in time.
  // `done` is not called when Release() came first (the late reservation
  // is released instead).
  void Reserve(const ProviderRequest& request,
               const std::vector<ChargeTarget>& targets,
               const ChargeContext& context, Done done);

  // Prices the call on `target`: from `usage` when the provider reported it,
  // otherwise estimated from the request and the text delivered (a stream
  // cut or cancelled midway is never free), and commits that cost. `done`
  // gets the settlement once the charge is recorded (durably, for durable
  // ledgers); inline for the in-memory ledger or when nothing was reserved.
  void Commit(const ChargeTarget& target, const TokenUsage& usage,
              int64_t delivered_text_bytes, const ProviderRequest& request,
              CommitDone done);

  // Commit in two steps, for a caller that releases its reply off the loop:
  // Price works out the settlement (no ledger traffic), CommitPriced records
  // it. `recorded` runs once the charge is recorded, on whichever thread
  // learns it (SpendLedger::CommitAsyncOnAnyThread: the SQLite writer
  // thread), or inline when nothing was reserved.
  Settlement Price(const ChargeTarget& target, const TokenUsage& usage,
                   int64_t delivered_text_bytes,
                   const ProviderRequest& request) const;
  void CommitPricedOnAnyThread(const ChargeTarget& target,
                               const Settlement& settlement, Done recorded);

  // Releases the reservation without spending (or, while Reserve is still
  // waiting for the ledger, releases it as soon as it is made).
  void Release();

  bool reserved() const { return state_->reservation != 0; }
  int64_t reserved_nano_usd() const { return reserved_amount_; }

 private:
  // Shared with the ledger's callback, which may outlive this object.
  struct State {
    ReservationId reservation = 0;
    bool pending = false;
    bool abandoned = false;
  };
  SpendLedger* const ledger_;
  const BudgetConfig& budget_;
  const int64_t default_max_output_tokens_;
  std::shared_ptr<State> state_;
  int64_t reserved_amount_ = 0;
  ChargeContext context_;

  // The ledger's commit request for `settlement`; clears the reservation.
  CommitRequest TakeCommit(const ChargeTarget& target,
                           const Settlement& settlement);
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_CALL_CHARGE_H_
