#ifndef LLMGW_BUDGET_CALL_CHARGE_H_
#define LLMGW_BUDGET_CALL_CHARGE_H_

#include <cstdint>
#include <string>
#include <vector>

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
// Not thread-safe: owned by one GenerateCall on the event loop.
class CallCharge {
 public:
  CallCharge(SpendLedger* ledger, int64_t default_max_output_tokens)
      : ledger_(ledger),
        default_max_output_tokens_(default_max_output_tokens) {}
  // Releases a reservation that was never settled.
  ~CallCharge();

  // Reserves the worst-case cost of `request` over every target that could
  // answer it, against the global scope, the caller's client scope and each
  // target's provider and model scopes, all at once. RESOURCE_EXHAUSTED
  // (naming the scope and saying what is left) when refused;
  // FAILED_PRECONDITION when a target has no price and no default applies.
  absl::Status Reserve(const ProviderRequest& request,
                       const std::vector<ChargeTarget>& targets,
                       const ChargeContext& context);

  // Commits the cost of the call on `target`: from `usage` when the provider
  // reported it, otherwise estimated from the request and the text delivered
  // (a stream cut or cancelled midway is never free). The charge is recorded
  // (durably, for durable ledgers) before this returns.
  Settlement Commit(const ChargeTarget& target, const TokenUsage& usage,
                    int64_t delivered_text_bytes,
                    const ProviderRequest& request);

  // Releases the reservation without spending.
  void Release();

  bool reserved() const { return reservation_ != 0; }
  int64_t reserved_nano_usd() const { return reserved_amount_; }
  // Whether the last Commit was recorded durably (OK when nothing was
  // committed).
  const absl::Status& commit_status() const { return commit_status_; }

 private:
  SpendLedger* const ledger_;
  const int64_t default_max_output_tokens_;
  ReservationId reservation_ = 0;
  int64_t reserved_amount_ = 0;
  ChargeContext context_;
  absl::Status commit_status_;
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_CALL_CHARGE_H_
