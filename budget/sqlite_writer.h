#ifndef LLMGW_BUDGET_SQLITE_WRITER_H_
#define LLMGW_BUDGET_SQLITE_WRITER_H_

#include <sqlite3.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

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
//
// WAL checkpoints (copying the log back into the database file, with an
// fsync of each) run on a second thread and connection, so commits do not
// wait for them: SQLite's own auto-checkpoint would run them on the writer,
// after the commit that crosses 1,000 frames, and every call whose charge is
// in the next batch would wait for two fsyncs. The checkpointer is woken
// every kCheckpointFrames frames and checkpoints PASSIVE (never blocking the
// writer). A PASSIVE checkpoint cannot reset a log that is still growing, so
// once the log holds kRestartFrames frames the writer itself checkpoints the
// few frames the checkpointer has not copied yet, and its next transaction
// starts the log over: the log stays under ~kRestartFrames pages (~16 MiB).
//
// One process per file: an flock(2) on the database file is taken before
// SQLite opens it and held until after it is closed, and SQLite's
// "unix-excl" VFS holds a whole-file lock for the process (which also spares
// every transaction its lock calls).
class SqliteWriter {
 public:
  // Runs on the writer thread inside the batch's transaction. An error
  // fails this operation only (its statement is rolled back by SQLite).
  using Op = absl::AnyInvocable<absl::Status(sqlite3* db)>;
  using Done = absl::AnyInvocable<void(absl::Status)>;
  static constexpr size_t kMaxBatch = 1024;
  // WAL frames (pages) between two wake-ups of the checkpointer thread.
  static constexpr int kCheckpointFrames = 1000;
  // WAL frames at which the writer checkpoints the rest itself, so that the
  // log starts over.
  static constexpr int kRestartFrames = 4000;
  // WAL frames at which the writer, finding the checkpointer still at work
  // (an fsync that takes seconds), waits for it before committing more: the
  // log never grows much past ~64 MiB.
  static constexpr int kMaxFrames = 16000;
  // Why a file another process has open cannot be used (the error of Open
  // then is FAILED_PRECONDITION and names the path).
  static constexpr char kHeldElsewhere[] =
      "one gateway process per SQLite ledger file: stop the other process, "
      "or give each its own --data_dir; replicas share budgets through the "
      "redis backend";

  struct Stats {
    int64_t operations = 0;
    int64_t transactions = 0;
    int64_t checkpoints = 0;  // by the checkpointer thread
    int64_t restarts = 0;     // catch-up checkpoints by the writer
  };
  // How long one checkpoint took: `on_writer` for the writer's catch-up
  // (commits queued meanwhile waited for it), else the checkpointer's.
  // Runs on the thread that checkpointed; must be cheap and thread-safe.
  using CheckpointObserver =
      std::function<void(bool on_writer, absl::Duration took, bool ok)>;

  // Opens (creating) `path` in WAL mode with the given synchronous level and
  // an exclusive flock held until destruction, runs `schema`, and starts the
  // writer thread `thread_name` and the checkpointer `checkpoint_thread_name`
  // (at most 15 characters each). FAILED_PRECONDITION at once when another
  // process holds the file.
  static absl::StatusOr<std::unique_ptr<SqliteWriter>> Open(
      const std::string& path, bool synchronous_full, const std::string& schema,
      const char* thread_name, const char* checkpoint_thread_name);
  // Finishes every queued operation, then joins the thread.
  ~SqliteWriter();

  // Queues `op`; `done` runs on the writer thread once its transaction
  // committed (or failed). Thread-safe.
  void Submit(Op op, Done done);

  // Installs the observer of checkpoint durations; call before the first
  // Submit.
  void set_checkpoint_observer(CheckpointObserver observer) {
    checkpoint_observer_ = std::move(observer);
  }

  // For reads at start-up, before the first Submit (the connection is
  // serialized, so later reads are safe too, but they wait for the writer).
  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  Stats stats() const;

  // "cannot <what> the SQLite ledger <path>: <sqlite error>; check ..."
  absl::Status Error(absl::string_view what) const;

 private:
  SqliteWriter() = default;
  absl::Status Initialise(bool synchronous_full, const std::string& schema);
  void Run();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  }
  bool CheckpointWanted() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || checkpoint_wanted_;
  }
  bool CheckpointerIdle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !checkpointing_;
  }
  // After a batch whose commit brought the log to kRestartFrames.
  void CatchUp();
  void RunBatch(std::deque<std::pair<Op, Done>>& batch);
  // sqlite3_wal_hook: runs on the writer thread after each commit, with the
  // number of frames in the log.
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);
  void RunCheckpoints();
  // One PASSIVE checkpoint on `db`; reports it to the observer.
  bool Checkpoint(sqlite3* db, bool on_writer);

  int lock_fd_ = -1;  // flock(2)ed; closed after both connections
  sqlite3* db_ = nullptr;
  sqlite3* checkpoint_db_ = nullptr;  // the checkpointer thread's
  int wake_mark_ = 0;                 // frames at the last wake (writer only)
  bool restart_due_ = false;  // the log reached kRestartFrames (writer only)
  int frames_ = 0;            // frames in the log (writer only)
  CheckpointObserver checkpoint_observer_;
  std::thread checkpointer_;
  // BEGIN IMMEDIATE / COMMIT / ROLLBACK, prepared once (writer thread only).
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  std::string path_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::deque<std::pair<Op, Done>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool checkpoint_wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool checkpointing_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_SQLITE_WRITER_H_
