#include "monitoring/ledger_metrics.h"

#include <array>
#include <utility>

#include "absl/time/clock.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace llmgw {
namespace {

enum Op {
  kReserve,
  kCommit,
  kRelease,
  kSnapshot,
  kCheckpoint,
  kWalRestart,
  kOpCount
};
enum Result { kOk, kRefused, kUnavailable, kError, kResultCount };
constexpr std::array<const char*, kOpCount> kOpNames = {
    "reserve", "commit", "release", "snapshot", "checkpoint", "wal_restart"};
constexpr std::array<const char*, kResultCount> kResultNames = {
    "ok", "refused", "unavailable", "error"};

const std::vector<double>& LedgerBuckets() {
  // 10 us (memory) to 2.5 s (a struggling shared Redis).
  static const auto* buckets = new std::vector<double>{
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01,    0.025,    0.05,    0.1,    0.25,    0.5,    1,     2.5};
  return *buckets;
}

Result ResultOf(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kOk:
      return kOk;
    case absl::StatusCode::kResourceExhausted:
      return kRefused;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kUnavailable;
    default:
      return kError;
  }
}

class InstrumentedLedger : public SpendLedger {
 public:
  InstrumentedLedger(std::unique_ptr<SpendLedger> inner,
                     const std::string& backend, prometheus::Registry& r)
      : inner_(std::move(inner)) {
    auto& duration =
        prometheus::BuildHistogram()
            .Name("llmgw_ledger_operation_duration_seconds")
            .Help(
                "Duration of one spend-ledger operation, by backend and "
                "operation.")
            .Register(r);
    auto& count = prometheus::BuildCounter()
                      .Name("llmgw_ledger_operations_total")
                      .Help(
                          "Spend-ledger operations, by backend, operation "
                          "and result (ok, refused, unavailable, error).")
                      .Register(r);
    for (int op = 0; op < kOpCount; ++op) {
      duration_[op] = &duration.Add(
          {{"backend", backend}, {"operation", kOpNames[op]}}, LedgerBuckets());
      for (int res = 0; res < kResultCount; ++res) {
        count_[op][res] = &count.Add({{"backend", backend},
                                      {"operation", kOpNames[op]},
                                      {"result", kResultNames[res]}});
      }
    }
    // The SQLite backend's WAL checkpoints happen inside the ledger, on its
    // own threads; the other operations are timed here (so the other
    // backends get no observer to call on every operation).
    if (backend != "sqlite") return;
    inner_->set_latency_observer([this](absl::string_view op, absl::string_view,
                                        absl::Duration took, bool ok) {
      const Op o = op == kOpNames[kCheckpoint]   ? kCheckpoint
                   : op == kOpNames[kWalRestart] ? kWalRestart
                                                 : kOpCount;
      if (o == kOpCount) return;
      duration_[o]->Observe(absl::ToDoubleSeconds(took));
      count_[o][ok ? kOk : kError]->Increment();
    });
  }
  // The inner ledger's threads may report a checkpoint until it is gone.
  ~InstrumentedLedger() override { inner_.reset(); }

  absl::StatusOr<ReservationId> Reserve(
      const ReserveRequest& request) override {
    const absl::Time start = absl::Now();
    absl::StatusOr<ReservationId> id = inner_->Reserve(request);
    Record(kReserve, start, id.status());
    return id;
  }

  absl::Status Commit(const CommitRequest& request) override {
    const absl::Time start = absl::Now();
    absl::Status s = inner_->Commit(request);
    Record(kCommit, start, s);
    return s;
  }

  void Release(ReservationId id) override {
    const absl::Time start = absl::Now();
    inner_->Release(id);
    Record(kRelease, start, absl::OkStatus());
  }

  absl::StatusOr<BudgetSnapshot> Snapshot(absl::string_view scope) override {
    const absl::Time start = absl::Now();
    absl::StatusOr<BudgetSnapshot> s = inner_->Snapshot(scope);
    Record(kSnapshot, start, s.status());
    return s;
  }

  // The gateway uses the asynchronous face: forward it (the defaults would
  // call the blocking methods above), timing each operation to its callback.
  void ReserveAsync(ReserveRequest request, ReserveDone done) override {
    const absl::Time start = absl::Now();
    inner_->ReserveAsync(std::move(request),
                         [this, start, done = std::move(done)](
                             absl::StatusOr<ReservationId> id) mutable {
                           Record(kReserve, start, id.status());
                           done(std::move(id));
                         });
  }

  void CommitAsync(CommitRequest request, CommitDone done) override {
    inner_->CommitAsync(std::move(request), TimedCommit(std::move(done)));
  }

  void CommitAsyncOnAnyThread(CommitRequest request, CommitDone done) override {
    inner_->CommitAsyncOnAnyThread(std::move(request),
                                   TimedCommit(std::move(done)));
  }

  void ReleaseAsync(ReservationId id) override {
    const absl::Time start = absl::Now();
    inner_->ReleaseAsync(id);
    Record(kRelease, start, absl::OkStatus());
  }

  void SnapshotAsync(std::string scope, SnapshotDone done) override {
    const absl::Time start = absl::Now();
    inner_->SnapshotAsync(std::move(scope),
                          [this, start, done = std::move(done)](
                              absl::StatusOr<BudgetSnapshot> s) mutable {
                            Record(kSnapshot, start, s.status());
                            done(std::move(s));
                          });
  }

  absl::string_view backend() const override { return inner_->backend(); }
  const BudgetConfig& config() const override { return inner_->config(); }
  absl::Status UpdateBudget(const BudgetConfig& next) override {
    return inner_->UpdateBudget(next);
  }

 private:
  // `done`, timed from now as a commit (on whichever thread it runs).
  CommitDone TimedCommit(CommitDone done) {
    return [this, start = absl::Now(),
            done = std::move(done)](absl::Status s) mutable {
      Record(kCommit, start, s);
      done(std::move(s));
    };
  }

  void Record(Op op, absl::Time start, const absl::Status& status) {
    duration_[op]->Observe(absl::ToDoubleSeconds(absl::Now() - start));
    count_[op][ResultOf(status)]->Increment();
  }

  std::unique_ptr<SpendLedger> inner_;
  std::array<prometheus::Histogram*, kOpCount> duration_{};
  std::array<std::array<prometheus::Counter*, kResultCount>, kOpCount> count_{};
};

}  // namespace

std::string LedgerBackendLabel(const GatewayConfig& config) {
  switch (config.budget.backend) {
    case LedgerBackend::kMemory:
      return "memory";
    case LedgerBackend::kSqlite:
      return "sqlite";
    case LedgerBackend::kRedis:
      return "redis";
    case LedgerBackend::kAuto:
      break;
  }
  return config.data_dir.empty() && config.budget.sqlite_path.empty()
             ? "memory"
             : "sqlite";
}

std::unique_ptr<SpendLedger> InstrumentLedger(
    std::unique_ptr<SpendLedger> ledger, const std::string& backend,
    prometheus::Registry& registry) {
  return std::make_unique<InstrumentedLedger>(std::move(ledger), backend,
                                              registry);
}

}  // namespace llmgw
