#ifndef LLMGW_BUDGET_REDIS_LEDGER_H_
#define LLMGW_BUDGET_REDIS_LEDGER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_log.h"
#include "budget/spend_ledger.h"
#include "config/budget_config.h"
#include "http/event_loop.h"

namespace llmgw {

// The shared ledger: every replica's reservations and spend live in one
// redis-server, and Reserve / Commit / Release / Snapshot are each one Lua
// script (redis_scripts.h), so a reservation over several scopes is atomic
// across replicas and N replicas enforce one budget exactly. Expired
// reservations are released by whichever replica runs the next script. Keys
// are under budget.redis_key_prefix; window spend keys and settlement
// tombstones expire two windows after their window. Amounts are integers in
// Redis (INCRBY); the Lua comparisons are exact up to 2^53 nano-USD (about
// USD 9 million per scope and window).
//
// Asynchronous: one pipelined hiredis async connection driven by `loop`
// (RedisConnection); nothing blocks a thread on Redis except the start-up
// check (an unreachable Redis fails the start) and the synchronous API
// (tests). Each command has budget.redis_timeout; a command without a reply
// fails UNAVAILABLE (LEDGER_UNAVAILABLE) and the connection is re-made with
// backoff. While Redis is unreachable:
//  - Reserve fails UNAVAILABLE at once or within the timeout (fail closed),
//    or, with budget.redis_fail_open, admits the call without a shared hold;
//  - a Commit is written to the durable journal at `journal_path` (SQLite,
//    FULL sync; "" = memory only) and its callback says OK once journaled;
//    journaled commits are replayed when Redis is back, and by the next
//    process at start. The reservation id is the commit's idempotency key:
//    a replay of a commit that did reach Redis is not counted twice;
//  - a Reserve or Release that got no reply leaves an "orphan" id, released
//    (with a tombstone that makes a late Reserve hold nothing) when Redis is
//    back, so nothing stays held.
// Without `loop` the ledger runs its own loop thread ("llmgw-redis").
absl::StatusOr<std::unique_ptr<SpendLedger>> OpenRedisLedger(
    const BudgetConfig& config, AuditLog* audit,
    std::function<absl::Time()> clock = absl::Now,
    http::EventLoop* loop = nullptr, const std::string& journal_path = "");

}  // namespace llmgw

#endif  // LLMGW_BUDGET_REDIS_LEDGER_H_
