#include "audit/audit_log.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(AuditLogTest, FileGetsOneJsonObjectPerLineInOrder) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/audit.jsonl";
  {
    auto log = OpenAuditFile(path);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 100; ++i) {
      (*log)->Write("llm_retry", {{"attempt", i}, {"provider", "openai"}});
    }
    (*log)->Write("budget", {{"action", "commit"}, {"cost_nano_usd", 1234}});
  }  // the destructor flushes
  std::ifstream in(path);
  std::string line;
  int n = 0;
  nlohmann::json last;
  while (std::getline(in, line)) {
    last = nlohmann::json::parse(line);
    if (n < 100) {
      EXPECT_EQ(last["type"], "llm_retry");
      EXPECT_EQ(last["attempt"], n);
    }
    EXPECT_TRUE(last.contains("ts"));
    ++n;
  }
  EXPECT_EQ(n, 101);
  EXPECT_EQ(last["type"], "budget");
  EXPECT_EQ(last["cost_nano_usd"], 1234);
}

// Events written as text (AuditEvent, the per-call path) and as JSON values
// share one line format: "ts" and "type" first, then the fields in order,
// escaped so that every line parses.
TEST(AuditLogTest, TextEventsAndJsonEventsShareOneLineFormat) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/events.jsonl";
  {
    auto log = OpenAuditFile(path);
    ASSERT_TRUE(log.ok()) << log.status();
    AuditEvent commit;
    commit.Add("event", "commit")
        .Add("reservation", uint64_t{18446744073709551615u})
        .Add("model", "gpt\"4o\n\xff")
        .Add("cost_nano_usd", int64_t{-7})
        .Add("reservation_expired", true);
    (*log)->WriteEvent("budget", commit);
    (*log)->WriteEvent("empty", AuditEvent());
    (*log)->Write("circuit_open", {{"provider", "openai"}, {"type", "spoof"}});
  }
  std::ifstream in(path);
  std::string lines[3];
  for (std::string& line : lines) ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(lines[0].substr(0, 7), "{\"ts\":\"");
  EXPECT_NE(lines[0].find("Z\",\"type\":\"budget\",\"event\":\"commit\","
                          "\"reservation\":18446744073709551615,"
                          "\"model\":\"gpt\\\"4o\\n\xEF\xBF\xBD\","
                          "\"cost_nano_usd\":-7,\"reservation_expired\":true}"),
            std::string::npos)
      << lines[0];
  nlohmann::json commit = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(commit["reservation"].get<uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(commit["model"], "gpt\"4o\n\xEF\xBF\xBD");
  nlohmann::json empty = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(empty.size(), 2u);
  EXPECT_EQ(empty["type"], "empty");
  nlohmann::json circuit = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(lines[2].find("\"type\":\"circuit_open\",\"provider\""), 33u)
      << lines[2];
  EXPECT_EQ(circuit["type"], "circuit_open");  // a field cannot replace it
  EXPECT_EQ(circuit.size(), 3u);
}

// A log that keeps events as values gets text events as objects.
TEST(AuditLogTest, RecordingLogGetsTextEventsAsObjects) {
  RecordingAuditLog log;
  AuditEvent e;
  e.Add("event", "commit").Add("cost_nano_usd", int64_t{42});
  log.WriteEvent("budget", e);
  std::vector<nlohmann::json> events = log.EventsOfType("budget");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["event"], "commit");
  EXPECT_EQ(events[0]["cost_nano_usd"], 42);
  EXPECT_TRUE(events[0].contains("ts"));
}

int CountLines(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) ++n;
  return n;
}

// Sync's callback runs only once every earlier line is in the file (what
// the durable ledger waits for before acknowledging a commit).
TEST(AuditLogTest, SyncRunsAfterEarlierLinesReachTheFile) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/sync.jsonl";
  auto log = OpenAuditFile(path);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int round = 1; round <= 5; ++round) {
    for (int i = 0; i < 2000; ++i) {
      (*log)->Write("budget", {{"event", "commit"}, {"i", i}});
    }
    absl::Notification synced;
    int seen = -1;
    (*log)->Sync([&] {
      seen = CountLines(path);
      synced.Notify();
    });
    synced.WaitForNotification();
    EXPECT_EQ(seen, round * 2000);
  }
}

// Writes `n` lines, each in its own batch (Sync waits for it).
void WriteSeparateBatches(AuditLog& log, int n) {
  for (int i = 0; i < n; ++i) {
    log.Write("budget", {{"event", "commit"}, {"i", i}});
    absl::Notification synced;
    log.Sync([&] { synced.Notify(); });
    synced.WaitForNotification();
  }
}

