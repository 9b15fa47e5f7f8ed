#include "budget/in_memory_ledger.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/money.h"

namespace llmgw {

int64_t EffectiveLimit(int64_t limit, int allow_overage_percent) {
  if (limit <= 0) return 0;
  __int128 effective = limit;
  effective += effective * allow_overage_percent / 100;
  return static_cast<int64_t>(
      std::min<__int128>(effective, std::numeric_limits<int64_t>::max()));
}

int64_t ConfiguredLimit(const BudgetConfig& config, const std::string& scope) {
  if (scope == kGlobalScope) return config.hourly_budget_nano_usd;
  auto it = config.scope_budgets.find(scope);
  return it == config.scope_budgets.end() ? 0 : it->second;
}

std::string RefusalMessage(const std::string& scope, int64_t amount,
                           int64_t limit, int allow_overage_percent,
                           int64_t spent, int64_t reserved) {
  const int64_t effective = EffectiveLimit(limit, allow_overage_percent);
  return absl::StrCat(
      scope == kGlobalScope ? "hourly budget"
                            : absl::StrCat("budget of ", scope),
      " exhausted: this call may cost up to ", FormatUsd(amount), " but only ",
      FormatUsd(std::max<int64_t>(0, effective - spent - reserved)), " of ",
      FormatUsd(limit),
      allow_overage_percent > 0
          ? absl::StrCat(" (+", allow_overage_percent, "% allowed overage)")
          : "",
      " is left in the current window (", FormatUsd(spent), " spent, ",
      FormatUsd(reserved),
      " reserved by calls in flight); retry when the window resets, lower "
      "max_tokens, or raise ",
      scope == kGlobalScope
          ? "budget.hourly_budget (LLMGW_HOURLY_BUDGET)"
          : absl::StrCat("budget.scope_budgets[\"", scope, "\"]"));
}

InMemoryLedger::InMemoryLedger(BudgetConfig config, Clock clock,
                               AuditLog* audit, ChargeJournal* journal)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      audit_(audit),
      journal_(journal) {
  absl::MutexLock lock(&mu_);
  limits_ = config_;
  window_start_ = WindowStartFor(clock_());
}

absl::Status InMemoryLedger::UpdateBudget(const BudgetConfig& next) {
  if (!SameLedgerStore(config_, next)) {
    return absl::FailedPreconditionError(
        "the budget's store changed (backend, path, window or Redis "
        "settings): a new ledger is needed");
  }
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    changed = !SameBudgetLimits(limits_, next);
    limits_ = next;
  }
  // A reload that changed only prices says nothing here.
  if (!changed) return absl::OkStatus();
  nlohmann::json scopes = nlohmann::json::object();
  for (const auto& [scope, limit] : next.scope_budgets) scopes[scope] = limit;
  std::vector<nlohmann::json> events;
  events.push_back({{"event", "limits_updated"},
                    {"hourly_budget_nano_usd", next.hourly_budget_nano_usd},
                    {"hard_safety_cap_nano_usd", next.hard_safety_cap_nano_usd},
                    {"allow_overage_percent", next.allow_overage_percent},
                    {"scope_budgets_nano_usd", std::move(scopes)}});
  Emit(std::move(events));
  return absl::OkStatus();
}

absl::Time InMemoryLedger::WindowStartFor(absl::Time t) const {
  const int64_t len =
      std::max<int64_t>(1, absl::ToInt64Seconds(config_.window));
  int64_t secs = absl::ToUnixSeconds(t);
  int64_t start = secs / len * len;
  if (start > secs) start -= len;  // negative times
  return absl::FromUnixSeconds(start);
}

int64_t InMemoryLedger::LimitOf(const std::string& scope) const {
  return ConfiguredLimit(limits_, scope);
}

void InMemoryLedger::Emit(std::vector<nlohmann::json> events) {
  if (audit_ == nullptr) return;
  for (nlohmann::json& e : events) audit_->Write("budget", std::move(e));
}

void InMemoryLedger::DropLocked(const Reservation& r) {
  for (const ScopeHold& h : r.holds) {
    ScopeState& s = scopes_[h.scope];
    s.reserved -= h.amount_nano_usd;
    s.open -= 1;
  }
}

