#include "budget/sqlite_ledger.h"

#include <sqlite3.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "budget/sqlite_writer.h"
#include "common/money.h"

namespace llmgw {
namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS charges ("
    "  id INTEGER PRIMARY KEY,"
    "  at_ms INTEGER NOT NULL,"
    "  provider TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  client TEXT NOT NULL,"
    "  cost_nano_usd INTEGER NOT NULL);"
    // Nothing queries by time (start-up sums the whole table), so earlier
    // versions' index only cost every commit a second B-tree insert.
    "DROP INDEX IF EXISTS charges_at;";

// Every charge, aggregated per provider/model/client and per "in the window
// starting at `window_start`" or not.
absl::StatusOr<std::vector<ChargeRecord>> LoadCharges(
    const SqliteWriter& writer, absl::Time window_start) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(
          writer.db(),
          "SELECT at_ms >= ?1, provider, model, client, SUM(cost_nano_usd),"
          " COUNT(*) FROM charges GROUP BY 1, 2, 3, 4",
          -1, &stmt, nullptr) != SQLITE_OK) {
    return writer.Error("read");
  }
  sqlite3_bind_int64(stmt, 1, absl::ToUnixMillis(window_start));
  std::vector<ChargeRecord> out;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    ChargeRecord r;
    const bool current = sqlite3_column_int64(stmt, 0) != 0;
    r.window_start = current ? window_start : absl::UnixEpoch();
    r.at = r.window_start;
    auto text = [stmt](int col) {
      const unsigned char* t = sqlite3_column_text(stmt, col);
      return std::string(t == nullptr ? "" : reinterpret_cast<const char*>(t),
                         sqlite3_column_bytes(stmt, col));
    };
    r.provider = text(1);
    r.model = text(2);
    r.client_id = text(3);
    r.cost_nano_usd = sqlite3_column_int64(stmt, 4);
    r.calls = sqlite3_column_int64(stmt, 5);
    out.push_back(std::move(r));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return writer.Error("read");
  return out;
}

// An InMemoryLedger (reservations, limits, the Budget RPC's figures: all in
// memory, under a mutex never held across I/O) whose commits are appended to
// the `charges` table by the writer thread, in group commits.
class SqliteLedger : public SpendLedger {
 public:
  SqliteLedger(std::unique_ptr<SqliteWriter> writer, const BudgetConfig& config,
               AuditLog* audit, InMemoryLedger::Clock clock,
               http::EventLoop* loop)
      : writer_(std::move(writer)),
        audit_(audit),
        loop_(loop),
        clock_(clock),
        ledger_(config, std::move(clock), audit, nullptr) {}
  ~SqliteLedger() override {
    // Drains the queue first: its callbacks use the members below.
    // (sqlite3_close_v2 then waits for the statement to be finalized.)
    writer_.reset();
    // Commits waiting for their audit line use `this` and `loop_` too:
    // waiters run in order, so once this one ran they all have.
    if (audit_ != nullptr) {
      absl::Notification synced;
      audit_->Sync([&synced] { synced.Notify(); });
      synced.WaitForNotification();
    }
    if (insert_ != nullptr) sqlite3_finalize(insert_);
  }

  absl::Status Init() {
    writer_->set_checkpoint_observer([this](bool on_writer, absl::Duration took,
                                            bool ok) {
      Observe(on_writer ? "wal_restart" : "checkpoint", absl::Now() - took, ok);
    });
    if (sqlite3_prepare_v2(writer_->db(),
                           "INSERT INTO charges(at_ms, provider, model, client,"
                           " cost_nano_usd) VALUES(?,?,?,?,?)",
                           -1, &insert_, nullptr) != SQLITE_OK) {
      return writer_->Error("prepare");
    }
    absl::StatusOr<std::vector<ChargeRecord>> records =
        LoadCharges(*writer_, ledger_.WindowStartFor(clock_()));
    if (!records.ok()) return records.status();
    ledger_.Restore(*records);
    return absl::OkStatus();
  }

