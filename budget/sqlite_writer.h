#ifndef LLMGW_BUDGET_SQLITE_WRITER_H_
#define LLMGW_BUDGET_SQLITE_WRITER_H_

#include <sqlite3.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace llmgw {

// One SQLite database written by one dedicated thread with group commit.
//
// Submit() queues a write from any thread and returns at once. The writer
// thread takes everything queued (up to kMaxBatch operations), runs it in
// ONE transaction (BEGIN IMMEDIATE ... COMMIT) and only then calls each
// operation's `done`, on the writer thread. So a done(OK) means the write is
// committed (WAL; synchronous=NORMAL survives a process crash, FULL also
// power loss), and N writes arriving together cost one commit, not N. The
// thread waits on a condition variable when idle; it never runs on the
// event loop and the event loop never waits on it.
class SqliteWriter {
 public:
  // Runs on the writer thread inside the batch's transaction. An error
  // fails this operation only (its statement is rolled back by SQLite).
  using Op = absl::AnyInvocable<absl::Status(sqlite3* db)>;
  using Done = absl::AnyInvocable<void(absl::Status)>;
  static constexpr size_t kMaxBatch = 1024;
  // Why a file another process has open cannot be used (the error of Open
  // then is FAILED_PRECONDITION and names the path).
  static constexpr char kHeldElsewhere[] =
      "one gateway process per SQLite ledger file: stop the other process, "
      "or give each its own --data_dir; replicas share budgets through the "
      "redis backend";

  struct Stats {
    int64_t operations = 0;
    int64_t transactions = 0;
  };

  // Opens (creating) `path` in WAL mode with the given synchronous level and
  // an exclusive lock held until destruction, runs `schema`, and starts the
  // thread named `thread_name`. FAILED_PRECONDITION (after a 2 s wait) when
  // another process holds the file.
  static absl::StatusOr<std::unique_ptr<SqliteWriter>> Open(
      const std::string& path, bool synchronous_full, const std::string& schema,
      const char* thread_name);
  // Finishes every queued operation, then joins the thread.
  ~SqliteWriter();

  // Queues `op`; `done` runs on the writer thread once its transaction
  // committed (or failed). Thread-safe.
  void Submit(Op op, Done done);

  // For reads at start-up, before the first Submit (the connection is
  // serialized, so later reads are safe too, but they wait for the writer).
  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  Stats stats() const;

  // "cannot <what> the SQLite ledger <path>: <sqlite error>; check ..."
  absl::Status Error(absl::string_view what) const;

 private:
  SqliteWriter() = default;
  void Run();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  }
  void RunBatch(std::deque<std::pair<Op, Done>>& batch);

  sqlite3* db_ = nullptr;
  // BEGIN IMMEDIATE / COMMIT / ROLLBACK, prepared once (writer thread only).
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  std::string path_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::deque<std::pair<Op, Done>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_SQLITE_WRITER_H_
