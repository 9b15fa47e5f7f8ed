#include "budget/redis_ledger.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "budget/in_memory_ledger.h"
#include "budget/money.h"

namespace llmgw {
namespace {

// Shared by every script: releasing one reservation, and every expired one.
constexpr char kPrelude[] = R"lua(
local P = ARGV[1]
local function drop(id)
  local holds = redis.call('HGETALL', P .. ':res:' .. id)
  for i = 1, #holds, 2 do
    redis.call('DECRBY', P .. ':reserved:' .. holds[i], holds[i + 1])
    redis.call('DECR', P .. ':open:' .. holds[i])
  end
  redis.call('DEL', P .. ':res:' .. id)
  redis.call('ZREM', P .. ':exp', id)
  return #holds > 0
end
local function expire(now)
  local ids = redis.call('ZRANGEBYSCORE', P .. ':exp', '-inf', now)
  for _, id in ipairs(ids) do drop(id) end
  return #ids
end
)lua";

// ARGV: P, now_ms, window, expires_ms, hard_cap, then (scope, amount,
// effective_limit) triples. Returns {id, scope, spent, reserved, expired,
// why}; id 0 = refused by `scope`.
constexpr char kReserve[] = R"lua(
local now, w, exp, cap = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local expired = expire(now)
local n = (#ARGV - 5) / 3
for i = 0, n - 1 do
  local scope = ARGV[6 + 3 * i]
  local amount = tonumber(ARGV[7 + 3 * i])
  local limit = tonumber(ARGV[8 + 3 * i])
  local spent = redis.call('GET', P .. ':spent:' .. w .. ':' .. scope) or '0'
  local reserved = redis.call('GET', P .. ':reserved:' .. scope) or '0'
  if limit > 0 and tonumber(spent) + tonumber(reserved) + amount > limit then
    return {0, scope, spent, reserved, expired, 'limit'}
  end
  if scope == 'global' and cap > 0 then
    local life = redis.call('GET', P .. ':life:global') or '0'
    if tonumber(life) + tonumber(reserved) + amount > cap then
      return {0, scope, life, reserved, expired, 'cap'}
    end
  end
end
local id = redis.call('INCR', P .. ':next_id')
for i = 0, n - 1 do
  local scope = ARGV[6 + 3 * i]
  local amount = ARGV[7 + 3 * i]
  redis.call('HSET', P .. ':res:' .. id, scope, amount)
  redis.call('INCRBY', P .. ':reserved:' .. scope, amount)
  redis.call('INCR', P .. ':open:' .. scope)
end
redis.call('ZADD', P .. ':exp', exp, id)
return {id, '', '', '', expired, ''}
)lua";

// ARGV: P, now_ms, window, id, actual, provider, model, ttl_s, scopes...
// Returns {had_reservation, held_global, expired}.
constexpr char kCommit[] = R"lua(
local now, w, id, actual = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local line, ttl = ARGV[6] .. '\n' .. ARGV[7], ARGV[8]
local expired = expire(now)
local held = redis.call('HGET', P .. ':res:' .. id, 'global') or '0'
local existed = drop(id)
for i = 9, #ARGV do
  local scope = ARGV[i]
  local spent = P .. ':spent:' .. w .. ':' .. scope
  redis.call('INCRBY', spent, actual)
  redis.call('EXPIRE', spent, ttl)
  redis.call('INCRBY', P .. ':life:' .. scope, actual)
  local bd = P .. ':bd:' .. w .. ':' .. scope
  redis.call('HINCRBY', bd, line, actual)
  redis.call('EXPIRE', bd, ttl)
  local calls = P .. ':calls:' .. w .. ':' .. scope
  redis.call('HINCRBY', calls, line, 1)
  redis.call('EXPIRE', calls, ttl)
end
return {existed and 1 or 0, held, expired}
)lua";

// ARGV: P, id. Returns the amount held on "global", or false.
constexpr char kRelease[] = R"lua(
local held = redis.call('HGET', P .. ':res:' .. ARGV[2], 'global')
drop(ARGV[2])
return held
)lua";