void InMemoryLedger::RollAndExpireLocked(absl::Time now,
                                         std::vector<nlohmann::json>& events) {
  if (now >= window_start_ + config_.window) {
    window_start_ = WindowStartFor(now);
    for (auto& [name, s] : scopes_) {
      s.spent = 0;
      s.breakdown.clear();
    }
  }
  while (!expiry_.empty() && expiry_.begin()->first <= now) {
    auto it = reservations_.find(expiry_.begin()->second);
    if (it == reservations_.end()) {  // Not expected: the indexes agree.
      expiry_.erase(expiry_.begin());
      continue;
    }
    DropLocked(it->second);
    events.push_back(
        {{"event", "expired"},
         {"reservation", it->first},
         {"reserved_nano_usd",
          it->second.holds.empty() ? 0 : it->second.holds[0].amount_nano_usd},
         {"client", it->second.client_id}});
    EraseLocked(it);
  }
}

void InMemoryLedger::EraseLocked(
    std::map<ReservationId, Reservation>::iterator it) {
  expiry_.erase({it->second.expires_at, it->first});
  reservations_.erase(it);
}

void InMemoryLedger::AddSpendLocked(const ChargeRecord& record,
                                    bool current_window) {
  for (const std::string& scope :
       ChargedScopes(record.provider, record.model, record.client_id)) {
    ScopeState& s = scopes_[scope];
    s.lifetime += record.cost_nano_usd;
    if (!current_window) continue;
    s.spent += record.cost_nano_usd;
    SpendLine& line = s.breakdown[{record.provider, record.model}];
    line.provider = record.provider;
    line.model = record.model;
    line.spent_nano_usd += record.cost_nano_usd;
    line.calls += record.calls;
  }
}

void InMemoryLedger::Restore(const std::vector<ChargeRecord>& records) {
  absl::MutexLock lock(&mu_);
  for (const ChargeRecord& r : records) {
    AddSpendLocked(r, r.window_start == window_start_);
  }
}

absl::StatusOr<ReservationId> InMemoryLedger::Reserve(
    const ReserveRequest& request) {
  std::vector<nlohmann::json> events;
  absl::StatusOr<ReservationId> result;
  {
    absl::MutexLock lock(&mu_);
    RollAndExpireLocked(clock_(), events);
    result = [&]() -> absl::StatusOr<ReservationId> {
      for (const ScopeHold& h : request.holds) {
        if (h.amount_nano_usd < 0) {
          return absl::InvalidArgumentError("negative reservation");
        }
        const int64_t limit = LimitOf(h.scope);
        const ScopeState& s = scopes_[h.scope];
        const int64_t effective =
            EffectiveLimit(limit, limits_.allow_overage_percent);
        if (effective > 0 &&
            s.spent + s.reserved + h.amount_nano_usd > effective) {
          return absl::ResourceExhaustedError(RefusalMessage(
              h.scope, h.amount_nano_usd, limit, limits_.allow_overage_percent,
              s.spent, s.reserved));
        }
        if (h.scope == kGlobalScope && limits_.hard_safety_cap_nano_usd > 0 &&
            s.lifetime + s.reserved + h.amount_nano_usd >
                limits_.hard_safety_cap_nano_usd) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "hard safety cap of ",
              FormatUsd(limits_.hard_safety_cap_nano_usd),
              " reached: this call may cost up to ",
              FormatUsd(h.amount_nano_usd), " but ", FormatUsd(s.lifetime),
              " has been spent in total and ", FormatUsd(s.reserved),
              " is reserved by calls in flight; raise "
              "budget.hard_safety_cap (LLMGW_HARD_SAFETY_CAP)"));
        }
      }
      const ReservationId id = next_id_++;
      for (const ScopeHold& h : request.holds) {
        ScopeState& s = scopes_[h.scope];
        s.reserved += h.amount_nano_usd;
        s.open += 1;
      }
      reservations_[id] =
          Reservation{request.holds, request.expires_at, request.client_id};
      expiry_.emplace(request.expires_at, id);
      return id;
    }();
  }
  if (!result.ok() &&
      result.status().code() == absl::StatusCode::kResourceExhausted) {
    events.push_back(
        {{"event", "reserve_refused"},
         {"requested_nano_usd",
          request.holds.empty() ? 0 : request.holds[0].amount_nano_usd},
         {"client", request.client_id},
         {"reason", std::string(result.status().message())}});
  }
  Emit(std::move(events));
  return result;
}

