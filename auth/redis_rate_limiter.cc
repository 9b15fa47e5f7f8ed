// The Redis backend of RateLimiter: Lua scripts (EVALSHA) on one pipelined
// hiredis asynchronous connection driven by the gateway's event loop
// (budget/redis_connection.h): no thread of its own, no blocking call.
#include <openssl/sha.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "auth/rate_limiter.h"
#include "budget/redis_connection.h"
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

// Bounds: a slow or hung Redis delays a call by at most this much (the
// connection's per-command timer), and at most this many commands wait on
// it (beyond that, calls are admitted at once).
constexpr absl::Duration kRedisTimeout = absl::Milliseconds(500);
constexpr int kMaxInFlight = 10000;

// The SHA1 Redis names a script by (SCRIPT LOAD's reply), lower-case hex.
std::string ScriptSha(absl::string_view script) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(script.data()), script.size(),
       digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

class RedisRateLimiter : public RateLimiter {
 public:
  RedisRateLimiter(std::string address, std::string host, int port,
                   std::string prefix, http::EventLoop* loop)
      : address_(std::move(address)),
        prefix_(std::move(prefix)),
        loop_(loop),
        admit_sha_(ScriptSha(kAdmitScript)),
        tokens_sha_(ScriptSha(kTokensScript)) {
    OnLoopAndWait([this, host = std::move(host), port] {
      conn_ = std::make_unique<RedisConnection>(
          loop_, host, port, kRedisTimeout,
          std::vector<std::string>{kAdmitScript, kTokensScript}, "rate limiter",
          "the limiter's fixed command timeout");
      conn_->Start([] {}, [this](const std::string& why) { Unavailable(why); });
    });
  }

  ~RedisRateLimiter() override {
    // Fails what is in flight (admitted: fail open) on the loop thread.
    OnLoopAndWait([this] { conn_.reset(); });
  }

  void Admit(const std::string& tenant, const RateLimits& limits,
             Done done) override {
    OnLoop([this, key = Key(tenant), tenant, limits,
            done = std::move(done)]() mutable {
      if (!Sendable()) return done(absl::OkStatus());  // fail open
      ++in_flight_;
      conn_->Send({"EVALSHA", admit_sha_, "1", key,
                   std::to_string(limits.requests_per_minute),
                   std::to_string(limits.tokens_per_minute)},
                  [this, tenant, limits, done = std::move(done)](
                      absl::Status status, redisReply* reply) mutable {
                    --in_flight_;
                    done(Verdict(tenant, limits, status, reply));
                  });
    });
  }

  void RecordTokens(const std::string& tenant, int64_t tokens) override {
    if (tokens <= 0) return;
    OnLoop([this, key = Key(tenant), tokens] {
      if (!Sendable()) return;
      ++in_flight_;
      conn_->Send({"EVALSHA", tokens_sha_, "1", key, std::to_string(tokens)},
                  [this](absl::Status status, redisReply* reply) {
                    --in_flight_;
                    if (!status.ok()) Unavailable(status.message());
                  });
    });
  }

  std::string backend() const override { return "redis"; }

 private:
  std::string Key(const std::string& tenant) const {
    return absl::StrCat(prefix_, ":", tenant);
  }

  // Loop thread. False while Redis is down or too many commands wait.
  bool Sendable() {
    if (conn_ == nullptr) return false;
    if (conn_->state() == RedisConnection::State::kDown) {
      Unavailable(conn_->last_error());
      return false;
    }
    return in_flight_ < kMaxInFlight;
  }

  // Loop thread: the script's answer, or OK (fail open) on any error.
  absl::Status Verdict(const std::string& tenant, const RateLimits& limits,
                       const absl::Status& status, redisReply* reply) {
    if (!status.ok() || reply == nullptr) {
      Unavailable(status.message());
      return absl::OkStatus();
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->integer != 0) {
      const bool rpm = reply->element[0]->integer == 1;
      return RateLimitedError(
          tenant, rpm ? "rpm" : "tpm",
          rpm ? limits.requests_per_minute : limits.tokens_per_minute,
          absl::Milliseconds(reply->element[1]->integer));
    }
    return absl::OkStatus();
  }

  // Loop thread. At most one warning a minute.
  void Unavailable(absl::string_view why) {
    const absl::Time now = loop_->Now();
    if (now - last_warning_ < absl::Minutes(1)) return;
    last_warning_ = now;
    LogWarning(
        "rate_limit_unavailable",
        {{"redis", address_},
         {"error", std::string(why)},
         {"effect", "rate limits are not enforced until Redis answers"}});
  }

  void OnLoop(absl::AnyInvocable<void()> task) {
    if (loop_->InLoopThread()) {
      task();
    } else {
      loop_->Post(std::move(task));
    }
  }

  // Construction and destruction only (start-up, reload): never on the
  // loop thread's hot path.
  void OnLoopAndWait(absl::AnyInvocable<void()> task) {
    if (loop_->InLoopThread()) return task();
    absl::Notification n;
    loop_->Post([&] {
      task();
      n.Notify();
    });
    n.WaitForNotification();
  }

  const std::string address_;
  const std::string prefix_;
  http::EventLoop* const loop_;
  const std::string admit_sha_;
  const std::string tokens_sha_;
  // Loop thread only.
  std::unique_ptr<RedisConnection> conn_;
  int in_flight_ = 0;
  absl::Time last_warning_ = absl::InfinitePast();
};

}  // namespace

std::unique_ptr<RateLimiter> NewRedisRateLimiter(const std::string& address,
                                                 const std::string& key_prefix,
                                                 http::EventLoop* loop) {
  std::string host = address;
  int port = 6379;
  const size_t colon = address.rfind(':');
  if (colon != std::string::npos) {
    host = address.substr(0, colon);
    if (!absl::SimpleAtoi(address.substr(colon + 1), &port)) port = -1;
  }
  return std::make_unique<RedisRateLimiter>(address, std::move(host), port,
                                            key_prefix, loop);
}

}  // namespace llmgw
