#include "budget/in_memory_ledger.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "budget/money.h"

namespace llmgw {

InMemoryLedger::InMemoryLedger(BudgetConfig config, Clock clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  absl::MutexLock lock(&mu_);
  // Windows are aligned to the epoch (hourly windows start on the hour).
  window_start_ = absl::FromUnixSeconds(
      absl::ToUnixSeconds(clock_()) /
      std::max<int64_t>(1, absl::ToInt64Seconds(config_.window)) *
      std::max<int64_t>(1, absl::ToInt64Seconds(config_.window)));
}

void InMemoryLedger::RollAndExpireLocked(absl::Time now) {
  if (now >= window_start_ + config_.window) {
    const int64_t len = std::max<int64_t>(1, absl::ToInt64Seconds(config_.window));
    window_start_ = absl::FromUnixSeconds(absl::ToUnixSeconds(now) / len * len);
    spent_ = 0;
    breakdown_.clear();
  }
  for (auto it = reservations_.begin(); it != reservations_.end();) {
    if (it->second.expires_at <= now) {
      reserved_ -= it->second.amount;
      it = reservations_.erase(it);
    } else {
      ++it;
    }
  }
}

int64_t InMemoryLedger::EffectiveLimitLocked() const {
  if (config_.hourly_budget_nano_usd <= 0) return 0;
  __int128 limit = config_.hourly_budget_nano_usd;
  limit += limit * config_.allow_overage_percent / 100;
  return static_cast<int64_t>(limit);
}

absl::StatusOr<ReservationId> InMemoryLedger::Reserve(int64_t amount,
                                                      absl::Time expires_at) {
  if (amount < 0) return absl::InvalidArgumentError("negative reservation");
  absl::MutexLock lock(&mu_);
  RollAndExpireLocked(clock_());
  const int64_t limit = EffectiveLimitLocked();
  if (limit > 0 && spent_ + reserved_ + amount > limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "hourly budget exhausted: this call may cost up to ", FormatUsd(amount),
        " but only ", FormatUsd(std::max<int64_t>(0, limit - spent_ - reserved_)),
        " of ", FormatUsd(config_.hourly_budget_nano_usd),
        " is left in the current window (", FormatUsd(spent_), " spent, ",
        FormatUsd(reserved_), " reserved by calls in flight)"));
  }
  if (config_.hard_safety_cap_nano_usd > 0 &&
      lifetime_spent_ + reserved_ + amount > config_.hard_safety_cap_nano_usd) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "hard safety cap of ", FormatUsd(config_.hard_safety_cap_nano_usd),
        " reached: ", FormatUsd(lifetime_spent_), " spent in total"));
  }
  ReservationId id = next_id_++;
  reservations_[id] = Reservation{amount, expires_at};
  reserved_ += amount;
  return id;
}

absl::Status InMemoryLedger::Commit(ReservationId id, int64_t actual,
                                    absl::string_view provider,
                                    absl::string_view model) {
  absl::MutexLock lock(&mu_);
  RollAndExpireLocked(clock_());
  if (auto it = reservations_.find(id); it != reservations_.end()) {
    reserved_ -= it->second.amount;
    reservations_.erase(it);
  }
  // Spend is recorded even if the reservation expired meanwhile: money that
  // was spent upstream is never dropped from the ledger.
  spent_ += actual;
  lifetime_spent_ += actual;
  SpendLine& line = breakdown_[{std::string(provider), std::string(model)}];
  line.provider = std::string(provider);
  line.model = std::string(model);
  line.spent_nano_usd += actual;
  line.calls += 1;
  return absl::OkStatus();
}

void InMemoryLedger::Release(ReservationId id) {
  absl::MutexLock lock(&mu_);
  if (auto it = reservations_.find(id); it != reservations_.end()) {
    reserved_ -= it->second.amount;
    reservations_.erase(it);
  }
}

absl::StatusOr<BudgetSnapshot> InMemoryLedger::Snapshot(absl::string_view scope) {
  if (!scope.empty() && scope != "global") {
    return absl::NotFoundError(absl::StrCat(
        "unknown budget scope '", scope, "'; this gateway has only 'global'"));
  }
  absl::MutexLock lock(&mu_);
  RollAndExpireLocked(clock_());
  BudgetSnapshot s;
  s.scope = "global";
  s.limit_nano_usd = config_.hourly_budget_nano_usd;
  s.spent_nano_usd = spent_;
  s.reserved_nano_usd = reserved_;
  s.remaining_nano_usd =
      s.limit_nano_usd > 0
          ? std::max<int64_t>(0, s.limit_nano_usd - spent_ - reserved_)
          : 0;
  s.window_start = window_start_;
  s.window_length = config_.window;
  s.hard_cap_nano_usd = config_.hard_safety_cap_nano_usd;
  s.lifetime_spent_nano_usd = lifetime_spent_;
  for (const auto& [key, line] : breakdown_) s.breakdown.push_back(line);
  s.open_reservations = static_cast<int64_t>(reservations_.size());
  return s;
}

}  // namespace llmgw
