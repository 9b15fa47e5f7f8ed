#include "budget/sqlite_ledger.h"

#include <sqlite3.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

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
    "CREATE INDEX IF NOT EXISTS charges_at ON charges(at_ms);";

class SqliteJournal : public ChargeJournal {
 public:
  ~SqliteJournal() override {
    if (insert_ != nullptr) sqlite3_finalize(insert_);
    if (db_ != nullptr) sqlite3_close(db_);
  }

  absl::Status Open(const std::string& path, bool synchronous_full) {
    path_ = path;
    if (sqlite3_open_v2(
            path.c_str(), &db_,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
            nullptr) != SQLITE_OK) {
      return Error("open");
    }
    sqlite3_busy_timeout(db_, 2000);
    for (const std::string& sql :
         {std::string("PRAGMA journal_mode=WAL;"),
          absl::StrCat(
              "PRAGMA synchronous=", synchronous_full ? "FULL" : "NORMAL", ";"),
          std::string(kSchema)}) {
      if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) !=
          SQLITE_OK) {
        return Error("initialise");
      }
    }
    if (sqlite3_prepare_v2(db_,
                           "INSERT INTO charges(at_ms, provider, model, client,"
                           " cost_nano_usd) VALUES(?,?,?,?,?)",
                           -1, &insert_, nullptr) != SQLITE_OK) {
      return Error("prepare");
    }
    return absl::OkStatus();
  }

  absl::Status Append(const ChargeRecord& r) override {
    absl::MutexLock lock(&mu_);
    sqlite3_reset(insert_);
    sqlite3_bind_int64(insert_, 1, absl::ToUnixMillis(r.at));
    sqlite3_bind_text(insert_, 2, r.provider.data(),
                      static_cast<int>(r.provider.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 3, r.model.data(),
                      static_cast<int>(r.model.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 4, r.client_id.data(),
                      static_cast<int>(r.client_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert_, 5, r.cost_nano_usd);
    if (sqlite3_step(insert_) != SQLITE_DONE)
      return Error("record a charge in");
    return absl::OkStatus();
  }

  // Every charge, aggregated per provider/model/client and per "in the
  // window starting at `window_start`" or not.
  absl::StatusOr<std::vector<ChargeRecord>> Load(absl::Time window_start) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(
            db_,
            "SELECT at_ms >= ?1, provider, model, client, SUM(cost_nano_usd),"
            " COUNT(*) FROM charges GROUP BY 1, 2, 3, 4",
            -1, &stmt, nullptr) != SQLITE_OK) {
      return Error("read");
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
    if (rc != SQLITE_DONE) return Error("read");
    return out;
  }

 private:
  absl::Status Error(absl::string_view what) {
    return absl::InternalError(absl::StrCat(
        "cannot ", what, " the SQLite ledger ", path_.empty() ? "" : path_,
        ": ", db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory",
        "; check budget.sqlite_path / --data_dir"));
  }

  absl::Mutex mu_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::string path_;
};

// An InMemoryLedger over its journal, owning both.
class SqliteLedger : public SpendLedger {
 public:
  SqliteLedger(std::unique_ptr<SqliteJournal> journal,
               const BudgetConfig& config, AuditLog* audit,
               InMemoryLedger::Clock clock)
      : journal_(std::move(journal)),
        clock_(clock),
        ledger_(config, std::move(clock), audit, journal_.get()) {}

  absl::Status Restore() {
    absl::StatusOr<std::vector<ChargeRecord>> records =
        journal_->Load(ledger_.WindowStartFor(clock_()));
    if (!records.ok()) return records.status();
    ledger_.Restore(*records);
    return absl::OkStatus();
  }

  absl::StatusOr<ReservationId> Reserve(const ReserveRequest& r) override {
    return ledger_.Reserve(r);
  }
  absl::Status Commit(const CommitRequest& r) override {
    return ledger_.Commit(r);
  }
  void Release(ReservationId id) override { ledger_.Release(id); }
  absl::StatusOr<BudgetSnapshot> Snapshot(absl::string_view scope) override {
    return ledger_.Snapshot(scope);
  }
  const BudgetConfig& config() const override { return ledger_.config(); }

 private:
  std::unique_ptr<SqliteJournal> journal_;
  InMemoryLedger::Clock clock_;
  InMemoryLedger ledger_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SpendLedger>> OpenSqliteLedger(
    const std::string& path, const BudgetConfig& config, AuditLog* audit,
    InMemoryLedger::Clock clock) {
  auto journal = std::make_unique<SqliteJournal>();
  absl::Status opened = journal->Open(path, config.sqlite_synchronous_full);
  if (!opened.ok()) return opened;
  auto ledger = std::make_unique<SqliteLedger>(std::move(journal), config,
                                               audit, std::move(clock));
  absl::Status restored = ledger->Restore();
  if (!restored.ok()) return restored;
  return ledger;
}

}  // namespace llmgw
