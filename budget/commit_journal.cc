#include "budget/commit_journal.h"

#include <utility>

namespace llmgw {
namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS pending_commits ("
    "  id INTEGER PRIMARY KEY,"
    "  at_ms INTEGER NOT NULL,"
    "  cost_nano_usd INTEGER NOT NULL,"
    "  provider TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  client TEXT NOT NULL);";

std::string Column(sqlite3_stmt* stmt, int col) {
  const unsigned char* t = sqlite3_column_text(stmt, col);
  return std::string(t == nullptr ? "" : reinterpret_cast<const char*>(t),
                     sqlite3_column_bytes(stmt, col));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CommitJournal>> CommitJournal::Open(
    const std::string& path) {
  // FULL: a deferred charge exists nowhere else.
  absl::StatusOr<std::unique_ptr<SqliteWriter>> writer = SqliteWriter::Open(
      path, /*synchronous_full=*/true, kSchema, "llmgw-journal",
      "llmgw-jrnl-ckpt");
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<CommitJournal>(new CommitJournal(*std::move(writer)));
}

CommitJournal::~CommitJournal() = default;

absl::StatusOr<std::vector<PendingCommit>> CommitJournal::Load() {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(writer_->db(),
                         "SELECT id, at_ms, cost_nano_usd, provider, model,"
                         " client FROM pending_commits ORDER BY at_ms",
                         -1, &stmt, nullptr) != SQLITE_OK) {
    return writer_->Error("read");
  }
  std::vector<PendingCommit> out;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    PendingCommit p;
    p.request.id = static_cast<ReservationId>(sqlite3_column_int64(stmt, 0));
    p.at_ms = sqlite3_column_int64(stmt, 1);
    p.request.actual_nano_usd = sqlite3_column_int64(stmt, 2);
    p.request.provider = Column(stmt, 3);
    p.request.model = Column(stmt, 4);
    p.request.client_id = Column(stmt, 5);
    out.push_back(std::move(p));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return writer_->Error("read");
  return out;
}

void CommitJournal::Append(const PendingCommit& commit,
                           absl::AnyInvocable<void(absl::Status)> done) {
  writer_->Submit(
      [this, commit](sqlite3* db) -> absl::Status {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db,
                               "INSERT OR REPLACE INTO pending_commits(id,"
                               " at_ms, cost_nano_usd, provider, model, client)"
                               " VALUES(?,?,?,?,?,?)",
                               -1, &stmt, nullptr) != SQLITE_OK) {
          return writer_->Error("prepare");
        }
        const CommitRequest& r = commit.request;
        sqlite3_bind_int64(stmt, 1, static_cast<int64_t>(r.id));
        sqlite3_bind_int64(stmt, 2, commit.at_ms);
        sqlite3_bind_int64(stmt, 3, r.actual_nano_usd);
        sqlite3_bind_text(stmt, 4, r.provider.data(),
                          static_cast<int>(r.provider.size()),
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 5, r.model.data(),
                          static_cast<int>(r.model.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 6, r.client_id.data(),
                          static_cast<int>(r.client_id.size()),
                          SQLITE_TRANSIENT);
        const int rc = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        return rc == SQLITE_DONE ? absl::OkStatus()
                                 : writer_->Error("journal a commit in");
      },
      std::move(done));
}

void CommitJournal::Remove(ReservationId id) {
  writer_->Submit(
      [this, id](sqlite3* db) -> absl::Status {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, "DELETE FROM pending_commits WHERE id = ?",
                               -1, &stmt, nullptr) != SQLITE_OK) {
          return writer_->Error("prepare");
        }
        sqlite3_bind_int64(stmt, 1, static_cast<int64_t>(id));
        const int rc = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        return rc == SQLITE_DONE ? absl::OkStatus()
                                 : writer_->Error("remove a commit from");
      },
      [](absl::Status) {});
}

}  // namespace llmgw
