#ifndef LLMGW_BUDGET_COMMIT_JOURNAL_H_
#define LLMGW_BUDGET_COMMIT_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "budget/spend_ledger.h"
#include "budget/sqlite_writer.h"

namespace llmgw {

// A commit the shared ledger has not confirmed yet.
struct PendingCommit {
  CommitRequest request;
  // When the call was settled: the replay charges that time's window.
  int64_t at_ms = 0;
};

// The durable local journal of commits Redis could not take (unreachable,
// no reply in time): a `pending_commits` table in an SQLite file
// (<data_dir>/ledger-journal.db) written by its own SqliteWriter thread, so
// a deferred charge survives a crash of the gateway and is replayed by the
// next process. Rows are keyed by reservation id, which is also the
// idempotency key of the Redis commit script, so a replay of a commit that
// did reach Redis is not counted twice.
class CommitJournal {
 public:
  static absl::StatusOr<std::unique_ptr<CommitJournal>> Open(
      const std::string& path);
  ~CommitJournal();

  // Every pending commit, oldest first (at start, before Append/Remove).
  absl::StatusOr<std::vector<PendingCommit>> Load();
  // `done` runs on the journal's writer thread once the row is committed.
  void Append(const PendingCommit& commit,
              absl::AnyInvocable<void(absl::Status)> done);
  void Remove(ReservationId id);
  const std::string& path() const { return writer_->path(); }

 private:
  explicit CommitJournal(std::unique_ptr<SqliteWriter> writer)
      : writer_(std::move(writer)) {}
  std::unique_ptr<SqliteWriter> writer_;
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_COMMIT_JOURNAL_H_
