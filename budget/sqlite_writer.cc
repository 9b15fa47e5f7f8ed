#include "budget/sqlite_writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/json_log.h"

namespace llmgw {
namespace {

// One statement, reset for its next use whatever the outcome.
bool Step(sqlite3_stmt* stmt) {
  const int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  return rc == SQLITE_DONE;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteWriter>> SqliteWriter::Open(
    const std::string& path, bool synchronous_full, const std::string& schema,
    const char* thread_name, const char* checkpoint_thread_name) {
  std::unique_ptr<SqliteWriter> w(new SqliteWriter());
  w->path_ = path;
  // The flock comes first, so a second process is refused at once, before
  // SQLite touches the file. Both connections then use SQLite's "unix-excl"
  // VFS: the first takes a whole-file fcntl lock for the process and keeps
  // it until the last one closes, so transactions make no lock calls and the
  // WAL index lives in heap memory shared by the two connections (no -shm
  // file); other processes cannot open the file meanwhile. flock and fcntl
  // locks do not interact, and this descriptor stays open until both
  // connections are closed (closing any descriptor of a file drops the
  // process's fcntl locks on it).
  w->lock_fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (w->lock_fd_ < 0) {
    return absl::InternalError(absl::StrCat("cannot open the SQLite ledger ",
                                            path, ": ", std::strerror(errno),
                                            "; check budget.sqlite_path / "
                                            "--data_dir"));
  }
  if (flock(w->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot initialise the SQLite ledger ", path,
                     ": another process holds it (", kHeldElsewhere, ")"));
  }
  for (sqlite3** db : {&w->db_, &w->checkpoint_db_}) {
    if (sqlite3_open_v2(
            path.c_str(), db,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
            "unix-excl") != SQLITE_OK) {
      return w->Error("open");
    }
    sqlite3_busy_timeout(*db, 2000);
  }
  if (absl::Status s = w->Initialise(synchronous_full, schema); !s.ok()) {
    return s;
  }
  SqliteWriter* raw = w.get();
  w->thread_ = std::thread([raw] { raw->Run(); });
  pthread_setname_np(w->thread_.native_handle(), thread_name);
  w->checkpointer_ = std::thread([raw] { raw->RunCheckpoints(); });
  pthread_setname_np(w->checkpointer_.native_handle(), checkpoint_thread_name);
  return w;
}

absl::Status SqliteWriter::Initialise(bool synchronous_full,
                                      const std::string& schema) {
  const std::string synchronous = absl::StrCat(
      "PRAGMA synchronous=", synchronous_full ? "FULL" : "NORMAL", ";");
  for (const std::string& sql :
       {std::string("PRAGMA journal_mode=WAL;"), synchronous, schema}) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) !=
        SQLITE_OK) {
      return Error("initialise");
    }
  }
  // The checkpointer's fsyncs follow its own connection's setting.
  if (sqlite3_exec(checkpoint_db_, synchronous.c_str(), nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    return Error("initialise");
  }
  // Replaces SQLite's auto-checkpoint (which is itself a WAL hook).
  sqlite3_wal_hook(db_, &SqliteWriter::OnWalCommit, this);
  if (sqlite3_prepare_v2(db_, "BEGIN IMMEDIATE", -1, &begin_, nullptr) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(db_, "COMMIT", -1, &commit_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, "ROLLBACK", -1, &rollback_, nullptr) !=
          SQLITE_OK) {
    return Error("prepare statements for");
  }
  return absl::OkStatus();
}

SqliteWriter::~SqliteWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (checkpointer_.joinable()) checkpointer_.join();
  if (thread_.joinable()) thread_.join();
  for (sqlite3_stmt* stmt : {begin_, commit_, rollback_}) {
    sqlite3_finalize(stmt);  // null is a no-op
  }
  // The last connection to close checkpoints the whole log and removes it.
  if (checkpoint_db_ != nullptr) sqlite3_close_v2(checkpoint_db_);
  if (db_ != nullptr) sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) close(lock_fd_);
}

