// The Redis ledger's operations, on the loop thread (see redis_ledger.h).
#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "budget/in_memory_ledger.h"
#include "budget/redis_ledger_impl.h"
#include "common/money.h"

namespace llmgw::redis_internal {
namespace {

int64_t AmountFor(const ReserveRequest& request, const std::string& scope) {
  for (const ScopeHold& h : request.holds) {
    if (h.scope == scope) return h.amount_nano_usd;
  }
  return 0;
}

// The refusal of a reservation that would pass the hard safety cap.
std::string CapMessage(int64_t cap, int64_t amount, int64_t spent,
                       int64_t reserved) {
  return absl::StrCat(
      "hard safety cap of ", FormatUsd(cap),
      " reached: this call may cost up to ", FormatUsd(amount), " but ",
      FormatUsd(spent), " has been spent in total and ", FormatUsd(reserved),
      " is reserved by calls in flight; raise budget.hard_safety_cap "
      "(LLMGW_HARD_SAFETY_CAP)");
}

}  // namespace

void RedisLedger::DoReserve(ReserveRequest request, ReserveDone done) {
  const absl::Time start = absl::Now();
  const absl::Time now = clock_();
  const ReservationId id = NewId();
  std::vector<std::string> args = {
      config_.redis_key_prefix,
      Ms(now),
      Window(now),
      request.expires_at == absl::InfiniteFuture()
          ? std::to_string(int64_t{1} << 52)
          : Ms(request.expires_at),
      std::to_string(config_.hard_safety_cap_nano_usd),
      std::to_string(id)};
  for (const ScopeHold& h : request.holds) {
    if (h.amount_nano_usd < 0) {
      done(absl::InvalidArgumentError("negative reservation"));
      return;
    }
    args.push_back(h.scope);
    args.push_back(std::to_string(h.amount_nano_usd));
    args.push_back(std::to_string(EffectiveLimit(
        ConfiguredLimit(config_, h.scope), config_.allow_overage_percent)));
  }
  Send(kReserve, std::move(args),
       [this, id, start, request = std::move(request), done = std::move(done)](
           absl::Status s, redisReply* r) mutable {
         if (s.ok() && !Array(r, 6)) {
           s = absl::InternalError("unexpected reply from the Redis ledger");
         }
         if (!s.ok()) {
           Observe("reserve", start, false);
           // The script may still run (a late reply, a stalled Redis that
           // resumes): release this id, with a tombstone, once Redis is back.
           orphans_.insert(id);
           if (config_.redis_fail_open && absl::IsUnavailable(s)) {
             Audit({{"event", "reserve_fail_open"},
                    {"reservation", id},
                    {"client", request.client_id},
                    {"reason", std::string(s.message())}});
             done(id);
             return;
           }
           Audit({{"event", "reserve_failed"},
                  {"client", request.client_id},
                  {"reason", std::string(s.message())}});
           done(std::move(s));
           return;
         }
         Observe("reserve", start, true);
         AuditExpired(Int(r->element[4]));
         if (Int(r->element[0]) == 1) {
           done(id);
           return;
         }
         const std::string scope = Str(r->element[1]);
         const int64_t amount = AmountFor(request, scope);
         std::string message;
         const std::string why = Str(r->element[5]);
         if (why == "cap") {
           message = CapMessage(config_.hard_safety_cap_nano_usd, amount,
                                Int(r->element[2]), Int(r->element[3]));
         } else if (why == "limit") {
           message =
               RefusalMessage(scope, amount, ConfiguredLimit(config_, scope),
                              config_.allow_overage_percent, Int(r->element[2]),
                              Int(r->element[3]));
         } else {
           done(absl::InternalError(
               "the Redis ledger refused a fresh reservation id; retry"));
           return;
         }
         Audit({{"event", "reserve_refused"},
                {"requested_nano_usd", amount},
                {"client", request.client_id},
                {"reason", message}});
         done(absl::ResourceExhaustedError(message));
       });
}

std::vector<std::string> RedisLedger::CommitArgs(const PendingCommit& p) const {
  const absl::Time at = absl::FromUnixMillis(p.at_ms);
  std::vector<std::string> args = {config_.redis_key_prefix,
                                   std::to_string(absl::ToUnixMillis(clock_())),
                                   Window(at),
                                   std::to_string(p.request.id),
                                   std::to_string(p.request.actual_nano_usd),
                                   p.request.provider,
                                   p.request.model,
                                   Ttl()};
  for (std::string& scope : ChargedScopes(p.request.provider, p.request.model,
                                          p.request.client_id)) {
    args.push_back(std::move(scope));
  }
  return args;
}

void RedisLedger::DoCommit(PendingCommit p, CommitDone done) {
  const absl::Time start = absl::Now();
  std::vector<std::string> args = CommitArgs(p);
  Send(kCommit, std::move(args),
       [this, p = std::move(p), start, done = std::move(done)](
           absl::Status s, redisReply* r) mutable {
         Observe("commit", start, s.ok());
         if (!s.ok()) {
           Defer(std::move(p), s, std::move(done));
           return;
         }
         const CommitRequest& req = p.request;
         const bool array = Array(r, 3);
         const int64_t state = array ? Int(r->element[0]) : 0;
         const int64_t held = array ? Int(r->element[1]) : 0;
         if (array) AuditExpired(Int(r->element[2]));
         orphans_.erase(req.id);
         nlohmann::json e = {
             {"event", "commit"},
             {"reservation", req.id},
             {"provider", req.provider},
             {"model", req.model},
             {"client", req.client_id},
             {"cost_nano_usd", req.actual_nano_usd},
             {"reserved_nano_usd", held},
             {"released_nano_usd",
              std::max<int64_t>(0, held - req.actual_nano_usd)}};
         if (state == 0) e["reservation_expired"] = true;
         if (state == 2) e["duplicate"] = true;
         Audit(std::move(e));
         done(absl::OkStatus());
       });
}

void RedisLedger::Defer(PendingCommit p, const absl::Status& why,
                        CommitDone done) {
  const CommitRequest& req = p.request;
  Audit({{"event", "commit_deferred"},
         {"reservation", req.id},
         {"provider", req.provider},
         {"model", req.model},
         {"client", req.client_id},
         {"cost_nano_usd", req.actual_nano_usd},
         {"journal", journal_ != nullptr ? journal_->path() : "memory"},
         {"reason", std::string(why.message())}});
  deferred_[req.id] = Deferred{p, false};
  if (journal_ == nullptr) {
    // Kept in memory and retried; lost only if this process dies first.
    done(absl::OkStatus());
    return;
  }
  journal_->Append(p, [loop = loop_, cost = req.actual_nano_usd,
                       done = std::move(done)](absl::Status s) mutable {
    if (!s.ok()) {
      s = absl::Status(s.code(),
                       absl::StrCat("charge of ", FormatUsd(cost),
                                    " kept in memory for Redis but not made "
                                    "durable: ",
                                    s.message()));
    }
    loop->Post([done = std::move(done), s = std::move(s)]() mutable {
      done(std::move(s));
    });
  });
}

void RedisLedger::DoRelease(ReservationId id,
                            absl::AnyInvocable<void(absl::Status)> done) {
  const absl::Time start = absl::Now();
  Send(kRelease, {config_.redis_key_prefix, std::to_string(id), Ttl()},
       [this, id, start, done = std::move(done)](absl::Status s,
                                                 redisReply* r) mutable {
         Observe("release", start, s.ok());
         if (!s.ok()) {
           // Retried once Redis is back; the reservation also expires.
           if (orphans_.insert(id).second) {
             Audit({{"event", "release_deferred"},
                    {"reservation", id},
                    {"reason", std::string(s.message())}});
           }
           done(std::move(s));
           return;
         }
         orphans_.erase(id);
         if (r->type == REDIS_REPLY_STRING) {
           Audit({{"event", "release"},
                  {"reservation", id},
                  {"released_nano_usd", Int(r)}});
         }
         done(absl::OkStatus());
       });
}

void RedisLedger::OnReady() {
  if (was_down_) {
    Audit({{"event", "ledger_available"},
           {"backend", "redis"},
           {"address", config_.redis_address},
           {"replaying_commits", deferred_.size()},
           {"releasing_reservations", orphans_.size()}});
    was_down_ = false;
  }
  for (auto& [id, d] : deferred_) {
    if (d.in_flight) continue;
    d.in_flight = true;
    Send(kCommit, CommitArgs(d.commit),
         [this, id = id](absl::Status s, redisReply* r) {
           auto it = deferred_.find(id);
           if (it == deferred_.end()) return;
           if (!s.ok()) {
             it->second.in_flight = false;  // next time Redis is ready
             return;
           }
           const CommitRequest& req = it->second.commit.request;
           Audit({{"event", "commit_replayed"},
                  {"reservation", id},
                  {"provider", req.provider},
                  {"model", req.model},
                  {"client", req.client_id},
                  {"cost_nano_usd", req.actual_nano_usd},
                  {"duplicate", Array(r, 3) && Int(r->element[0]) == 2}});
           orphans_.erase(id);
           deferred_.erase(it);
           if (journal_ != nullptr) journal_->Remove(id);
         });
  }
  const std::vector<ReservationId> orphans(orphans_.begin(), orphans_.end());
  for (ReservationId id : orphans) DoRelease(id, [](absl::Status) {});
}

void RedisLedger::OnDown(const std::string& why) {
  was_down_ = true;
  Audit({{"event", "ledger_unavailable"},
         {"backend", "redis"},
         {"address", config_.redis_address},
         {"reason", why},
         {"policy", config_.redis_fail_open ? "fail_open" : "fail_closed"}});
}

void RedisLedger::DoSnapshot(const std::string& scope_name, SnapshotDone done) {
  absl::StatusOr<std::string> scope = NormalizeScope(scope_name);
  if (!scope.ok()) {
    done(scope.status());
    return;
  }
  const absl::Time start = absl::Now();
  const absl::Time now = clock_();
  Send(kSnapshot, {config_.redis_key_prefix, Ms(now), Window(now), *scope},
       [this, scope = *scope, now, start, done = std::move(done)](
           absl::Status st, redisReply* r) mutable {
         if (st.ok() && !Array(r, 7)) {
           st = absl::InternalError("unexpected reply from the Redis ledger");
         }
         Observe("snapshot", start, st.ok());
         if (!st.ok()) {
           done(std::move(st));
           return;
         }
         AuditExpired(Int(r->element[6]));
         BudgetSnapshot s;
         s.scope = scope;
         s.limit_nano_usd = ConfiguredLimit(config_, scope);
         s.spent_nano_usd = Int(r->element[0]);
         s.reserved_nano_usd = Int(r->element[1]);
         s.lifetime_spent_nano_usd = Int(r->element[2]);
         s.open_reservations = Int(r->element[3]);
         s.remaining_nano_usd =
             s.limit_nano_usd > 0
                 ? std::max<int64_t>(0, s.limit_nano_usd - s.spent_nano_usd -
                                            s.reserved_nano_usd)
                 : 0;
         s.window_start = WindowStart(now);
         s.window_length = config_.window;
         s.hard_cap_nano_usd =
             scope == kGlobalScope ? config_.hard_safety_cap_nano_usd : 0;
         std::map<std::string, int64_t> calls;
         const redisReply* c = r->element[5];
         for (size_t i = 0; c->type == REDIS_REPLY_ARRAY && i + 1 < c->elements;
              i += 2) {
           calls[Str(c->element[i])] = Int(c->element[i + 1]);
         }
         const redisReply* b = r->element[4];
         for (size_t i = 0; b->type == REDIS_REPLY_ARRAY && i + 1 < b->elements;
              i += 2) {
           const std::string line = Str(b->element[i]);
           std::pair<std::string, std::string> pm =
               absl::StrSplit(line, absl::MaxSplits('\n', 1));
           s.breakdown.push_back(SpendLine{
               pm.first, pm.second, Int(b->element[i + 1]), calls[line]});
         }
         std::sort(s.breakdown.begin(), s.breakdown.end(),
                   [](const SpendLine& a, const SpendLine& b) {
                     return std::tie(a.provider, a.model) <
                            std::tie(b.provider, b.model);
                   });
         done(std::move(s));
       });
}

}  // namespace llmgw::redis_internal
