#ifndef LLMGW_AUDIT_AUDIT_LOG_H_
#define LLMGW_AUDIT_AUDIT_LOG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "audit/audit_event.h"

namespace llmgw {

// Structured audit events (the reference's event types: "llm_retry",
// "llm_error", "cascade", "budget", plus "key_cooldown", "circuit", ...),
// one JSON object per line, "ts" and "type" first:
//   {"ts":"2026-11-22T10:00:00.123Z","type":"llm_retry","provider":"openai",
//    "model":"gpt-4o-mini","key":"key:1c2e4b9a","reason":"HTTP 503",...}
// Fields must never contain an API key: use KeyFingerprint(). Amounts are
// integer nano-USD. Thread-safe; Write never blocks on I/O.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // `fields` must be a JSON object; "ts" and "type" are added.
  virtual void Write(absl::string_view type, nlohmann::json fields) = 0;
  // The same for fields written as text (AuditEvent), for events written on
  // every call. Logs that keep events as values (RecordingAuditLog) get them
  // through Write.
  virtual void WriteEvent(absl::string_view type, const AuditEvent& event) {
    Write(type, event.ToJson());
  }
  // Runs `done` once every event written before this call has reached the
  // operating system (write(2) returned), so it survives a crash of the
  // process (SIGKILL). Never blocks: `done` runs on the writer thread (or
  // inline for logs without one). The durable ledger acknowledges a commit
  // only after this, so an acknowledged charge always has its audit line.
  virtual void Sync(absl::AnyInvocable<void()> done) { done(); }
  // Writes every event queued so far before returning, on the calling
  // thread, which must be one allowed to block on write(2) (and on
  // fdatasync(2) when the interval is zero): the durable ledger's writer
  // thread calls it after each group commit, so acknowledging a commit
  // needs no hand-off to the audit writer thread. Not for the event loop.
  virtual void WriteQueuedLines() {}
};

// Appends to `path` (created if missing). Lines are written by whichever
// comes first: WriteQueuedLines on a thread that needs them now (the
// durable ledger's writer, per commit batch), or a background writer thread
// that lets lines gather for up to 10 ms (or 1,024 lines, or until a Sync
// waiter arrives) and writes each batch with one write(2), then runs the
// Sync waiters of that batch. A busy gateway thus wakes the background
// thread about once per 10 ms, not once per line. Power-loss durability
// follows without holding anyone: at most one fdatasync(2) per
// `datasync_interval` (zero: one per batch, before its waiters run), and one
// within that interval after the last line, as SQLite's synchronous=NORMAL
// bounds the ledger's own power-loss window. The destructor writes and
// fdatasyncs what is queued. A SIGKILL loses at most the lines queued in
// the last 10 ms that no commit has waited for (retries, cool-downs): a
// committed charge's line is written before the commit is acknowledged.
absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditFile(
    const std::string& path,
    absl::Duration datasync_interval = absl::Seconds(1),
    std::atomic<int64_t>* datasyncs = nullptr);  // counts them, if given

// Writes to stderr (same design, no fdatasync), for runs without --data_dir.
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
