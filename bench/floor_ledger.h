// FloorLedger: the least a durable spend record can cost, for
// bench/grpc_floor_server --commit_to. It runs the gateway's own SQLite
// writer (budget/sqlite_writer.h: one writer thread with group commit, WAL
// with synchronous=NORMAL, checkpoints on their own thread) and inserts one
// row per call into the gateway's `charges` table, with no budget
// arithmetic, audit line, metrics or error mapping: what a call costs
// through it is the price of "the reply waits until its charge is
// committed, and the commit is off the event loop", not of the gateway's
// ledger code. See docs/benchmarks.md, "Issue 14, seventh pass".
#ifndef LLMGW_BENCH_FLOOR_LEDGER_H_
#define LLMGW_BENCH_FLOOR_LEDGER_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "budget/sqlite_writer.h"

namespace llmgw::bench {

class FloorLedger {
 public:
  // Opens (creating) `path`; nullptr with a message on stderr on failure.
  static std::unique_ptr<FloorLedger> Open(const std::string& path);
  ~FloorLedger();

  // Queues one charge; `done` runs on the writer thread once it is committed.
  void Commit(int64_t cost_nano_usd, std::function<void()> done);

 private:
  FloorLedger() = default;

  std::unique_ptr<SqliteWriter> writer_;
  sqlite3_stmt* insert_ = nullptr;  // used on the writer thread only
};

}  // namespace llmgw::bench

#endif  // LLMGW_BENCH_FLOOR_LEDGER_H_