// ARGV: P, now_ms, window, scope. Returns {spent, reserved, lifetime, open,
// breakdown (line, spent, ...), calls (line, n, ...), expired}.
constexpr char kSnapshot[] = R"lua(
local now, w, scope = ARGV[2], ARGV[3], ARGV[4]
local expired = expire(now)
return {redis.call('GET', P .. ':spent:' .. w .. ':' .. scope) or '0',
        redis.call('GET', P .. ':reserved:' .. scope) or '0',
        redis.call('GET', P .. ':life:' .. scope) or '0',
        redis.call('GET', P .. ':open:' .. scope) or '0',
        redis.call('HGETALL', P .. ':bd:' .. w .. ':' .. scope),
        redis.call('HGETALL', P .. ':calls:' .. w .. ':' .. scope),
        expired}
)lua";

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string Str(const redisReply* r) {
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
    return std::string(r->str, r->len);
  }
  return "";
}

int64_t Int(const redisReply* r) {
  if (r == nullptr) return 0;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  int64_t v = 0;
  (void)absl::SimpleAtoi(Str(r), &v);
  return v;
}

class RedisLedger : public SpendLedger {
 public:
  RedisLedger(BudgetConfig config, AuditLog* audit,
              std::function<absl::Time()> clock)
      : config_(std::move(config)), audit_(audit), clock_(std::move(clock)) {
    scripts_ = {
        absl::StrCat(kPrelude, kReserve), absl::StrCat(kPrelude, kCommit),
        absl::StrCat(kPrelude, kRelease), absl::StrCat(kPrelude, kSnapshot)};
  }
  ~RedisLedger() override {
    if (ctx_ != nullptr) redisFree(ctx_);
  }

  absl::Status Connect() {
    absl::MutexLock lock(&mu_);
    return ConnectLocked();
  }

