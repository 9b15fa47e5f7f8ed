#include "audit/audit_log.h"

#include <cstdlib>
#include <fstream>
#include <string>

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
