#ifndef LLMGW_BUDGET_LEDGER_FACTORY_H_
#define LLMGW_BUDGET_LEDGER_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "audit/audit_log.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"

namespace llmgw {

// Creates the ledger the configuration asks for. `audit` receives budget
// events and outlives the ledger.
absl::StatusOr<std::unique_ptr<SpendLedger>> CreateSpendLedger(
    const GatewayConfig& config, AuditLog* audit);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_LEDGER_FACTORY_H_
