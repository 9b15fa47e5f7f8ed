#include "bench/floor_ledger.h"

#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace llmgw::bench {
namespace {

constexpr int64_t kCommitsPerCheckpoint = 1000;

bool Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK) {
    return true;
  }
  std::fprintf(stderr, "floor ledger: %s: %s\n", sql, sqlite3_errmsg(db));
  return false;
}

bool Step(sqlite3_stmt* stmt) {
  const int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  return rc == SQLITE_DONE;
}

}  // namespace

std::unique_ptr<FloorLedger> FloorLedger::Open(const std::string& path,
                                               bool autocheckpoint) {
  std::unique_ptr<FloorLedger> l(new FloorLedger());
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  // "unix-excl", as the gateway's writer: one whole-file lock for the
  // process, the WAL index in heap memory shared by its connections.
  if (sqlite3_open_v2(path.c_str(), &l->db_, flags, "unix-excl") != SQLITE_OK) {
    std::fprintf(stderr, "floor ledger: cannot open %s\n", path.c_str());
    return nullptr;
  }
  sqlite3_busy_timeout(l->db_, 2000);
  if ((!autocheckpoint && !Exec(l->db_, "PRAGMA wal_autocheckpoint=0")) ||
      !Exec(l->db_, "PRAGMA journal_mode=WAL") ||
      !Exec(l->db_, "PRAGMA synchronous=NORMAL") ||
      !Exec(l->db_,
            "CREATE TABLE IF NOT EXISTS charges (id INTEGER PRIMARY KEY,"
            " at_ms INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT"
            " NULL, client TEXT NOT NULL, cost_nano_usd INTEGER NOT NULL)")) {
    return nullptr;
  }
  if (sqlite3_prepare_v2(l->db_, "BEGIN IMMEDIATE", -1, &l->begin_, nullptr) ||
      sqlite3_prepare_v2(l->db_,
                         "INSERT INTO charges (at_ms, provider, model, client,"
                         " cost_nano_usd) VALUES (0, 'openai', 'gpt-4o-mini',"
                         " '', ?1)",
                         -1, &l->insert_, nullptr) ||
      sqlite3_prepare_v2(l->db_, "COMMIT", -1, &l->commit_, nullptr)) {
    std::fprintf(stderr, "floor ledger: %s\n", sqlite3_errmsg(l->db_));
    return nullptr;
  }
  if (!autocheckpoint) {
    if (sqlite3_open_v2(path.c_str(), &l->checkpoint_db_, flags, "unix-excl") !=
        SQLITE_OK) {
      std::fprintf(stderr, "floor ledger: cannot open %s\n", path.c_str());
      return nullptr;
    }
    sqlite3_busy_timeout(l->checkpoint_db_, 2000);
    FloorLedger* raw = l.get();
    l->checkpointer_ = std::thread([raw] { raw->RunCheckpoints(); });
    pthread_setname_np(l->checkpointer_.native_handle(), "floor-ckpt");
  }
  FloorLedger* raw = l.get();
  l->writer_ = std::thread([raw] { raw->Run(); });
  pthread_setname_np(l->writer_.native_handle(), "floor-sqlite");
  return l;
}

FloorLedger::~FloorLedger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  checkpoint_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (checkpointer_.joinable()) checkpointer_.join();
  for (sqlite3_stmt* stmt : {begin_, insert_, commit_}) sqlite3_finalize(stmt);
  sqlite3_close_v2(checkpoint_db_);
  sqlite3_close_v2(db_);
}

void FloorLedger::Commit(int64_t cost_nano_usd, std::function<void()> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace_back(cost_nano_usd, std::move(done));
  }
  cv_.notify_one();
}

void FloorLedger::Run() {
  std::vector<std::pair<int64_t, std::function<void()>>> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch.swap(queue_);
    }
    bool ok = Step(begin_);
    for (const auto& [cost, done] : batch) {
      sqlite3_bind_int64(insert_, 1, cost);
      ok = ok && Step(insert_);
    }
    if (!ok || !Step(commit_)) {
      std::fprintf(stderr, "floor ledger: commit: %s\n", sqlite3_errmsg(db_));
      std::abort();
    }
    for (auto& [cost, done] : batch) done();
    batch.clear();
    // As the gateway's writer: past kRestartFrames, checkpoint the rest here
    // so that the next transaction starts the log over (a PASSIVE
    // checkpoint alone never resets a log that keeps growing).
    if (checkpoint_db_ != nullptr && ++commits_since_restart_ >= 4000 &&
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                  nullptr, nullptr) == SQLITE_OK) {
      commits_since_restart_ = 0;
    }
    if (checkpoint_db_ != nullptr) {
      bool wake = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        wake = ++commits_since_checkpoint_ >= kCommitsPerCheckpoint;
      }
      if (wake) checkpoint_cv_.notify_one();
    }
  }
}

void FloorLedger::RunCheckpoints() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      checkpoint_cv_.wait(lock, [this] {
        return stopping_ || commits_since_checkpoint_ >= kCommitsPerCheckpoint;
      });
      if (stopping_) return;
      commits_since_checkpoint_ = 0;
    }
    sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr,
                              SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
}

}  // namespace llmgw::bench
