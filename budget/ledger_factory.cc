#include "budget/ledger_factory.h"

#include "budget/in_memory_ledger.h"

namespace llmgw {

absl::StatusOr<std::unique_ptr<SpendLedger>> CreateSpendLedger(
    const GatewayConfig& config, AuditLog* /*audit*/) {
  return std::make_unique<InMemoryLedger>(config.budget);
}

}  // namespace llmgw