  absl::StatusOr<ReservationId> Reserve(
      const ReserveRequest& request) override {
    const absl::Time now = clock_();
    std::vector<std::string> args = {
        config_.redis_key_prefix, Ms(now), Window(now),
        request.expires_at == absl::InfiniteFuture()
            ? std::to_string(int64_t{1} << 52)
            : Ms(request.expires_at),
        std::to_string(config_.hard_safety_cap_nano_usd)};
    for (const ScopeHold& h : request.holds) {
      if (h.amount_nano_usd < 0) {
        return absl::InvalidArgumentError("negative reservation");
      }
      args.push_back(h.scope);
      args.push_back(std::to_string(h.amount_nano_usd));
      args.push_back(std::to_string(EffectiveLimit(
          ConfiguredLimit(config_, h.scope), config_.allow_overage_percent)));
    }
    absl::StatusOr<Reply> reply = Eval(kReserveScript, args);
    if (!reply.ok()) return reply.status();
    redisReply* r = reply->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 6) {
      return absl::InternalError("unexpected reply from the Redis ledger");
    }
    AuditExpired(Int(r->element[4]));
    const int64_t id = Int(r->element[0]);
    if (id != 0) return static_cast<ReservationId>(id);
    const std::string scope = Str(r->element[1]);
    const int64_t amount = AmountFor(request, scope);
    std::string message;
    if (Str(r->element[5]) == "cap") {
      message = absl::StrCat(
          "hard safety cap of ", FormatUsd(config_.hard_safety_cap_nano_usd),
          " reached: this call may cost up to ", FormatUsd(amount), " but ",
          FormatUsd(Int(r->element[2])), " has been spent in total and ",
          FormatUsd(Int(r->element[3])),
          " is reserved by calls in flight; raise budget.hard_safety_cap "
          "(LLMGW_HARD_SAFETY_CAP)");
    } else {
      message = RefusalMessage(scope, amount, ConfiguredLimit(config_, scope),
                               config_.allow_overage_percent,
                               Int(r->element[2]), Int(r->element[3]));
    }
    Audit({{"event", "reserve_refused"},
           {"requested_nano_usd", amount},
           {"client", request.client_id},
           {"reason", message}});
    return absl::ResourceExhaustedError(message);
  }

  absl::Status Commit(const CommitRequest& request) override {
    const absl::Time now = clock_();
    std::vector<std::string> args = {
        config_.redis_key_prefix,
        Ms(now),
        Window(now),
        std::to_string(request.id),
        std::to_string(request.actual_nano_usd),
        request.provider,
        request.model,
        std::to_string(2 * absl::ToInt64Seconds(config_.window) + 60)};
    for (std::string& scope :
         ChargedScopes(request.provider, request.model, request.client_id)) {
      args.push_back(std::move(scope));
    }
    absl::StatusOr<Reply> reply = Eval(kCommitScript, args);
    if (!reply.ok()) {
      Audit({{"event", "commit_failed"},
             {"reservation", request.id},
             {"provider", request.provider},
             {"model", request.model},
             {"client", request.client_id},
             {"cost_nano_usd", request.actual_nano_usd},
             {"reason", std::string(reply.status().message())}});
      return reply.status();
    }
    redisReply* r = reply->get();
    const bool existed = r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
                         Int(r->element[0]) == 1;
    const int64_t held = r->type == REDIS_REPLY_ARRAY && r->elements >= 3
                             ? Int(r->element[1])
                             : 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 3) {
      AuditExpired(Int(r->element[2]));
    }
    nlohmann::json e = {{"event", "commit"},
                        {"reservation", request.id},
                        {"provider", request.provider},
                        {"model", request.model},
                        {"client", request.client_id},
                        {"cost_nano_usd", request.actual_nano_usd},
                        {"reserved_nano_usd", held},
                        {"released_nano_usd",
                         std::max<int64_t>(0, held - request.actual_nano_usd)}};
    if (!existed) e["reservation_expired"] = true;
    Audit(std::move(e));
    return absl::OkStatus();
  }

  void Release(ReservationId id) override {
    absl::StatusOr<Reply> reply =
        Eval(kReleaseScript, {config_.redis_key_prefix, std::to_string(id)});
    if (!reply.ok()) {
      // The reservation expires on its own.
      Audit({{"event", "release_failed"},
             {"reservation", id},
             {"reason", std::string(reply.status().message())}});
      return;
    }
    if ((*reply)->type == REDIS_REPLY_STRING) {
      Audit({{"event", "release"},
             {"reservation", id},
             {"released_nano_usd", Int(reply->get())}});
    }
  }

  absl::StatusOr<BudgetSnapshot> Snapshot(
      absl::string_view scope_name) override {
    absl::StatusOr<std::string> scope = NormalizeScope(scope_name);
    if (!scope.ok()) return scope.status();
    const absl::Time now = clock_();
    absl::StatusOr<Reply> reply =
        Eval(kSnapshotScript,
             {config_.redis_key_prefix, Ms(now), Window(now), *scope});
    if (!reply.ok()) return reply.status();
    redisReply* r = reply->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 7) {
      return absl::InternalError("unexpected reply from the Redis ledger");
    }
    AuditExpired(Int(r->element[6]));
    BudgetSnapshot s;
    s.scope = *scope;
    s.limit_nano_usd = ConfiguredLimit(config_, *scope);
    s.spent_nano_usd = Int(r->element[0]);
    s.reserved_nano_usd = Int(r->element[1]);
    s.lifetime_spent_nano_usd = Int(r->element[2]);
    s.open_reservations = Int(r->element[3]);
    s.remaining_nano_usd =
        s.limit_nano_usd > 0
            ? std::max<int64_t>(
                  0, s.limit_nano_usd - s.spent_nano_usd - s.reserved_nano_usd)
            : 0;
    s.window_start = WindowStart(now);
    s.window_length = config_.window;
    s.hard_cap_nano_usd =
        *scope == kGlobalScope ? config_.hard_safety_cap_nano_usd : 0;
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
      s.breakdown.push_back(
          SpendLine{pm.first, pm.second, Int(b->element[i + 1]), calls[line]});
    }
    std::sort(s.breakdown.begin(), s.breakdown.end(),
              [](const SpendLine& a, const SpendLine& b) {
                return std::tie(a.provider, a.model) <
                       std::tie(b.provider, b.model);
              });
    return s;
  }

  const BudgetConfig& config() const override { return config_; }

 private:
  enum Script {
    kReserveScript,
    kCommitScript,
    kReleaseScript,
    kSnapshotScript
  };

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
  static int64_t AmountFor(const ReserveRequest& request,
                           const std::string& scope) {
    for (const ScopeHold& h : request.holds) {
      if (h.scope == scope) return h.amount_nano_usd;
    }
    return 0;
  }

  void Audit(nlohmann::json fields) {
    if (audit_ != nullptr) audit_->Write("budget", std::move(fields));
  }
  void AuditExpired(int64_t count) {
    if (count > 0) Audit({{"event", "expired"}, {"reservations", count}});
  }

  absl::Status ConnectLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (ctx_ != nullptr) {
      redisFree(ctx_);
      ctx_ = nullptr;
    }
    const size_t colon = config_.redis_address.rfind(':');
    int port = 6379;
    std::string host = config_.redis_address;
    if (colon != std::string::npos) {
      host = config_.redis_address.substr(0, colon);
      if (!absl::SimpleAtoi(config_.redis_address.substr(colon + 1), &port)) {
        return absl::InvalidArgumentError(absl::StrCat("budget.redis_address '",
                                                       config_.redis_address,
                                                       "' is not host:port"));
      }
    }
    timeval timeout{1, 0};
    ctx_ = redisConnectWithTimeout(host.c_str(), port, timeout);
    if (ctx_ == nullptr || ctx_->err != 0) {
      std::string why = ctx_ != nullptr ? ctx_->errstr : "out of memory";
      if (ctx_ != nullptr) redisFree(ctx_);
      ctx_ = nullptr;
      return absl::UnavailableError(
          absl::StrCat("budget ledger unavailable: cannot connect to Redis at ",
                       config_.redis_address, ": ", why,
                       " (budget.redis_address / LLMGW_BUDGET_REDIS)"));
    }
    redisSetTimeout(ctx_, timeout);
    shas_.clear();
    for (const std::string& script : scripts_) {
      Reply reply(static_cast<redisReply*>(
          redisCommand(ctx_, "SCRIPT LOAD %b", script.data(), script.size())));
      if (reply == nullptr || reply->type != REDIS_REPLY_STRING) {
        std::string why = reply == nullptr ? ctx_->errstr : Str(reply.get());
        redisFree(ctx_);
        ctx_ = nullptr;
        return absl::UnavailableError(absl::StrCat(
            "budget ledger unavailable: cannot load scripts into Redis at ",
            config_.redis_address, ": ", why));
      }
      shas_.push_back(Str(reply.get()));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Reply> Eval(Script script,
                             const std::vector<std::string>& args) {
    absl::MutexLock lock(&mu_);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (ctx_ == nullptr) {
        absl::Status connected = ConnectLocked();
        if (!connected.ok()) return connected;
      }
      std::vector<const char*> argv = {"EVALSHA", shas_[script].c_str(), "0"};
      std::vector<size_t> lens = {7, shas_[script].size(), 1};
      for (const std::string& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      Reply reply(static_cast<redisReply*>(redisCommandArgv(
          ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
      if (reply == nullptr) {
        // Connection broken: reconnect once. A script that ran but whose
        // reply was lost is not repeated for Commit (it would double count).
        const std::string why = ctx_->errstr;
        redisFree(ctx_);
        ctx_ = nullptr;
        if (script == kCommitScript || attempt == 1) {
          return absl::UnavailableError(
              absl::StrCat("budget ledger unavailable: Redis at ",
                           config_.redis_address, ": ", why));
        }
        continue;
      }
      if (reply->type == REDIS_REPLY_ERROR) {
        const std::string why = Str(reply.get());
        if (why.rfind("NOSCRIPT", 0) == 0 && attempt == 0) {
          redisFree(ctx_);  // reconnect reloads the scripts
          ctx_ = nullptr;
          continue;
        }
        return absl::InternalError(
            absl::StrCat("budget ledger error from Redis: ", why));
      }
      return reply;
    }
    return absl::UnavailableError("budget ledger unavailable");
  }

  const BudgetConfig config_;
  AuditLog* const audit_;
  const std::function<absl::Time()> clock_;
  std::vector<std::string> scripts_;
  absl::Mutex mu_;
  redisContext* ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<std::string> shas_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<SpendLedger>> OpenRedisLedger(
    const BudgetConfig& config, AuditLog* audit,
    std::function<absl::Time()> clock) {
  auto ledger = std::make_unique<RedisLedger>(config, audit, std::move(clock));
  absl::Status connected = ledger->Connect();
  if (!connected.ok()) return connected;
  return ledger;
}

}  // namespace llmgw