void SqliteWriter::Submit(Op op, Done done) {
  absl::MutexLock lock(&mu_);
  queue_.emplace_back(std::move(op), std::move(done));
}

SqliteWriter::Stats SqliteWriter::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

absl::Status SqliteWriter::Error(absl::string_view what) const {
  if (db_ != nullptr && (sqlite3_errcode(db_) == SQLITE_BUSY ||
                         sqlite3_errcode(db_) == SQLITE_LOCKED)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", what, " the SQLite ledger ", path_,
                     ": another process holds it (", kHeldElsewhere, ")"));
  }
  return absl::InternalError(
      absl::StrCat("cannot ", what, " the SQLite ledger ", path_, ": ",
                   db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory",
                   "; check budget.sqlite_path / --data_dir"));
}

void SqliteWriter::Run() {
  for (;;) {
    std::deque<std::pair<Op, Done>> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SqliteWriter::HasWork));
      if (queue_.empty()) return;  // stopping, nothing left
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stats_.operations += static_cast<int64_t>(batch.size());
      stats_.transactions += 1;
    }
    RunBatch(batch);
  }
}

void SqliteWriter::RunBatch(std::deque<std::pair<Op, Done>>& batch) {
  std::vector<absl::Status> results;
  results.reserve(batch.size());
  absl::Status txn;
  if (!Step(begin_)) txn = Error("begin a transaction in");
  for (auto& [op, done] : batch) {
    results.push_back(txn.ok() ? op(db_) : txn);
  }
  if (txn.ok() && !Step(commit_)) {
    txn = Error("commit a transaction in");
    Step(rollback_);
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].second(txn.ok() ? std::move(results[i]) : txn);
  }
  if (restart_due_) CatchUp();
}

void SqliteWriter::CatchUp() {
  if (frames_ >= kMaxFrames) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &SqliteWriter::CheckpointerIdle));
  }
  // Copies what the checkpointer has not (SQLITE_BUSY while it is at it:
  // then after the next batch), so the next transaction restarts the log.
  // Commits that arrive meanwhile wait; this batch's did not.
  restart_due_ = !Checkpoint(db_, /*on_writer=*/true);
}

int SqliteWriter::OnWalCommit(void* self, sqlite3*, const char*, int frames) {
  auto* w = static_cast<SqliteWriter*>(self);
  w->frames_ = frames;
  if (frames < w->wake_mark_) w->wake_mark_ = 0;  // the log started over
  if (frames >= kRestartFrames) {
    // After this batch's callbacks (RunBatch). The checkpointer is not
    // woken again meanwhile: the writer's catch-up gets SQLITE_BUSY while it
    // runs, so the log outgrows kRestartFrames by at most what is committed
    // during the checkpointer's current run.
    w->restart_due_ = true;
  } else if (frames >= w->wake_mark_ + kCheckpointFrames) {
    w->wake_mark_ = frames;
    absl::MutexLock lock(&w->mu_);
    w->checkpoint_wanted_ = true;
  }
  return SQLITE_OK;
}

void SqliteWriter::RunCheckpoints() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SqliteWriter::CheckpointWanted));
      if (stopping_) return;
      checkpoint_wanted_ = false;
      checkpointing_ = true;
    }
    Checkpoint(checkpoint_db_, /*on_writer=*/false);
    absl::MutexLock lock(&mu_);
    checkpointing_ = false;
  }
}

bool SqliteWriter::Checkpoint(sqlite3* db, bool on_writer) {
  const absl::Time start = absl::Now();
  const int rc = sqlite3_wal_checkpoint_v2(
      db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_BUSY) return false;  // the other one is checkpointing
  const bool ok = rc == SQLITE_OK;
  {
    absl::MutexLock lock(&mu_);
    ++(on_writer ? stats_.restarts : stats_.checkpoints);
  }
  if (!ok) {
    LogWarning("ledger_checkpoint_failed",
               {{"path", path_}, {"error", sqlite3_errstr(rc)}});
  }
  if (checkpoint_observer_) {
    checkpoint_observer_(on_writer, absl::Now() - start, ok);
  }
  return ok;
}

}  // namespace llmgw
