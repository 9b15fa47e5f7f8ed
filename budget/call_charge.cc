#include "budget/call_charge.h"

#include <algorithm>
#include <map>

#include "budget/pricing.h"

namespace llmgw {

CallCharge::~CallCharge() { Release(); }

absl::Status CallCharge::Reserve(const ProviderRequest& request,
                                 const std::vector<ChargeTarget>& targets,
                                 const ChargeContext& context) {
  context_ = context;
  // Worst case per scope: the call is answered by exactly one target, so
  // the global and client scopes hold the maximum over all targets, and each
  // provider/model scope the maximum over its own targets.
  int64_t worst = 0;
  std::map<std::string, int64_t> per_scope;
  for (const ChargeTarget& t : targets) {
    absl::StatusOr<ModelSpec> price =
        ResolvePrice(t.provider, t.model, t.price, ledger_->config());
    if (!price.ok()) return price.status();
    const int64_t cost =
        WorstCaseCostNanoUsd(&*price, request, default_max_output_tokens_);
    worst = std::max(worst, cost);
    for (const std::string& scope :
         {ProviderScope(t.provider), ModelScope(t.model)}) {
      per_scope[scope] = std::max(per_scope[scope], cost);
    }
  }
  ReserveRequest reserve;
  reserve.expires_at = context.expires_at;
  reserve.client_id = context.client_id;
  reserve.holds.push_back({kGlobalScope, worst});
  if (!context.client_id.empty()) {
    reserve.holds.push_back({ClientScope(context.client_id), worst});
  }
  for (const auto& [scope, amount] : per_scope) {
    reserve.holds.push_back({scope, amount});
  }
  absl::StatusOr<ReservationId> id = ledger_->Reserve(reserve);
  if (!id.ok()) return id.status();
  reservation_ = *id;
  reserved_amount_ = worst;
  return absl::OkStatus();
}

Settlement CallCharge::Commit(const ChargeTarget& target,
                              const TokenUsage& usage,
                              int64_t delivered_text_bytes,
                              const ProviderRequest& request) {
  Settlement settlement;
  settlement.usage = usage;
  if (!usage.reported) {
    // E.g. a stream cut before the provider reported usage: still charged.
    settlement.usage.input_tokens = EstimateInputTokens(request.messages);
    settlement.usage.output_tokens = EstimateOutputTokens(delivered_text_bytes);
    settlement.usage_estimated = true;
  }
  absl::StatusOr<ModelSpec> price = ResolvePrice(
      target.provider, target.model, target.price, ledger_->config());
  // Reserve resolved the same price, so this only fails without a
  // reservation; such a call is then charged nothing rather than guessed.
  settlement.cost_nano_usd =
      price.ok() ? CallCostNanoUsd(&*price, settlement.usage) : 0;
  if (reservation_ != 0) {
    CommitRequest commit;
    commit.id = reservation_;
    commit.actual_nano_usd = settlement.cost_nano_usd;
    commit.provider = target.provider;
    commit.model = target.model;
    commit.client_id = context_.client_id;
    commit_status_ = ledger_->Commit(commit);
    reservation_ = 0;
  }
  return settlement;
}

void CallCharge::Release() {
  if (reservation_ == 0) return;
  ledger_->Release(reservation_);
  reservation_ = 0;
}

}  // namespace llmgw
