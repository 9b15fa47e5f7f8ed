#ifndef LLMGW_CONFIG_BUDGET_CONFIG_H_
#define LLMGW_CONFIG_BUDGET_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "config/env_lookup.h"

namespace llmgw {

// Where spend is recorded.
enum class LedgerBackend {
  // SQLite under data_dir when a data_dir is set, else in memory.
  kAuto,
  // Process-local, lost on restart (tests, throw-away runs).
  kMemory,
  // Durable: embedded SQLite database (WAL), one gateway process per file.
  kSqlite,
  // Shared: one redis-server holds the budget of every replica.
  kRedis,
};

// A price in integer nano-USD per million tokens.
struct TokenPrice {
  int64_t input_nano_usd_per_million = 0;
  int64_t output_nano_usd_per_million = 0;
};

// Budget settings (names as in the reference documents).
//
// YAML (every key optional):
//   budget:
//     hourly_budget: 1.00              # USD per window; 0 = unlimited
//     hard_safety_cap: 10.00           # USD across all windows; 0 = none
//     reservation_timeout_seconds: 30  # beyond the call's deadline
//     allow_overage_percent: 10
//     window_seconds: 3600
//     default_max_output_tokens: 4096
//     scope_budgets:                   # USD per window, per scope
//       "client:batch-jobs": 0.25
//       "provider:openai": 0.50
//       "model:gpt-4o": 0.10
//     default_price:                   # models missing from every catalog;
//       input_usd_per_million: 15      #   "none" refuses them instead
//       output_usd_per_million: 75
//     model_prices:                    # explicit prices for uncatalogued
//       "local": {input_usd_per_million: 0, output_usd_per_million: 0}
//       "fireworks/my-model": {input_usd_per_million: 0.2,
//                              output_usd_per_million: 0.2}
//     backend: auto                    # auto | memory | sqlite | redis
//     sqlite_path: /var/lib/llmgw/ledger.db   # default <data_dir>/ledger.db
//     sqlite_synchronous: normal       # normal | full
//     redis_address: 127.0.0.1:6379
//     redis_key_prefix: llmgw:budget
//     redis_timeout_ms: 1000           # per Redis command, then UNAVAILABLE
//     redis_fail_open: false           # admit calls while Redis is down
//     journal_path: /var/lib/llmgw/ledger-journal.db  # default
//                                      #   <data_dir>/ledger-journal.db
struct BudgetConfig {
  // Limit per window in nano-USD; 0 = unlimited.
  int64_t hourly_budget_nano_usd = 0;
  // Cap across all windows; 0 = none.
  int64_t hard_safety_cap_nano_usd = 0;
  absl::Duration reservation_timeout = absl::Seconds(30);
  int allow_overage_percent = 0;
  absl::Duration window = absl::Hours(1);
  // Output tokens reserved for a call that does not set max_tokens and whose
  // model has no known max_output_tokens.
  int64_t default_max_output_tokens = 4096;

  // Limits per window of the optional scopes, keyed "client:<id>",
  // "provider:<name>" or "model:<name>", in nano-USD (0 = unlimited).
  std::map<std::string, int64_t> scope_budgets;

  // Price of a model that no catalog prices and `model_prices` does not
  // name. Deliberately expensive (USD 15 / 75 per million) so an unknown
  // model is never free; nullopt ("none") refuses such models instead.
  std::optional<TokenPrice> default_price =
      TokenPrice{15'000'000'000, 75'000'000'000};
  // Explicit prices for uncatalogued models, keyed "<provider>/<model>" or
  // "<provider>" (every uncatalogued model of that provider).
  std::map<std::string, TokenPrice> model_prices;

  LedgerBackend backend = LedgerBackend::kAuto;
  // "" = <data_dir>/ledger.db
  std::string sqlite_path;
  // synchronous=FULL fsyncs every commit (survives power loss); NORMAL
  // survives a process crash and costs tens of microseconds.
  bool sqlite_synchronous_full = false;
  // host:port of the shared redis-server.
  std::string redis_address = "127.0.0.1:6379";
  std::string redis_key_prefix = "llmgw:budget";
  // Longest wait for one Redis reply; then the operation fails UNAVAILABLE
  // (LEDGER_UNAVAILABLE) and the connection is re-established.
  absl::Duration redis_timeout = absl::Seconds(1);
  // false (default, fail closed): while Redis is unreachable new calls fail
  // UNAVAILABLE. true: they are admitted without a shared reservation and
  // their charge is journaled and replayed once Redis is back (spend may
  // then exceed the limit by what was admitted meanwhile).
  bool redis_fail_open = false;
  // Durable journal of commits Redis did not take ("" = <data_dir>/
  // ledger-journal.db; without a data_dir they are kept in memory only).
  std::string journal_path;
};

// Whether two budget sections enforce the same thing, field by field (a
// reload keeps the ledger only when they do). Lists every field of
// BudgetConfig, including the Redis timeout, fail-open mode and journal path.
bool SameBudgetSettings(const BudgetConfig& a, const BudgetConfig& b);

// Whether two budget sections keep their spend in the same store, the same
// way: backend, SQLite path and synchronous mode, journal path, window, and
// the Redis address, key prefix, timeout and fail-open mode. Sections that
// differ only in limits (hourly_budget, scope_budgets, hard_safety_cap,
// allow_overage_percent), prices, default_max_output_tokens or
// reservation_timeout can share one ledger (SpendLedger::UpdateBudget).
bool SameLedgerStore(const BudgetConfig& a, const BudgetConfig& b);

// Whether two budget sections set the same limits: hourly_budget,
// hard_safety_cap, allow_overage_percent and scope_budgets.
bool SameBudgetLimits(const BudgetConfig& a, const BudgetConfig& b);

// Parses the `budget:` section of the YAML file.
absl::Status ParseBudgetSection(const YAML::Node& node, BudgetConfig& budget);

// LLMGW_HOURLY_BUDGET, LLMGW_HARD_SAFETY_CAP (USD, exact decimals),
// LLMGW_BUDGET_BACKEND (memory | sqlite | redis), LLMGW_BUDGET_REDIS
// (host:port; implies the redis backend when LLMGW_BUDGET_BACKEND is unset),
// LLMGW_BUDGET_REDIS_FAIL_OPEN (true | false).
absl::Status ApplyBudgetEnvironment(const EnvLookup& env, BudgetConfig& budget);

}  // namespace llmgw

#endif  // LLMGW_CONFIG_BUDGET_CONFIG_H_
