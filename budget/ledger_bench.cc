// Ledger throughput and latency through the asynchronous API, as the gateway
// drives it: on an http::EventLoop, Reserve then Commit per call, with N
// calls in flight. Prints ops/s (reserve+commit pairs per second), the
// commit latency (CommitAsync to its callback) p50/p99, and the event
// loop's CPU time per call (what the loop spends on the ledger; before the
// asynchronous ledger, the whole SQLite transaction or Redis round trip ran
// there).
//
//   bazel run -c opt //budget:ledger_bench -- --backend=sqlite --in_flight=64
//   bazel run -c opt //budget:ledger_bench -- --backend=redis \
//       --redis=127.0.0.1:6379 --in_flight=64
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "budget/redis_ledger.h"
#include "budget/sqlite_ledger.h"
#include "http/event_loop.h"

ABSL_FLAG(std::string, backend, "sqlite", "sqlite or redis");
ABSL_FLAG(std::string, redis, "127.0.0.1:6379", "redis host:port");
ABSL_FLAG(std::string, path, "/tmp/llmgw_ledger_bench.db", "SQLite file");
ABSL_FLAG(int, in_flight, 64, "calls in flight");
ABSL_FLAG(int, calls, 20000, "calls in total");
ABSL_FLAG(bool, full, false, "sqlite synchronous=FULL");

namespace llmgw {
namespace {

int64_t ThreadCpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

class Bench {
 public:
  Bench(http::EventLoop* loop, SpendLedger* ledger, int calls)
      : loop_(loop), ledger_(ledger), calls_(calls) {
    latencies_.reserve(calls);
  }

  void Run(int in_flight) {
    absl::Time start;
    loop_->Post([&] {
      cpu_start_ = ThreadCpuNanos();
      start = absl::Now();
      for (int i = 0; i < in_flight && started_ < calls_; ++i) StartOne();
    });
    done_.WaitForNotification();
    const absl::Duration wall = end_ - start;
    std::sort(latencies_.begin(), latencies_.end());
    auto pct = [&](double p) {
      return absl::ToDoubleMicroseconds(
          latencies_[static_cast<size_t>(p * (latencies_.size() - 1))]);
    };
    std::printf(
        "backend=%s in_flight=%d calls=%d failed=%d: %.0f calls/s, commit "
        "latency p50 %.0f us p99 %.0f us, event-loop CPU %.1f us per call\n",
        std::string(ledger_->backend()).c_str(), in_flight, calls_, failed_,
        calls_ / absl::ToDoubleSeconds(wall), pct(0.5), pct(0.99),
        (cpu_end_ - cpu_start_) / 1000.0 / calls_);
  }

 private:
  void StartOne() {
    ++started_;
    ReserveRequest r;
    r.holds = {{kGlobalScope, 100}, {"provider:openai", 100}};
    r.expires_at = absl::Now() + absl::Minutes(5);
    ledger_->ReserveAsync(
        std::move(r), [this](absl::StatusOr<ReservationId> id) {
          if (!id.ok()) {
            ++failed_;
            Completed();
            return;
          }
          const absl::Time t0 = absl::Now();
          ledger_->CommitAsync({*id, 7, "openai", "gpt-4o-mini", "bench"},
                               [this, t0](absl::Status s) {
                                 if (!s.ok()) ++failed_;
                                 latencies_.push_back(absl::Now() - t0);
                                 Completed();
                               });
        });
  }
  void Completed() {
    if (++completed_ == calls_) {
      cpu_end_ = ThreadCpuNanos();
      end_ = absl::Now();
      done_.Notify();
    } else if (started_ < calls_) {
      StartOne();
    }
  }

  http::EventLoop* const loop_;
  SpendLedger* const ledger_;
  const int calls_;
  int started_ = 0, completed_ = 0, failed_ = 0;
  std::vector<absl::Duration> latencies_;
  int64_t cpu_start_ = 0, cpu_end_ = 0;
  absl::Time end_;
  absl::Notification done_;
};

int Main() {
  auto loop = http::EventLoop::Create("bench-loop");
  if (!loop.ok()) return 1;
  BudgetConfig config;
  config.sqlite_synchronous_full = absl::GetFlag(FLAGS_full);
  config.redis_address = absl::GetFlag(FLAGS_redis);
  config.redis_key_prefix =
      absl::StrCat("bench:", absl::ToUnixNanos(absl::Now()));
  absl::StatusOr<std::unique_ptr<SpendLedger>> ledger;
  if (absl::GetFlag(FLAGS_backend) == "redis") {
    ledger = OpenRedisLedger(config, nullptr, absl::Now, loop->get());
  } else {
    const std::string path = absl::GetFlag(FLAGS_path);
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::remove((path + suffix).c_str());
    }
    ledger = OpenSqliteLedger(path, config, nullptr, absl::Now, loop->get());
  }
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  Bench bench(loop->get(), ledger->get(), absl::GetFlag(FLAGS_calls));
  bench.Run(absl::GetFlag(FLAGS_in_flight));
  ledger->reset();
  return 0;
}

}  // namespace
}  // namespace llmgw

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return llmgw::Main();
}
