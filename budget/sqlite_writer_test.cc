#include "budget/sqlite_writer.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

class SqliteWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(::testing::TempDir()) + "/writer_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() +
            ".db";
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::remove((path_ + suffix).c_str());
    }
  }

  std::unique_ptr<SqliteWriter> Open() {
    auto writer = SqliteWriter::Open(path_, /*synchronous_full=*/false,
                                     "CREATE TABLE IF NOT EXISTS t(x BLOB);",
                                     "test-writer", "test-ckpt");
    EXPECT_TRUE(writer.ok()) << writer.status();
    return writer.ok() ? *std::move(writer) : nullptr;
  }

  // One transaction holding one row; waits until it is committed.
  static absl::Status InsertRow(SqliteWriter& writer) {
    absl::Notification done;
    absl::Status result;
    writer.Submit(
        [](sqlite3* db) {
          return sqlite3_exec(db, "INSERT INTO t VALUES (zeroblob(100))",
                              nullptr, nullptr, nullptr) == SQLITE_OK
                     ? absl::OkStatus()
                     : absl::InternalError(sqlite3_errmsg(db));
        },
        [&](absl::Status s) {
          result = std::move(s);
          done.Notify();
        });
    done.WaitForNotification();
    return result;
  }

  int64_t FileSize(const std::string& path) const {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
  }

  std::string path_;
};

// Checkpoints run on the checkpointer thread, and the writer's catch-up lets
// the log start over: under commits that never pause, the log file stays
// under kMaxFrames pages however slow the checkpointer's fsyncs are (usually
// near kRestartFrames). Without the catch-up, PASSIVE checkpoints alone never
// reset a growing log (30,000 commits would leave a ~125 MB file); with
// SQLite's own auto-checkpoint instead, `checkpoints` would stay 0.
TEST_F(SqliteWriterTest, CheckpointsKeepTheLogBoundedUnderContinuousCommits) {
  auto writer = Open();
  ASSERT_NE(writer, nullptr);
  std::atomic<int> on_writer{0}, on_checkpointer{0}, failed{0};
  writer->set_checkpoint_observer(
      [&](bool writer_thread, absl::Duration, bool ok) {
        ++(writer_thread ? on_writer : on_checkpointer);
        if (!ok) ++failed;
      });
  constexpr int kCommits = 30000;
  for (int i = 0; i < kCommits; ++i) {
    ASSERT_TRUE(InsertRow(*writer).ok());
  }
  const int64_t frame_bytes = 4096 + 24;
  const int64_t bound = (SqliteWriter::kMaxFrames + 10) * frame_bytes;
  // The log file keeps its high-water size when it starts over.
  EXPECT_GT(FileSize(path_ + "-wal"), 0);
  EXPECT_LE(FileSize(path_ + "-wal"), bound);
  const SqliteWriter::Stats stats = writer->stats();
  EXPECT_EQ(stats.transactions, kCommits);
  EXPECT_GT(stats.checkpoints, 0);
  EXPECT_GT(stats.restarts, 0);
  EXPECT_EQ(on_checkpointer.load(), stats.checkpoints);
  EXPECT_EQ(on_writer.load(), stats.restarts);
  EXPECT_EQ(failed.load(), 0);
  writer.reset();
  // Every row is in the database file once the last connection closed.
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(reopened->db(), "SELECT COUNT(*) FROM t", -1,
                               &count, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(count, 0), kCommits);
  sqlite3_finalize(count);
}

// One process per file: a second writer on the same path is refused at
// once (no busy wait), and the file opens again once the first is closed.
TEST_F(SqliteWriterTest, SecondWriterOnTheSameFileIsRefusedAtOnce) {
  auto first = Open();
  ASSERT_NE(first, nullptr);
  const absl::Time start = absl::Now();
  auto second =
      SqliteWriter::Open(path_, false, "", "test-writer2", "test-ck2");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find(SqliteWriter::kHeldElsewhere),
            std::string::npos)
      << second.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  first.reset();
  EXPECT_NE(Open(), nullptr);
}

}  // namespace
}  // namespace llmgw
