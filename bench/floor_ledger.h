// FloorLedger: the least a durable spend record can cost, for
// bench/grpc_floor_server --commit. One SQLite file in WAL mode
// (synchronous=NORMAL, exclusive lock: the gateway's own settings), one
// writer thread that takes everything queued, inserts one row per record in
// ONE transaction and then runs each record's `done` on the writer thread.
// No metrics, audit line, budget arithmetic or error mapping: whatever a call
// costs through it is the price of "the reply waits until its charge is
// committed, and the commit is off the event loop", not of the gateway's
// code. See docs/benchmarks.md, "What bounds the 1-in-flight latency".
#ifndef LLMGW_BENCH_FLOOR_LEDGER_H_
#define LLMGW_BENCH_FLOOR_LEDGER_H_

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmgw::bench {

class FloorLedger {
 public:
  // Opens (creating) `path`; nullptr with a message on stderr on failure.
  // `autocheckpoint` false turns SQLite's WAL auto-checkpoint off and
  // checkpoints from a second thread instead (PASSIVE, every 1,000 commits'
  // worth of frames), so no commit waits for a checkpoint's fsyncs; the
  // writer catches up every 4,000 so that the log starts over (the
  // gateway's scheme, budget/sqlite_writer.h).
  static std::unique_ptr<FloorLedger> Open(const std::string& path,
                                           bool autocheckpoint);
  ~FloorLedger();

  // Queues one charge; `done` runs on the writer thread once it is committed.
  void Commit(int64_t cost_nano_usd, std::function<void()> done);

 private:
  FloorLedger() = default;
  void Run();
  void RunCheckpoints();

  sqlite3* db_ = nullptr;
  sqlite3* checkpoint_db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;             // the writer's
  std::condition_variable checkpoint_cv_;  // the checkpointer's
  std::vector<std::pair<int64_t, std::function<void()>>> queue_;
  int64_t commits_since_checkpoint_ = 0;
  int64_t commits_since_restart_ = 0;  // writer thread only
  bool stopping_ = false;
  std::thread writer_;
  std::thread checkpointer_;
};

}  // namespace llmgw::bench

#endif  // LLMGW_BENCH_FLOOR_LEDGER_H_
