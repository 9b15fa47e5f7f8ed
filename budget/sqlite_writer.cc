#include "budget/sqlite_writer.h"

#include <pthread.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

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
    const char* thread_name) {
  std::unique_ptr<SqliteWriter> w(new SqliteWriter());
  w->path_ = path;
  if (sqlite3_open_v2(
          path.c_str(), &w->db_,
          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
          nullptr) != SQLITE_OK) {
    return w->Error("open");
  }
  sqlite3_busy_timeout(w->db_, 2000);
  // EXCLUSIVE: the file lock is taken once, here, and held until close, so
  // a second process opening the same file fails at start (kHeldElsewhere)
  // instead of both counting spend the other cannot see; it also spares
  // every transaction its fcntl lock calls and keeps the WAL index in heap
  // memory rather than a shared-memory file.
  for (const std::string& sql :
       {std::string("PRAGMA locking_mode=EXCLUSIVE;"),
        std::string("PRAGMA journal_mode=WAL;"),
        absl::StrCat(
            "PRAGMA synchronous=", synchronous_full ? "FULL" : "NORMAL", ";"),
        schema}) {
    if (sqlite3_exec(w->db_, sql.c_str(), nullptr, nullptr, nullptr) !=
        SQLITE_OK) {
      return w->Error("initialise");
    }
  }
  if (sqlite3_prepare_v2(w->db_, "BEGIN IMMEDIATE", -1, &w->begin_, nullptr) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(w->db_, "COMMIT", -1, &w->commit_, nullptr) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(w->db_, "ROLLBACK", -1, &w->rollback_, nullptr) !=
          SQLITE_OK) {
    return w->Error("prepare statements for");
  }
  SqliteWriter* raw = w.get();
  w->thread_ = std::thread([raw] { raw->Run(); });
  pthread_setname_np(w->thread_.native_handle(), thread_name);
  return w;
}

SqliteWriter::~SqliteWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  for (sqlite3_stmt* stmt : {begin_, commit_, rollback_}) {
    sqlite3_finalize(stmt);  // null is a no-op
  }
  if (db_ != nullptr) sqlite3_close_v2(db_);
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
}

}  // namespace llmgw
