#ifndef LLMGW_BUDGET_LEDGER_FACTORY_H_
#define LLMGW_BUDGET_LEDGER_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "audit/audit_log.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"

namespace llmgw {

// Creates the ledger budget.backend asks for: "auto" is SQLite at
// budget.sqlite_path (default <data_dir>/ledger.db) when a data_dir is set,
// else in memory; "sqlite" without a path or data_dir is
// FAILED_PRECONDITION; "redis" connects to budget.redis_address at once (an
// unreachable Redis fails the start). `audit` receives budget events and
// outlives the ledger.
absl::StatusOr<std::unique_ptr<SpendLedger>> CreateSpendLedger(
    const GatewayConfig& config, AuditLog* audit);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_LEDGER_FACTORY_H_
