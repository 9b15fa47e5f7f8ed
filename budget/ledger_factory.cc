#include "budget/ledger_factory.h"

#include "budget/in_memory_ledger.h"
#include "budget/redis_ledger.h"
#include "budget/sqlite_ledger.h"

namespace llmgw {

absl::StatusOr<std::unique_ptr<SpendLedger>> CreateSpendLedger(
    const GatewayConfig& config, AuditLog* audit) {
  const BudgetConfig& budget = config.budget;
  std::string sqlite_path = budget.sqlite_path;
  if (sqlite_path.empty() && !config.data_dir.empty()) {
    sqlite_path = config.data_dir + "/ledger.db";
  }
  switch (budget.backend) {
    case LedgerBackend::kRedis:
      return OpenRedisLedger(budget, audit);
    case LedgerBackend::kSqlite:
      if (sqlite_path.empty()) {
        return absl::FailedPreconditionError(
            "budget.backend is sqlite but neither budget.sqlite_path nor "
            "--data_dir is set");
      }
      return OpenSqliteLedger(sqlite_path, budget, audit);
    case LedgerBackend::kAuto:
      if (!sqlite_path.empty()) {
        return OpenSqliteLedger(sqlite_path, budget, audit);
      }
      break;
    case LedgerBackend::kMemory:
      break;
  }
  return std::make_unique<InMemoryLedger>(budget, absl::Now, audit);
}

}  // namespace llmgw
