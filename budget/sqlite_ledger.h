#ifndef LLMGW_BUDGET_SQLITE_LEDGER_H_
#define LLMGW_BUDGET_SQLITE_LEDGER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_log.h"
#include "budget/in_memory_ledger.h"
#include "budget/spend_ledger.h"
#include "config/budget_config.h"

namespace llmgw {

// The durable local ledger: an InMemoryLedger whose every commit is first
// appended to a `charges` table in an embedded SQLite database (WAL mode,
// synchronous=NORMAL by default, FULL with budget.sqlite_synchronous: full).
// At open the table is read back, so the current window's spend, lifetime
// spend and the breakdown survive a restart or a crash (SIGKILL) of the
// process. Reservations are not persisted: a crashed process's calls are
// gone, so their holds are released with it. One gateway process per
// database file; replicas share a budget through the Redis backend.
//
// Cost (measured, see docs/budget.md): one INSERT in its own transaction,
// tens of microseconds with synchronous=NORMAL on the event loop thread.
absl::StatusOr<std::unique_ptr<SpendLedger>> OpenSqliteLedger(
    const std::string& path, const BudgetConfig& config, AuditLog* audit,
    InMemoryLedger::Clock clock = absl::Now);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_SQLITE_LEDGER_H_
