#ifndef LLMGW_AUTH_RATE_LIMITER_H_
#define LLMGW_AUTH_RATE_LIMITER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/event_loop.h"

namespace llmgw {

// Per-tenant limits in requests and tokens per minute, counted in FIXED
// one-minute windows aligned to the clock of the counter's owner (the
// redis-server's TIME for the Redis backend, so replicas agree). A request
// is admitted when, in the current window, fewer than `rpm` requests were
// admitted and fewer than `tpm` tokens were recorded; admitting counts it.
// Tokens are recorded after the call (provider-reported usage), so one call
// may overshoot the token limit; the next is refused until the window turns.
// A fixed window lets a burst of up to 2x the limit straddle a boundary.
struct RateLimits {
  int64_t requests_per_minute = 0;  // 0 = unlimited
  int64_t tokens_per_minute = 0;    // 0 = unlimited
};

// A refusal: RESOURCE_EXHAUSTED with payloads llmgw/reason=RATE_LIMITED,
// llmgw/retry_after_ms=<until the window turns>, llmgw/meta/limit=<rpm|tpm>.
absl::Status RateLimitedError(absl::string_view tenant, absl::string_view limit,
                              int64_t value, absl::Duration retry_after);

class RateLimiter {
 public:
  using Done = absl::AnyInvocable<void(absl::Status)>;
  virtual ~RateLimiter() = default;

  // Admits one request of `tenant` or refuses it (RateLimitedError). `done`
  // runs exactly once: inline (in-process backend) or on the event loop
  // (Redis backend). Never blocks the calling thread.
  virtual void Admit(const std::string& tenant, const RateLimits& limits,
                     Done done) = 0;

  // Adds `tokens` to the tenant's current window. Fire and forget.
  virtual void RecordTokens(const std::string& tenant, int64_t tokens) = 0;

  // "memory" or "redis", for the start-up log line.
  virtual std::string backend() const = 0;
};

// Counters in this process (a single replica). Thread-safe.
class InProcessRateLimiter : public RateLimiter {
 public:
  // `now` is the clock (tests); default absl::Now.
  explicit InProcessRateLimiter(absl::AnyInvocable<absl::Time()> now = nullptr);
  void Admit(const std::string& tenant, const RateLimits& limits,
             Done done) override;
  void RecordTokens(const std::string& tenant, int64_t tokens) override;
  std::string backend() const override { return "memory"; }

 private:
  struct Window {
    int64_t index = -1;
    int64_t requests = 0;
    int64_t tokens = 0;
  };
  Window& Current(const std::string& tenant, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::AnyInvocable<absl::Time()> now_;
  absl::Mutex mu_;
  std::map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
};

// Counters in the shared redis-server, one hash per tenant and minute,
// updated by Lua scripts (atomic across replicas; the window comes from
// Redis' own TIME). Commands run on one pipelined hiredis asynchronous
// connection driven by `loop` (budget/redis_connection.h; each command times
// out after 500 ms): no thread of its own, and the event loop and the gRPC
// threads never wait on Redis. When Redis cannot be reached the
// limiter fails OPEN (admits, logs `rate_limit_unavailable` at most once a
// minute): the budget ledger, not the rate limiter, guards the money.
std::unique_ptr<RateLimiter> NewRedisRateLimiter(const std::string& address,
                                                 const std::string& key_prefix,
                                                 http::EventLoop* loop);

}  // namespace llmgw

#endif  // LLMGW_AUTH_RATE_LIMITER_H_
