#include "audit/audit_log.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/synchronization/notification.h"
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