// fdatasync is bounded by the interval, not by the number of batches: 200
// batches within an hour-long interval cost one (the first), plus one when
// the log closes with lines not yet synced.
TEST(AuditLogTest, DatasyncAtMostOncePerInterval) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/interval.jsonl";
  std::atomic<int64_t> datasyncs{0};
  {
    auto log = OpenAuditFile(path, absl::Hours(1), &datasyncs);
    ASSERT_TRUE(log.ok()) << log.status();
    WriteSeparateBatches(**log, 200);
    EXPECT_EQ(datasyncs.load(), 1);
  }
  EXPECT_EQ(datasyncs.load(), 2);
  EXPECT_EQ(CountLines(path), 200);
}

// Zero interval (budget.sqlite_synchronous: full): one per batch.
TEST(AuditLogTest, ZeroIntervalSyncsEveryBatch) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/every.jsonl";
  std::atomic<int64_t> datasyncs{0};
  {
    auto log = OpenAuditFile(path, absl::ZeroDuration(), &datasyncs);
    ASSERT_TRUE(log.ok()) << log.status();
    WriteSeparateBatches(**log, 50);
  }  // the last batch's fdatasync follows its waiter
  EXPECT_EQ(datasyncs.load(), 50);
}

// Lines written inside the interval are synced once it has passed, with no
// further write to trigger it (the writer wakes for it).
TEST(AuditLogTest, LastLinesAreSyncedWithinTheInterval) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/tail.jsonl";
  std::atomic<int64_t> datasyncs{0};
  auto log = OpenAuditFile(path, absl::Milliseconds(200), &datasyncs);
  ASSERT_TRUE(log.ok()) << log.status();
  WriteSeparateBatches(**log, 3);  // the first syncs; two wait
  ASSERT_EQ(datasyncs.load(), 1);
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (datasyncs.load() < 2 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(datasyncs.load(), 2);
}

// WriteQueuedLines writes on the caller's thread: the lines are in the file
// when it returns, with no wait for the background writer.
TEST(AuditLogTest, WriteQueuedLinesWritesBeforeReturning) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/inline.jsonl";
  std::atomic<int64_t> datasyncs{0};
  auto log = OpenAuditFile(path, absl::ZeroDuration(), &datasyncs);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int round = 1; round <= 20; ++round) {
    for (int i = 0; i < 10; ++i) (*log)->Write("budget", {{"i", i}});
    (*log)->WriteQueuedLines();
    EXPECT_EQ(CountLines(path), round * 10);
  }
  // Zero interval (synchronous: full): each inline batch was fdatasynced,
  // except any the background writer took first (it syncs those itself).
  EXPECT_GE(datasyncs.load(), 1);
}

// Lines nobody waits for still reach the file soon (the background writer
// lingers about 10 ms, not until the next Sync).
TEST(AuditLogTest, LinesWithoutWaitersAreWrittenSoon) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/linger.jsonl";
  auto log = OpenAuditFile(path);
  ASSERT_TRUE(log.ok()) << log.status();
  (*log)->Write("circuit", {{"state", "open"}});
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (CountLines(path) < 1 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  EXPECT_EQ(CountLines(path), 1);
}

// The background writer (woken by a full batch) and a thread calling
// WriteQueuedLines race for the queue; the file keeps the queued order.
TEST(AuditLogTest, InlineAndBackgroundWritesKeepOrder) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/order.jsonl";
  constexpr int kLines = 30000;
  {
    auto log = OpenAuditFile(path);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < kLines; ++i) {
      (*log)->Write("budget", {{"i", i}});
      if (i % 1500 == 1499) (*log)->WriteQueuedLines();
    }
  }
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ASSERT_EQ(nlohmann::json::parse(line)["i"], n) << "line " << n;
    ++n;
  }
  EXPECT_EQ(n, kLines);
}

TEST(AuditLogTest, UnwritablePathIsAnError) {
  EXPECT_FALSE(OpenAuditFile("/nonexistent-dir/x/audit.jsonl").ok());
}

TEST(AuditLogTest, RecordingLogFiltersByType) {
  RecordingAuditLog log;
  log.Write("cascade", {{"from", "openai"}});
  log.Write("llm_error", {{"provider", "openai"}});
  EXPECT_EQ(log.Events().size(), 2u);
  ASSERT_EQ(log.EventsOfType("cascade").size(), 1u);
  EXPECT_EQ(log.EventsOfType("cascade")[0]["from"], "openai");
}

}  // namespace
}  // namespace llmgw
