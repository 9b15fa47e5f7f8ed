#include "budget/ledger_factory.h"

#include "budget/in_memory_ledger.h"
#include "budget/redis_ledger.h"
#include "budget/sqlite_ledger.h"

namespace llmgw {

std::string SqliteLedgerPath(const GatewayConfig& config) {
  const BudgetConfig& budget = config.budget;
  if (budget.backend != LedgerBackend::kSqlite &&
      budget.backend != LedgerBackend::kAuto) {
    return "";
  }
  if (!budget.sqlite_path.empty()) return budget.sqlite_path;
  return config.data_dir.empty() ? "" : config.data_dir + "/ledger.db";
}

absl::StatusOr<std::unique_ptr<SpendLedger>> CreateSpendLedger(
    const GatewayConfig& config, AuditLog* audit, http::EventLoop* loop) {
  const BudgetConfig& budget = config.budget;
  const std::string sqlite_path = SqliteLedgerPath(config);
  switch (budget.backend) {
    case LedgerBackend::kRedis: {
      std::string journal = budget.journal_path;
      if (journal.empty() && !config.data_dir.empty()) {
        journal = config.data_dir + "/ledger-journal.db";
      }
      return OpenRedisLedger(budget, audit, absl::Now, loop, journal);
    }
    case LedgerBackend::kSqlite:
      if (sqlite_path.empty()) {
        return absl::FailedPreconditionError(
            "budget.backend is sqlite but neither budget.sqlite_path nor "
            "--data_dir is set");
      }
      return OpenSqliteLedger(sqlite_path, budget, audit, absl::Now, loop);
    case LedgerBackend::kAuto:
      if (!sqlite_path.empty()) {
        return OpenSqliteLedger(sqlite_path, budget, audit, absl::Now, loop);
      }
      break;
    case LedgerBackend::kMemory:
      break;
  }
  return std::make_unique<InMemoryLedger>(budget, absl::Now, audit);
}

}  // namespace llmgw
