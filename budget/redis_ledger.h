#ifndef LLMGW_BUDGET_REDIS_LEDGER_H_
#define LLMGW_BUDGET_REDIS_LEDGER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_log.h"
#include "budget/spend_ledger.h"
#include "config/budget_config.h"

namespace llmgw {

// The shared ledger: every replica's reservations and spend live in one
// redis-server, and Reserve / Commit / Release / Snapshot are each one Lua
// script, so a reservation over several scopes is atomic across replicas and
// N replicas enforce one budget exactly. Expired reservations are released
// by whichever replica runs the next script. Keys are under
// budget.redis_key_prefix; window spend keys expire two windows after their
// window. Amounts are integers in Redis (INCRBY); the Lua comparisons are
// exact up to 2^53 nano-USD (about USD 9 million per scope and window).
//
// Fails closed: when Redis cannot be reached, Reserve is UNAVAILABLE (no call
// starts without a reservation). A Commit that cannot reach Redis returns
// UNAVAILABLE and is audited ("commit_failed", with the amount).
//
// Calls are synchronous (one loopback round trip each, measured in
// docs/budget.md), serialized over one connection; reconnects on error.
absl::StatusOr<std::unique_ptr<SpendLedger>> OpenRedisLedger(
    const BudgetConfig& config, AuditLog* audit,
    std::function<absl::Time()> clock = absl::Now);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_REDIS_LEDGER_H_
