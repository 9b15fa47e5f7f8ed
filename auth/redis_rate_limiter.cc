// The Redis backend of RateLimiter: Lua scripts on one hiredis connection
// owned by a client thread; completions are posted to the event loop.
#include <hiredis/hiredis.h>

#include <deque>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "auth/rate_limiter.h"
#include "common/json_log.h"

namespace llmgw {
namespace {

// KEYS[1] key prefix; ARGV rpm, tpm (0 = unlimited). The window is the
// current minute of the redis-server's clock. Returns {0, 0} when admitted
// (and counts the request), else {1 (rpm) | 2 (tpm), ms until the window
// turns}.
constexpr char kAdmitScript[] = R"lua(
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = math.floor(now_ms / 60000)
local key = KEYS[1] .. ':' .. window
local left = (window + 1) * 60000 - now_ms
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local req = tonumber(redis.call('HGET', key, 'r') or '0')
local tok = tonumber(redis.call('HGET', key, 't') or '0')
if rpm > 0 and req >= rpm then return {1, left} end
if tpm > 0 and tok >= tpm then return {2, left} end
redis.call('HINCRBY', key, 'r', 1)
redis.call('PEXPIRE', key, 120000)
return {0, 0}
)lua";

// KEYS[1] key prefix; ARGV tokens.
constexpr char kTokensScript[] = R"lua(
local t = redis.call('TIME')
local window = math.floor(tonumber(t[1]) / 60)
local key = KEYS[1] .. ':' .. window
redis.call('HINCRBY', key, 't', tonumber(ARGV[1]))
redis.call('PEXPIRE', key, 120000)
return 0
)lua";

// Bounds: a slow or absent Redis delays a call by at most this much, and
// at most this many commands wait (beyond that, calls are admitted).
constexpr absl::Duration kRedisTimeout = absl::Milliseconds(500);
constexpr size_t kMaxQueued = 10000;

class RedisRateLimiter : public RateLimiter {
 public:
  RedisRateLimiter(std::string address, std::string prefix,
                   http::EventLoop* loop)
      : address_(std::move(address)), prefix_(std::move(prefix)), loop_(loop) {
    thread_ = std::thread([this] { Run(); });
  }

  ~RedisRateLimiter() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
    if (ctx_ != nullptr) redisFree(ctx_);
  }

  void Admit(const std::string& tenant, const RateLimits& limits,
             Done done) override {
    Job job;
    job.tenant = tenant;
    job.limits = limits;
    job.done = std::move(done);
    Enqueue(std::move(job));
  }

  void RecordTokens(const std::string& tenant, int64_t tokens) override {
    if (tokens <= 0) return;
    Job job;
    job.tenant = tenant;
    job.tokens = tokens;
    Enqueue(std::move(job));
  }

  std::string backend() const override { return "redis"; }

 private:
  struct Job {
    std::string tenant;
    RateLimits limits;
    int64_t tokens = 0;  // > 0: RecordTokens
    Done done;           // set: Admit
  };

  void Enqueue(Job job) {
    {
      absl::MutexLock lock(&mu_);
      if (queue_.size() < kMaxQueued && !stopping_) {
        queue_.push_back(std::move(job));
        return;
      }
    }
    if (job.done) job.done(absl::OkStatus());  // fail open, never block
  }

  void Run() {
    for (;;) {
      Job job;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](RedisRateLimiter* self)
                 ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                   return self->stopping_ || !self->queue_.empty();
                 },
            this));
        if (queue_.empty()) return;  // stopping
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      absl::Status result = Execute(job);
      if (job.done) {
        loop_->Post(
            [done = std::move(job.done), result = std::move(result)]() mutable {
              done(std::move(result));
            });
      }
    }
  }

  bool Connect() {
    if (ctx_ != nullptr && ctx_->err == 0) return true;
    if (ctx_ != nullptr) redisFree(ctx_);
    const size_t colon = address_.rfind(':');
    int port = 6379;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(address_.substr(colon + 1), &port)) {
      ctx_ = nullptr;
      return false;
    }
    timeval tv = absl::ToTimeval(kRedisTimeout);
    ctx_ = redisConnectWithTimeout(address_.substr(0, colon).c_str(), port, tv);
    if (ctx_ == nullptr || ctx_->err != 0) return false;
    redisSetTimeout(ctx_, tv);
    return true;
  }

  absl::Status Execute(const Job& job) {
    const std::string key = absl::StrCat(prefix_, ":", job.tenant);
    redisReply* reply = nullptr;
    if (Connect()) {
      if (job.tokens > 0) {
        reply = static_cast<redisReply*>(
            redisCommand(ctx_, "EVAL %s 1 %s %lld", kTokensScript, key.c_str(),
                         static_cast<long long>(job.tokens)));
      } else {
        reply = static_cast<redisReply*>(redisCommand(
            ctx_, "EVAL %s 1 %s %lld %lld", kAdmitScript, key.c_str(),
            static_cast<long long>(job.limits.requests_per_minute),
            static_cast<long long>(job.limits.tokens_per_minute)));
      }
    }
    absl::Status result;
    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
      Unavailable(reply != nullptr  ? reply->str
                  : ctx_ != nullptr ? ctx_->errstr
                                    : "cannot connect");
    } else if (job.tokens == 0 && reply->type == REDIS_REPLY_ARRAY &&
               reply->elements == 2 && reply->element[0]->integer != 0) {
      const bool rpm = reply->element[0]->integer == 1;
      result = RateLimitedError(
          job.tenant, rpm ? "rpm" : "tpm",
          rpm ? job.limits.requests_per_minute : job.limits.tokens_per_minute,
          absl::Milliseconds(reply->element[1]->integer));
    }
    if (reply != nullptr) freeReplyObject(reply);
    return result;
  }

  void Unavailable(const char* why) {
    if (ctx_ != nullptr) {
      redisFree(ctx_);
      ctx_ = nullptr;
    }
    const absl::Time now = absl::Now();
    if (now - last_warning_ < absl::Minutes(1)) return;
    last_warning_ = now;
    LogWarning(
        "rate_limit_unavailable",
        {{"redis", address_},
         {"error", why},
         {"effect", "rate limits are not enforced until Redis answers"}});
  }

  const std::string address_;
  const std::string prefix_;
  http::EventLoop* const loop_;
  redisContext* ctx_ = nullptr;  // client thread only
  absl::Time last_warning_ = absl::InfinitePast();
  absl::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<RateLimiter> NewRedisRateLimiter(const std::string& address,
                                                 const std::string& key_prefix,
                                                 http::EventLoop* loop) {
  return std::make_unique<RedisRateLimiter>(address, key_prefix, loop);
}

}  // namespace llmgw
