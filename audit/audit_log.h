#ifndef LLMGW_AUDIT_AUDIT_LOG_H_
#define LLMGW_AUDIT_AUDIT_LOG_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace llmgw {

// Structured audit events (the reference's event types: "llm_retry",
// "llm_error", "cascade", "budget", plus "key_cooldown", "circuit", ...),
// one JSON object per line:
//   {"ts":"2026-11-22T10:00:00.123Z","type":"llm_retry","provider":"openai",
//    "model":"gpt-4o-mini","key":"key:1c2e4b9a","reason":"HTTP 503",...}
// Fields must never contain an API key: use KeyFingerprint(). Amounts are
// integer nano-USD. Thread-safe; Write never blocks on I/O.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // `fields` must be a JSON object; "ts" and "type" are added.
  virtual void Write(absl::string_view type, nlohmann::json fields) = 0;
};

// Appends to `path` (created if missing) from a background writer thread;
// the destructor flushes what is queued.
absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditFile(
    const std::string& path);

// Writes to stderr (same writer-thread design), for runs without --data_dir.
std::unique_ptr<AuditLog> NewStderrAuditLog();

// Keeps events in memory, for tests.
class RecordingAuditLog : public AuditLog {
 public:
  void Write(absl::string_view type, nlohmann::json fields) override;
  // Events written so far (each with "type").
  std::vector<nlohmann::json> Events() const;
  // Events of one type.
  std::vector<nlohmann::json> EventsOfType(absl::string_view type) const;

 private:
  mutable absl::Mutex mu_;
  std::vector<nlohmann::json> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmgw

#endif  // LLMGW_AUDIT_AUDIT_LOG_H_
