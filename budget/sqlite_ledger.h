#ifndef LLMGW_BUDGET_SQLITE_LEDGER_H_
#define LLMGW_BUDGET_SQLITE_LEDGER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_log.h"
#include "budget/in_memory_ledger.h"
#include "budget/spend_ledger.h"
#include "config/budget_config.h"
#include "http/event_loop.h"

namespace llmgw {

// The durable local ledger: an InMemoryLedger whose every commit is
// appended to a `charges` table in an embedded SQLite database (WAL mode,
// synchronous=NORMAL by default, FULL with budget.sqlite_synchronous: full)
// by one dedicated writer thread ("llmgw-sqlite", SqliteWriter) in group
// commits: CommitAsync counts the charge in memory at once and calls back,
// on `loop`, only after the transaction holding it committed.
// At open the table is read back, so the current window's spend, lifetime
// spend and the breakdown survive a restart or a crash (SIGKILL) of the
// process. Reservations are not persisted: a crashed process's calls are
// gone, so their holds are released with it. One gateway process per
// database file; replicas share a budget through the Redis backend.
//
// Reserve, Release and Snapshot are in memory (microseconds, inline). The
// measured cost of commits, before (one transaction per commit on the event
// loop) and after (group commit on the writer thread), is in docs/budget.md.
// `loop` (may be null: callbacks then run on the writer thread) receives the
// CommitAsync callbacks.
absl::StatusOr<std::unique_ptr<SpendLedger>> OpenSqliteLedger(
    const std::string& path, const BudgetConfig& config, AuditLog* audit,
    InMemoryLedger::Clock clock = absl::Now, http::EventLoop* loop = nullptr);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_SQLITE_LEDGER_H_
