#ifndef LLMGW_BUDGET_LEDGER_FACTORY_H_
#define LLMGW_BUDGET_LEDGER_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_log.h"
#include "budget/spend_ledger.h"
#include "config/gateway_config.h"
#include "http/event_loop.h"

namespace llmgw {

// Creates the ledger budget.backend asks for: "auto" is SQLite at
// budget.sqlite_path (default <data_dir>/ledger.db) when a data_dir is set,
// else in memory; "sqlite" without a path or data_dir is
// FAILED_PRECONDITION; "redis" connects to budget.redis_address at once (an
// unreachable Redis fails the start; its journal of deferred commits is
// budget.journal_path, default <data_dir>/ledger-journal.db). `audit`
// receives budget events; `loop` (the gateway's event loop) runs the Redis
// connection and receives asynchronous completions. Both outlive the
// ledger: destroy the ledger before stopping the loop.
// The file CreateSpendLedger would open for `config`'s SQLite ledger, or ""
// when its ledger is not SQLite.
std::string SqliteLedgerPath(const GatewayConfig& config);

absl::StatusOr<std::unique_ptr<SpendLedger>> CreateSpendLedger(
    const GatewayConfig& config, AuditLog* audit,
    http::EventLoop* loop = nullptr);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_LEDGER_FACTORY_H_
