#include "audit/audit_log.h"

#include <unistd.h>

#include <cstdio>
#include <deque>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace llmgw {
namespace {

nlohmann::json Stamp(absl::string_view type, nlohmann::json fields) {
  if (!fields.is_object()) fields = nlohmann::json::object();
  fields["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                  absl::UTCTimeZone());
  fields["type"] = std::string(type);
  return fields;
}

// Lines are queued by Write and written by one background thread.
class StreamAuditLog : public AuditLog {
 public:
  // `datasync_interval`: at most one fdatasync(2) per interval (zero: one
  // per batch); InfiniteDuration: none (stderr).
  StreamAuditLog(FILE* out, bool owned, absl::Duration datasync_interval,
                 std::atomic<int64_t>* datasyncs = nullptr)
      : out_(out),
        owned_(owned),
        datasync_interval_(datasync_interval),
        datasyncs_(datasyncs) {
    writer_ = std::thread([this] { Run(); });
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
    std::string line =
        Stamp(type, std::move(fields))
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
        "\n";
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(line));
  }

  // Waiters queued after the lines they wait for run after the batch
  // holding those lines is written (lines and waiters share one order).
  void Sync(absl::AnyInvocable<void()> done) override {
    absl::MutexLock lock(&mu_);
    waiters_.push_back(std::move(done));
  }

 private:
  void Run() {
    std::deque<std::string> batch;
    std::deque<absl::AnyInvocable<void()>> waiters;
    const bool datasync = datasync_interval_ != absl::InfiniteDuration();
    absl::Time last_sync = absl::InfinitePast();
    bool unsynced = false;  // lines written since the last fdatasync
    while (true) {
      bool stopping;
      {
        absl::MutexLock lock(&mu_);
        auto has_work =
            +[](StreamAuditLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
              return self->stopping_ || !self->queue_.empty() ||
                     !self->waiters_.empty();
            };
        if (unsynced) {
          // Wake for the pending fdatasync if nothing else comes first.
          mu_.AwaitWithDeadline(absl::Condition(has_work, this),
                                last_sync + datasync_interval_);
        } else {
          mu_.Await(absl::Condition(has_work, this));
        }
        batch.swap(queue_);
        waiters.swap(waiters_);
        stopping = stopping_;
      }
      for (const std::string& line : batch) {
        std::fwrite(line.data(), 1, line.size(), out_);
      }
      if (!batch.empty()) std::fflush(out_);
      // Everything queued before each waiter was in this batch or earlier.
      for (absl::AnyInvocable<void()>& done : waiters) done();
      unsynced = unsynced || (datasync && !batch.empty());
      // Power-loss durability, at most once per interval: a busy gateway
      // writes a batch per call or so, and an fdatasync per batch cost more
      // CPU (block I/O) than the rest of the audit path (docs/benchmarks.md).
      // A process crash loses nothing either way: write(2) has returned.
      const absl::Time now = absl::Now();
      if (unsynced && (stopping || now - last_sync >= datasync_interval_)) {
        fdatasync(fileno(out_));
        if (datasyncs_ != nullptr) datasyncs_->fetch_add(1);
        last_sync = now;
        unsynced = false;
      }
      batch.clear();
      waiters.clear();
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
  absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::AnyInvocable<void()>> waiters_ ABSL_GUARDED_BY(mu_);
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
