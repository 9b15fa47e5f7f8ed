#ifndef LLMGW_BUDGET_REDIS_LEDGER_IMPL_H_
#define LLMGW_BUDGET_REDIS_LEDGER_IMPL_H_

// The Redis ledger's class (internal to redis_ledger.cc and
// redis_ledger_ops.cc; use OpenRedisLedger).

#include <hiredis/hiredis.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "audit/audit_log.h"
#include "budget/commit_journal.h"
#include "budget/redis_connection.h"
#include "budget/redis_scripts.h"
#include "budget/spend_ledger.h"
#include "config/budget_config.h"
#include "http/event_loop.h"

namespace llmgw::redis_internal {

std::string Str(const redisReply* r);
int64_t Int(const redisReply* r);
bool Array(const redisReply* r, size_t n);

// Every operation runs on the loop thread (posted there when called from
// another thread); callbacks run there too. See redis_ledger.h.
class RedisLedger : public SpendLedger {
 public:
  RedisLedger(BudgetConfig config, AuditLog* audit,
              std::function<absl::Time()> clock, http::EventLoop* loop,
              std::unique_ptr<http::EventLoop> own_loop,
              std::unique_ptr<CommitJournal> journal)
      : config_(std::move(config)),
        audit_(audit),
        clock_(std::move(clock)),
        own_loop_(std::move(own_loop)),
        loop_(loop != nullptr ? loop : own_loop_.get()),
        journal_(std::move(journal)),
        rng_(std::random_device{}()) {
    for (const char* body :
         {redis_scripts::kReserve, redis_scripts::kCommit,
          redis_scripts::kRelease, redis_scripts::kSnapshot}) {
      sources_.push_back(absl::StrCat(redis_scripts::kPrelude, body));
    }
  }

  ~RedisLedger() override {
    OnLoopAndWait([this] {
      conn_.reset();  // fails what is in flight; deferred commits journaled
    });
    journal_.reset();  // drains its writer
    own_loop_.reset();
  }

  // Parses the address, loads the scripts once (blocking: start-up only;
  // an unreachable Redis fails the start), reads the journal, and starts
  // the asynchronous connection on the loop.
  absl::Status Init();
  // Synchronous faces (tests, tools): never on the loop thread.
  absl::StatusOr<ReservationId> Reserve(const ReserveRequest& r) override {
    return Wait<absl::StatusOr<ReservationId>>(
        [&](auto done) { ReserveAsync(r, std::move(done)); });
  }
  absl::Status Commit(const CommitRequest& r) override {
    return Wait<absl::Status>(
        [&](auto done) { CommitAsync(r, std::move(done)); });
  }
  void Release(ReservationId id) override {
    (void)Wait<absl::Status>([&](auto done) {
      OnLoop([this, id, done = std::move(done)]() mutable {
        DoRelease(id, std::move(done));
      });
    });
  }
  absl::StatusOr<BudgetSnapshot> Snapshot(absl::string_view scope) override {
    return Wait<absl::StatusOr<BudgetSnapshot>>(
        [&](auto done) { SnapshotAsync(std::string(scope), std::move(done)); });
  }

  void ReserveAsync(ReserveRequest r, ReserveDone done) override {
    OnLoop([this, r = std::move(r), done = std::move(done)]() mutable {
      DoReserve(std::move(r), std::move(done));
    });
  }
  void CommitAsync(CommitRequest r, CommitDone done) override {
    const int64_t at_ms = absl::ToUnixMillis(clock_());
    OnLoop([this, p = PendingCommit{std::move(r), at_ms},
            done = std::move(done)]() mutable {
      DoCommit(std::move(p), std::move(done));
    });
  }
  void ReleaseAsync(ReservationId id) override {
    OnLoop([this, id] { DoRelease(id, [](absl::Status) {}); });
  }
  void SnapshotAsync(std::string scope, SnapshotDone done) override {
    OnLoop([this, scope = std::move(scope), done = std::move(done)]() mutable {
      DoSnapshot(scope, std::move(done));
    });
  }