  absl::StatusOr<ReservationId> Reserve(const ReserveRequest& r) override {
    return ledger_.Reserve(r);
  }
  absl::Status Commit(const CommitRequest& r) override {
    absl::Notification written;
    absl::Status status;
    Record(r, [&](absl::Status s) {
      status = std::move(s);
      written.Notify();
    });
    written.WaitForNotification();
    return status;
  }
  // CommitAsyncOnAnyThread, with `done` posted from the writer to the loop.
  void CommitAsync(CommitRequest r, CommitDone done) override {
    if (loop_ == nullptr) {
      CommitAsyncOnAnyThread(std::move(r), std::move(done));
      return;
    }
    CommitAsyncOnAnyThread(std::move(r), [loop = loop_, done = std::move(done)](
                                             absl::Status s) mutable {
      loop->Post([done = std::move(done), s = std::move(s)]() mutable {
        done(std::move(s));
      });
    });
  }
  void CommitAsyncOnAnyThread(CommitRequest r, CommitDone done) override {
    const absl::Time start = absl::Now();
    Record(r, [this, start, done = std::move(done)](absl::Status s) mutable {
      Observe("commit", start, s.ok());
      done(std::move(s));
    });
  }
  void Release(ReservationId id) override { ledger_.Release(id); }
  absl::StatusOr<BudgetSnapshot> Snapshot(absl::string_view scope) override {
    return ledger_.Snapshot(scope);
  }
  absl::string_view backend() const override { return "sqlite"; }
  const BudgetConfig& config() const override { return ledger_.config(); }
  // The limits live in the in-memory ledger; the file holds only charges.
  absl::Status UpdateBudget(const BudgetConfig& next) override {
    return ledger_.UpdateBudget(next);
  }

 private:
  // Counts the charge in memory at once, then has the writer thread append
  // it; `written` runs on the writer thread after its transaction.
  void Record(const CommitRequest& r, SqliteWriter::Done written) {
    ChargeRecord record;
    (void)ledger_.CommitRecording(r, &record);
    writer_->Submit(
        [this, record](sqlite3* db) { return Insert(db, record); },
        [this, record, written = std::move(written)](absl::Status s) mutable {
          if (!s.ok()) {
            if (audit_ != nullptr) {
              audit_->Write("budget", {{"event", "commit_not_durable"},
                                       {"provider", record.provider},
                                       {"model", record.model},
                                       {"client", record.client_id},
                                       {"cost_nano_usd", record.cost_nano_usd},
                                       {"reason", std::string(s.message())}});
            }
            s = absl::Status(
                s.code(),
                absl::StrCat("charge of ", FormatUsd(record.cost_nano_usd),
                             " counted but not made durable: ", s.message()));
          }
          // The commit's audit line (queued by CommitRecording) reaches the
          // file before the commit is acknowledged (tests/budget
          // CommittedSpendSurvivesSigkill). Written here, on the writer
          // thread, rather than handed to the audit writer thread: one
          // thread hand-off less per commit batch.
          if (audit_ != nullptr) audit_->WriteQueuedLines();
          written(std::move(s));
        });
  }

  // Writer thread only (the prepared statement is the writer's).
  absl::Status Insert(sqlite3* db, const ChargeRecord& r) {
    sqlite3_reset(insert_);
    sqlite3_bind_int64(insert_, 1, absl::ToUnixMillis(r.at));
    sqlite3_bind_text(insert_, 2, r.provider.data(),
                      static_cast<int>(r.provider.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 3, r.model.data(),
                      static_cast<int>(r.model.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 4, r.client_id.data(),
                      static_cast<int>(r.client_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert_, 5, r.cost_nano_usd);
    if (sqlite3_step(insert_) != SQLITE_DONE) {
      return writer_->Error("record a charge in");
    }
    return absl::OkStatus();
  }

  std::unique_ptr<SqliteWriter> writer_;
  AuditLog* const audit_;
  http::EventLoop* const loop_;
  InMemoryLedger::Clock clock_;
  InMemoryLedger ledger_;
  sqlite3_stmt* insert_ = nullptr;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SpendLedger>> OpenSqliteLedger(
    const std::string& path, const BudgetConfig& config, AuditLog* audit,
    InMemoryLedger::Clock clock, http::EventLoop* loop) {
  absl::StatusOr<std::unique_ptr<SqliteWriter>> writer =
      SqliteWriter::Open(path, config.sqlite_synchronous_full, kSchema,
                         "llmgw-sqlite", "llmgw-ckpt");
  if (!writer.ok()) return writer.status();
  auto ledger = std::make_unique<SqliteLedger>(*std::move(writer), config,
                                               audit, std::move(clock), loop);
  absl::Status initialised = ledger->Init();
  if (!initialised.ok()) return initialised;
  return ledger;
}

}  // namespace llmgw
