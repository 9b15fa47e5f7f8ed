#include "budget/call_charge.h"

#include <algorithm>

#include "budget/pricing.h"

namespace llmgw {

CallCharge::~CallCharge() { Release(); }

absl::Status CallCharge::Reserve(const ProviderRequest& request,
                                 const std::vector<ChargeTarget>& targets,
                                 const ChargeContext& context) {
  int64_t worst = 0;
  for (const ChargeTarget& t : targets) {
    worst = std::max(worst, WorstCaseCostNanoUsd(t.price, request,
                                                 default_max_output_tokens_));
  }
  absl::StatusOr<ReservationId> id = ledger_->Reserve(worst, context.expires_at);
  if (!id.ok()) return id.status();
  reservation_ = *id;
  reserved_amount_ = worst;
  context_ = context;
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
  settlement.cost_nano_usd = CallCostNanoUsd(target.price, settlement.usage);
  if (reservation_ != 0) {
    (void)ledger_->Commit(reservation_, settlement.cost_nano_usd,
                          target.provider,
                          target.price != nullptr ? target.price->name
                                                  : target.model);
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
