#include "auth/rate_limiter.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace llmgw {

absl::Status RateLimitedError(absl::string_view tenant, absl::string_view limit,
                              int64_t value, absl::Duration retry_after) {
  const int64_t ms =
      std::max<int64_t>(1, absl::ToInt64Milliseconds(retry_after));
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat("tenant '", tenant, "' is over its limit of ", value,
                   limit == "rpm" ? " requests" : " tokens",
                   " per minute; retry in ", ms, " ms"));
  status.SetPayload("llmgw/reason", absl::Cord("RATE_LIMITED"));
  status.SetPayload("llmgw/retry_after_ms", absl::Cord(absl::StrCat(ms)));
  status.SetPayload("llmgw/meta/limit", absl::Cord(limit));
  return status;
}

InProcessRateLimiter::InProcessRateLimiter(absl::AnyInvocable<absl::Time()> now)
    : now_(now ? std::move(now)
               : absl::AnyInvocable<absl::Time()>([] { return absl::Now(); })) {
}

InProcessRateLimiter::Window& InProcessRateLimiter::Current(
    const std::string& tenant, absl::Time now) {
  const int64_t index = absl::ToUnixSeconds(now) / 60;
  Window& w = windows_[tenant];
  if (w.index != index) w = Window{index, 0, 0};
  return w;
}

void InProcessRateLimiter::Admit(const std::string& tenant,
                                 const RateLimits& limits, Done done) {
  absl::Status result;
  {
    const absl::Time now = now_();
    absl::MutexLock lock(&mu_);
    Window& w = Current(tenant, now);
    const absl::Duration left = absl::FromUnixSeconds((w.index + 1) * 60) - now;
    if (limits.requests_per_minute > 0 &&
        w.requests >= limits.requests_per_minute) {
      result =
          RateLimitedError(tenant, "rpm", limits.requests_per_minute, left);
    } else if (limits.tokens_per_minute > 0 &&
               w.tokens >= limits.tokens_per_minute) {
      result = RateLimitedError(tenant, "tpm", limits.tokens_per_minute, left);
    } else {
      ++w.requests;
    }
  }
  done(std::move(result));
}

void InProcessRateLimiter::RecordTokens(const std::string& tenant,
                                        int64_t tokens) {
  if (tokens <= 0) return;
  const absl::Time now = now_();
  absl::MutexLock lock(&mu_);
  Current(tenant, now).tokens += tokens;
}

}  // namespace llmgw
