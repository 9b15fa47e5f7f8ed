#include "budget/call_charge.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "budget/pricing.h"

namespace llmgw {

CallCharge::~CallCharge() { Release(); }

void CallCharge::Reserve(const ProviderRequest& request,
                         const std::vector<ChargeTarget>& targets,
                         const ChargeContext& context, Done done) {
  context_ = context;
  // Worst case per scope: the call is answered by exactly one target, so
  // the global and client scopes hold the maximum over all targets, and each
  // provider/model scope the maximum over its own targets.
  // Plans are a few targets long: a vector searched in place, sorted at the
  // end (the ledgers take scopes in a stable order).
  int64_t worst = 0;
  std::vector<ScopeHold> per_scope;
  per_scope.reserve(2 * targets.size());
  auto hold_at_least = [&per_scope](std::string scope, int64_t cost) {
    for (ScopeHold& hold : per_scope) {
      if (hold.scope == scope) {
        hold.amount_nano_usd = std::max(hold.amount_nano_usd, cost);
        return;
      }
    }
    per_scope.push_back({std::move(scope), cost});
  };
  std::optional<ModelSpec> resolved;
  for (const ChargeTarget& t : targets) {
    absl::StatusOr<const ModelSpec*> price =
        ResolvePriceInPlace(t.provider, t.model, t.price, budget_, resolved);
    if (!price.ok()) {
      done(price.status());
      return;
    }
    const int64_t cost =
        WorstCaseCostNanoUsd(*price, request, default_max_output_tokens_);
    worst = std::max(worst, cost);
    hold_at_least(ProviderScope(t.provider), cost);
    hold_at_least(ModelScope(t.model), cost);
  }
  std::sort(
      per_scope.begin(), per_scope.end(),
      [](const ScopeHold& a, const ScopeHold& b) { return a.scope < b.scope; });
  ReserveRequest reserve;
  reserve.expires_at = context.expires_at;
  reserve.client_id = context.client_id;
  reserve.holds.reserve(2 + per_scope.size());
  reserve.holds.push_back({kGlobalScope, worst});
  if (!context.client_id.empty()) {
    reserve.holds.push_back({ClientScope(context.client_id), worst});
  }
  for (ScopeHold& hold : per_scope) reserve.holds.push_back(std::move(hold));
  reserved_amount_ = worst;
  state_->pending = true;
  ledger_->ReserveAsync(
      std::move(reserve),
      [state = state_, ledger = ledger_,
       done = std::move(done)](absl::StatusOr<ReservationId> id) mutable {
        state->pending = false;
        if (state->abandoned) {
          // The call ended while the ledger was answering.
          if (id.ok()) ledger->ReleaseAsync(*id);
          return;
        }
        if (!id.ok()) {
          done(id.status());
          return;
        }
        state->reservation = *id;
        done(absl::OkStatus());
      });
}

Settlement CallCharge::Price(const ChargeTarget& target,
                             const TokenUsage& usage,
                             int64_t delivered_text_bytes,
                             const ProviderRequest& request) const {
  Settlement settlement;
  settlement.usage = usage;
  if (!usage.reported) {
    // E.g. a stream cut before the provider reported usage: still charged.
    settlement.usage.input_tokens = EstimateRequestInputTokens(request);
    settlement.usage.output_tokens = EstimateOutputTokens(delivered_text_bytes);
    settlement.usage_estimated = true;
  }
  std::optional<ModelSpec> resolved;
  absl::StatusOr<const ModelSpec*> price = ResolvePriceInPlace(
      target.provider, target.model, target.price, budget_, resolved);
  // Reserve resolved the same price, so this only fails without a
  // reservation; such a call is then charged nothing rather than guessed.
  settlement.cost_nano_usd =
      price.ok() ? CallCostNanoUsd(*price, settlement.usage) : 0;
  return settlement;
}

CommitRequest CallCharge::TakeCommit(const ChargeTarget& target,
                                     const Settlement& settlement) {
  CommitRequest commit;
  commit.id = state_->reservation;
  commit.actual_nano_usd = settlement.cost_nano_usd;
  commit.provider = target.provider;
  commit.model = target.model;
  commit.client_id = context_.client_id;
  state_->reservation = 0;
  return commit;
}

void CallCharge::Commit(const ChargeTarget& target, const TokenUsage& usage,
                        int64_t delivered_text_bytes,
                        const ProviderRequest& request, CommitDone done) {
  Settlement settlement = Price(target, usage, delivered_text_bytes, request);
  if (state_->reservation == 0) {
    done(std::move(settlement), absl::OkStatus());
    return;
  }
  ledger_->CommitAsync(
      TakeCommit(target, settlement),
      [settlement, done = std::move(done)](absl::Status recorded) mutable {
        done(std::move(settlement), std::move(recorded));
      });
}

void CallCharge::CommitPricedOnAnyThread(const ChargeTarget& target,
                                         const Settlement& settlement,
                                         Done recorded) {
  if (state_->reservation == 0) {
    recorded(absl::OkStatus());
    return;
  }
  ledger_->CommitAsyncOnAnyThread(TakeCommit(target, settlement),
                                  std::move(recorded));
}

void CallCharge::Release() {
  if (state_->pending) state_->abandoned = true;
  if (state_->reservation == 0) return;
  ledger_->ReleaseAsync(state_->reservation);
  state_->reservation = 0;
}

}  // namespace llmgw
