#include "audit/audit_log.h"

#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json_text.h"

namespace llmgw {
namespace {

nlohmann::json Stamp(absl::string_view type, nlohmann::json fields) {
  if (!fields.is_object()) fields = nlohmann::json::object();
  fields["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                  absl::UTCTimeZone());
  fields["type"] = std::string(type);
  return fields;
}

// Lines are queued by Write and written either by a thread that needs them
// on disk now (WriteQueuedLines: the durable ledger's writer, per commit
// batch) or by one background thread, which lets lines gather for up to
// kLinger so that a busy gateway does not wake it per line.
class StreamAuditLog : public AuditLog {
 public:
  // The background writer waits this long after the first queued line (or
  // until kMaxLingerLines are queued, a Sync waiter arrives or the log
  // closes) before writing them.
  static constexpr absl::Duration kLinger = absl::Milliseconds(10);
  static constexpr size_t kMaxLingerLines = 1024;

  // `datasync_interval`: at most one fdatasync(2) per interval (zero: one
  // per batch); InfiniteDuration: none (stderr).
  StreamAuditLog(FILE* out, bool owned, absl::Duration datasync_interval,
                 std::atomic<int64_t>* datasyncs = nullptr)
      : out_(out),
        owned_(owned),
        datasync_interval_(datasync_interval),
        datasyncs_(datasyncs) {
    writer_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "llmgw-audit");
      Run();
    });
  }