  absl::string_view backend() const override { return "redis"; }
  const BudgetConfig& config() const override { return config_; }

 private:
  enum Script { kReserve, kCommit, kRelease, kSnapshot };
  struct Deferred {
    PendingCommit commit;
    bool in_flight = false;
  };

  template <typename T, typename F>
  T Wait(F start) {
    if (loop_->InLoopThread()) {
      return absl::FailedPreconditionError(
          "synchronous ledger call on the event loop thread");
    }
    absl::Notification n;
    std::optional<T> out;
    start([&](T v) {
      out.emplace(std::move(v));
      n.Notify();
    });
    n.WaitForNotification();
    return *std::move(out);
  }
  void OnLoop(absl::AnyInvocable<void()> task) {
    if (loop_->InLoopThread()) {
      task();
    } else {
      loop_->Post(std::move(task));
    }
  }
  void OnLoopAndWait(absl::AnyInvocable<void()> task) {
    if (loop_->InLoopThread()) {
      task();
      return;
    }
    absl::Notification n;
    loop_->Post([&] {
      task();
      n.Notify();
    });
    n.WaitForNotification();
  }

  void Send(Script script, std::vector<std::string> args,
            RedisConnection::ReplyFn done) {
    args.insert(args.begin(), {"EVALSHA", shas_[script], "0"});
    conn_->Send(args, std::move(done));
  }

  static std::string Ms(absl::Time t) {
    return std::to_string(absl::ToUnixMillis(t));
  }
  absl::Time WindowStart(absl::Time now) const {
    const int64_t len =
        std::max<int64_t>(1, absl::ToInt64Seconds(config_.window));
    return absl::FromUnixSeconds(absl::ToUnixSeconds(now) / len * len);
  }
  std::string Window(absl::Time now) const {
    return std::to_string(absl::ToUnixSeconds(WindowStart(now)));
  }
  std::string Ttl() const {
    return std::to_string(2 * absl::ToInt64Seconds(config_.window) + 60);
  }
  ReservationId NewId() {
    ReservationId id = 0;
    while (id == 0) id = rng_() >> 1;  // 63 bits: exact in SQLite, JSON
    return id;
  }
  void Audit(nlohmann::json fields) {
    if (audit_ != nullptr) audit_->Write("budget", std::move(fields));
  }
  void AuditExpired(int64_t count) {
    if (count > 0) Audit({{"event", "expired"}, {"reservations", count}});
  }

  void DoReserve(ReserveRequest request, ReserveDone done);
  void DoCommit(PendingCommit p, CommitDone done);
  void Defer(PendingCommit p, const absl::Status& why, CommitDone done);
  void DoRelease(ReservationId id, absl::AnyInvocable<void(absl::Status)> done);
  void DoSnapshot(const std::string& scope, SnapshotDone done);
  void OnReady();
  void OnDown(const std::string& why);
  std::vector<std::string> CommitArgs(const PendingCommit& p) const;

  const BudgetConfig config_;
  AuditLog* const audit_;
  const std::function<absl::Time()> clock_;
  std::unique_ptr<http::EventLoop> own_loop_;
  http::EventLoop* const loop_;
  std::unique_ptr<CommitJournal> journal_;
  std::vector<std::string> sources_;
  std::vector<std::string> shas_;
  std::string host_;
  int port_ = 6379;
  // Loop-thread state.
  std::unique_ptr<RedisConnection> conn_;
  std::mt19937_64 rng_;
  // Commits Redis has not confirmed (also in the journal), by id.
  std::map<ReservationId, Deferred> deferred_;
  // Reservations whose Reserve or Release got no reply: released (with a
  // tombstone, so a late Reserve holds nothing) once Redis is back.
  std::set<ReservationId> orphans_;
  bool was_down_ = false;
};

}  // namespace llmgw::redis_internal

#endif  // LLMGW_BUDGET_REDIS_LEDGER_IMPL_H_