absl::Status InMemoryLedger::Commit(const CommitRequest& request) {
  return CommitRecording(request, nullptr);
}

absl::Status InMemoryLedger::CommitRecording(const CommitRequest& request,
                                             ChargeRecord* recorded) {
  std::vector<nlohmann::json> events;
  absl::Status durable;
  bool had_reservation = false;
  int64_t released = 0;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_();
    RollAndExpireLocked(now, events);
    if (auto it = reservations_.find(request.id); it != reservations_.end()) {
      had_reservation = true;
      released =
          it->second.holds.empty() ? 0 : it->second.holds[0].amount_nano_usd;
      DropLocked(it->second);
      EraseLocked(it);
    }
    ChargeRecord record{now,
                        window_start_,
                        request.provider,
                        request.model,
                        request.client_id,
                        request.actual_nano_usd,
                        1};
    if (journal_ != nullptr) durable = journal_->Append(record);
    // Spend is recorded even if the reservation expired meanwhile or the
    // journal failed: money that was spent upstream is never dropped.
    AddSpendLocked(record, true);
    if (recorded != nullptr) *recorded = record;
  }
  Emit(std::move(events));
  // Written on every call: as text, not as an nlohmann::json object.
  if (audit_ != nullptr) {
    AuditEvent e;
    e.Add("event", "commit")
        .Add("reservation", request.id)
        .Add("provider", request.provider)
        .Add("model", request.model)
        .Add("client", request.client_id)
        .Add("cost_nano_usd", request.actual_nano_usd)
        .Add("reserved_nano_usd", released)
        .Add("released_nano_usd",
             std::max<int64_t>(0, released - request.actual_nano_usd));
    if (!had_reservation) e.Add("reservation_expired", true);
    if (!durable.ok()) e.Add("durable", false);
    audit_->WriteEvent("budget", e);
  }
  if (!durable.ok()) {
    return absl::Status(
        durable.code(),
        absl::StrCat("charge of ", FormatUsd(request.actual_nano_usd),
                     " counted but not made durable: ", durable.message()));
  }
  return absl::OkStatus();
}

void InMemoryLedger::Release(ReservationId id) {
  std::vector<nlohmann::json> events;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = reservations_.find(id); it != reservations_.end()) {
      events.push_back(
          {{"event", "release"},
           {"reservation", id},
           {"client", it->second.client_id},
           {"released_nano_usd", it->second.holds.empty()
                                     ? 0
                                     : it->second.holds[0].amount_nano_usd}});
      DropLocked(it->second);
      EraseLocked(it);
    }
  }
  Emit(std::move(events));
}

absl::StatusOr<BudgetSnapshot> InMemoryLedger::Snapshot(
    absl::string_view scope_name) {
  absl::StatusOr<std::string> scope = NormalizeScope(scope_name);
  if (!scope.ok()) return scope.status();
  std::vector<nlohmann::json> events;
  BudgetSnapshot s;
  {
    absl::MutexLock lock(&mu_);
    RollAndExpireLocked(clock_(), events);
    ScopeState state;
    if (auto it = scopes_.find(*scope); it != scopes_.end()) state = it->second;
    s.scope = *scope;
    s.limit_nano_usd = LimitOf(*scope);
    s.spent_nano_usd = state.spent;
    s.reserved_nano_usd = state.reserved;
    s.remaining_nano_usd =
        s.limit_nano_usd > 0
            ? std::max<int64_t>(0,
                                s.limit_nano_usd - state.spent - state.reserved)
            : 0;
    s.window_start = window_start_;
    s.window_length = config_.window;
    s.hard_cap_nano_usd =
        *scope == kGlobalScope ? limits_.hard_safety_cap_nano_usd : 0;
    s.lifetime_spent_nano_usd = state.lifetime;
    for (const auto& [key, line] : state.breakdown) s.breakdown.push_back(line);
    s.open_reservations = state.open;
  }
  Emit(std::move(events));
  return s;
}

}  // namespace llmgw