  ~StreamAuditLog() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    writer_.join();
    if (owned_) std::fclose(out_);
  }

  void Write(absl::string_view type, nlohmann::json fields) override {
    if (!fields.is_object()) fields = nlohmann::json::object();
    fields.erase("ts");
    fields.erase("type");
    const std::string members =
        fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // The dump is "{...}": its members go after "ts" and "type".
    Enqueue(
        Line(type, absl::string_view(members).substr(1, members.size() - 2)));
  }

  void WriteEvent(absl::string_view type, const AuditEvent& event) override {
    Enqueue(Line(type, event.text()));
  }

  // Waiters queued after the lines they wait for run after the batch
  // holding those lines is written (lines and waiters share one order).
  void Sync(absl::AnyInvocable<void()> done) override {
    absl::MutexLock lock(&mu_);
    waiters_.push_back(std::move(done));
  }

  void WriteQueuedLines() override {
    absl::MutexLock io(&io_mu_);
    std::vector<std::string> batch;
    {
      absl::MutexLock lock(&mu_);
      batch.swap(queue_);
    }
    WriteLocked(batch, /*closing=*/false);
  }

 private:
  // {"ts":"...","type":"<type>",<members>}\n
  static std::string Line(absl::string_view type, absl::string_view members) {
    std::string line;
    line.reserve(48 + type.size() + members.size());
    line.append("{\"ts\":\"");
    AppendUtcTimestamp(line, absl::ToUnixMillis(absl::Now()));
    line.append("\",\"type\":");
    AppendJsonString(line, type);
    if (!members.empty()) {
      line.push_back(',');
      line.append(members.data(), members.size());
    }
    line.append("}\n");
    return line;
  }

  void Enqueue(std::string line) {
    absl::MutexLock lock(&mu_);
    if (queue_.empty()) first_queued_at_ = absl::Now();
    queue_.push_back(std::move(line));
  }

  // Writes `batch`, then fdatasyncs if the interval allows (or `closing`).
  // Both writers hold io_mu_ from taking their batch until it is written, so
  // lines reach the file in the order they were queued.
  void WriteLocked(const std::vector<std::string>& batch, bool closing)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(io_mu_) {
    for (const std::string& line : batch) {
      std::fwrite(line.data(), 1, line.size(), out_);
    }
    if (!batch.empty()) std::fflush(out_);
    const bool datasync = datasync_interval_ != absl::InfiniteDuration();
    unsynced_ = unsynced_ || (datasync && !batch.empty());
    // Power-loss durability, at most once per interval: a busy gateway
    // writes a batch per commit or so, and an fdatasync per batch cost more
    // CPU (block I/O) than the rest of the audit path (docs/benchmarks.md).
    // A process crash loses nothing either way: write(2) has returned.
    const absl::Time now = absl::Now();
    if (unsynced_ && (closing || now - last_sync_ >= datasync_interval_)) {
      fdatasync(fileno(out_));
      if (datasyncs_ != nullptr) datasyncs_->fetch_add(1);
      last_sync_ = now;
      unsynced_ = false;
    }
  }

  void Run() {
    absl::Time sync_due = absl::InfiniteFuture();
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        auto has_work =
            +[](StreamAuditLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
              return self->stopping_ || !self->queue_.empty() ||
                     !self->waiters_.empty();
            };
        auto urgent =
            +[](StreamAuditLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
              return self->stopping_ || !self->waiters_.empty() ||
                     self->queue_.size() >= kMaxLingerLines;
            };
        // Idle until a line arrives, or until lines already written are due
        // their fdatasync.
        mu_.AwaitWithDeadline(absl::Condition(has_work, this), sync_due);
        // Let more lines gather, unless something needs them now.
        if (!queue_.empty()) {
          mu_.AwaitWithDeadline(absl::Condition(urgent, this),
                                first_queued_at_ + kLinger);
        }
      }
      std::vector<std::string> batch;
      std::vector<absl::AnyInvocable<void()>> waiters;
      bool stopping;
      {
        absl::MutexLock io(&io_mu_);
        {
          absl::MutexLock lock(&mu_);
          batch.swap(queue_);
          waiters.swap(waiters_);
          stopping = stopping_;
        }
        WriteLocked(batch, stopping);
        sync_due = unsynced_ ? last_sync_ + datasync_interval_
                             : absl::InfiniteFuture();
      }
      // Everything queued before each waiter was in this batch or earlier
      // (written by this thread or by WriteQueuedLines). Run without the
      // locks, so a waiter may write again.
      for (absl::AnyInvocable<void()>& done : waiters) done();
      if (stopping) {
        absl::MutexLock lock(&mu_);
        if (queue_.empty() && waiters_.empty()) return;
      }
    }
  }

  FILE* const out_;
  const bool owned_;
  const absl::Duration datasync_interval_;
  std::atomic<int64_t>* const datasyncs_;
  // Order: io_mu_ before mu_. Write and Sync take only mu_ (never held
  // across I/O), so callers on the event loop never wait for the disk.
  absl::Mutex io_mu_;
  absl::Time last_sync_ ABSL_GUARDED_BY(io_mu_) = absl::InfinitePast();
  bool unsynced_ ABSL_GUARDED_BY(io_mu_) = false;  // written, not yet synced
  absl::Mutex mu_ ABSL_ACQUIRED_AFTER(io_mu_);
  std::vector<std::string> queue_ ABSL_GUARDED_BY(mu_);
  absl::Time first_queued_at_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::AnyInvocable<void()>> waiters_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditFile(
    const std::string& path, absl::Duration datasync_interval,
    std::atomic<int64_t>* datasyncs) {
  FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot open audit log '", path, "' for appending"));
  }
  return std::unique_ptr<AuditLog>(
      new StreamAuditLog(f, /*owned=*/true, datasync_interval, datasyncs));
}

std::unique_ptr<AuditLog> NewStderrAuditLog() {
  return std::make_unique<StreamAuditLog>(stderr, /*owned=*/false,
                                          absl::InfiniteDuration());
}

void RecordingAuditLog::Write(absl::string_view type, nlohmann::json fields) {
  nlohmann::json event = Stamp(type, std::move(fields));
  absl::MutexLock lock(&mu_);
  events_.push_back(std::move(event));
}

std::vector<nlohmann::json> RecordingAuditLog::Events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

std::vector<nlohmann::json> RecordingAuditLog::EventsOfType(
    absl::string_view type) const {
  absl::MutexLock lock(&mu_);
  std::vector<nlohmann::json> out;
  for (const nlohmann::json& e : events_) {
    if (e.value("type", "") == type) out.push_back(e);
  }
  return out;
}

}  // namespace llmgw
