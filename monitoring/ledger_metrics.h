#ifndef LLMGW_MONITORING_LEDGER_METRICS_H_
#define LLMGW_MONITORING_LEDGER_METRICS_H_

#include <memory>
#include <string>

#include "budget/spend_ledger.h"
#include "config/gateway_config.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace llmgw {

// "memory", "sqlite" or "redis": the backend CreateSpendLedger picks for
// `config` (the `backend` label of the ledger metrics).
std::string LedgerBackendLabel(const GatewayConfig& config);

// Wraps `ledger` so that every operation is timed and counted:
//   llmgw_ledger_operation_duration_seconds{backend, operation}   histogram
//   llmgw_ledger_operations_total{backend, operation, result}     counter
// operation: reserve, commit, release, snapshot, and for the sqlite backend
// checkpoint (a WAL checkpoint on its own thread: commits do not wait) and
// wal_restart (the writer's catch-up checkpoint that lets the log start
// over: commits queued meanwhile wait for it); result: ok, refused
// (RESOURCE_EXHAUSTED: the budget said no), unavailable (the ledger could
// not be reached), error (anything else). Every series exists from the
// start. The wrapper adds two clock reads and two cached-child updates per
// operation. `registry` must outlive the result.
std::unique_ptr<SpendLedger> InstrumentLedger(
    std::unique_ptr<SpendLedger> ledger, const std::string& backend,
    prometheus::Registry& registry);

}  // namespace llmgw

#endif  // LLMGW_MONITORING_LEDGER_METRICS_H_
