#include "config/budget_config.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/yaml_util.h"

namespace llmgw {

using namespace config_internal;  // NOLINT: the parsers' vocabulary

namespace {

absl::StatusOr<LedgerBackend> ParseBackend(absl::string_view name,
                                           absl::string_view at) {
  if (name == "auto") return LedgerBackend::kAuto;
  if (name == "memory") return LedgerBackend::kMemory;
  if (name == "sqlite") return LedgerBackend::kSqlite;
  if (name == "redis") return LedgerBackend::kRedis;
  return KeyError(at, absl::StrCat("unknown backend '", name,
                                   "'; use auto, memory, sqlite or redis"));
}

absl::StatusOr<TokenPrice> ParsePrice(const YAML::Node& node,
                                      const std::string& at) {
  if (!node.IsMap()) {
    return KeyError(at,
                    "expected {input_usd_per_million, output_usd_per_million}");
  }
  TokenPrice price;
  bool input = false, output = false;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string where = absl::StrCat(at, ".", key);
    if (key == "input_usd_per_million") {
      ASSIGN_OR_RETURN_CFG(price.input_nano_usd_per_million,
                           ScalarUsd(kv.second, where));
      input = true;
    } else if (key == "output_usd_per_million") {
      ASSIGN_OR_RETURN_CFG(price.output_nano_usd_per_million,
                           ScalarUsd(kv.second, where));
      output = true;
    } else {
      return KeyError(where, "unknown key");
    }
  }
  if (!input || !output) {
    return KeyError(at,
                    "needs both input_usd_per_million and "
                    "output_usd_per_million");
  }
  return price;
}

bool ValidScopeKey(absl::string_view scope) {
  for (absl::string_view prefix : {"client:", "provider:", "model:"}) {
    if (absl::StartsWith(scope, prefix) && scope.size() > prefix.size()) {
      return true;
    }
  }
  return false;
}

bool IsLedgerKey(absl::string_view key) {
  return key == "backend" || key == "sqlite_path" ||
         key == "sqlite_synchronous" || key == "redis_address" ||
         key == "redis_key_prefix" || key == "redis_timeout_ms" ||
         key == "redis_fail_open" || key == "journal_path";
}

// The ledger storage keys of the budget section (IsLedgerKey).
absl::Status ParseLedgerKey(const std::string& key, const YAML::Node& v,
                            const std::string& at, BudgetConfig& budget) {
  if (key == "backend") {
    std::string name;
    ASSIGN_OR_RETURN_CFG(name, ScalarString(v, at));
    ASSIGN_OR_RETURN_CFG(budget.backend, ParseBackend(name, at));
  } else if (key == "sqlite_path") {
    ASSIGN_OR_RETURN_CFG(budget.sqlite_path, ScalarString(v, at));
  } else if (key == "sqlite_synchronous") {
    std::string mode;
    ASSIGN_OR_RETURN_CFG(mode, ScalarString(v, at));
    if (mode != "normal" && mode != "full") {
      return KeyError(at, "must be normal or full");
    }
    budget.sqlite_synchronous_full = mode == "full";
  } else if (key == "redis_address") {
    ASSIGN_OR_RETURN_CFG(budget.redis_address, ScalarString(v, at));
  } else if (key == "redis_key_prefix") {
    ASSIGN_OR_RETURN_CFG(budget.redis_key_prefix, ScalarString(v, at));
  } else if (key == "redis_timeout_ms") {
    int64_t value = 0;
    ASSIGN_OR_RETURN_CFG(value, ScalarInt(v, at));
    if (value < 1 || value > 60000) {
      return KeyError(at, "must be an integer from 1 to 60000");
    }
    budget.redis_timeout = absl::Milliseconds(value);
  } else if (key == "redis_fail_open") {
    ASSIGN_OR_RETURN_CFG(budget.redis_fail_open, ScalarBool(v, at));
  } else if (key == "journal_path") {
    ASSIGN_OR_RETURN_CFG(budget.journal_path, ScalarString(v, at));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseBudgetSection(const YAML::Node& node, BudgetConfig& budget) {
  if (!node.IsMap()) return KeyError("budget", "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = absl::StrCat("budget.", key);
    const YAML::Node& v = kv.second;
    if (key == "hourly_budget") {
      ASSIGN_OR_RETURN_CFG(budget.hourly_budget_nano_usd, ScalarUsd(v, at));
    } else if (key == "hard_safety_cap") {
      ASSIGN_OR_RETURN_CFG(budget.hard_safety_cap_nano_usd, ScalarUsd(v, at));
    } else if (key == "reservation_timeout_seconds") {
      ASSIGN_OR_RETURN_CFG(budget.reservation_timeout, ScalarSeconds(v, at));
    } else if (key == "allow_overage_percent") {
      int64_t pct = 0;
      ASSIGN_OR_RETURN_CFG(pct, ScalarInt(v, at));
      if (pct < 0 || pct > 100) return KeyError(at, "must be 0..100");
      budget.allow_overage_percent = static_cast<int>(pct);
    } else if (key == "window_seconds") {
      ASSIGN_OR_RETURN_CFG(budget.window, ScalarSeconds(v, at));
      if (budget.window < absl::Seconds(1)) {
        return KeyError(at, "must be at least 1");
      }
    } else if (key == "default_max_output_tokens") {
      ASSIGN_OR_RETURN_CFG(budget.default_max_output_tokens,
                           ScalarIntIn(v, at, 0, 10'000'000));
    } else if (key == "scope_budgets") {
      if (!v.IsMap()) return KeyError(at, "expected a mapping of scope: USD");
      for (const auto& s : v) {
        const std::string scope = s.first.Scalar();
        const std::string where = absl::StrCat(at, ".", scope);
        if (!ValidScopeKey(scope)) {
          return KeyError(where,
                          "scope must be client:<id>, provider:<name> or "
                          "model:<name>");
        }
        ASSIGN_OR_RETURN_CFG(budget.scope_budgets[scope],
                             ScalarUsd(s.second, where));
      }
    } else if (key == "default_price") {
      if (v.IsScalar() && v.Scalar() == "none") {
        budget.default_price.reset();
      } else {
        TokenPrice price;
        ASSIGN_OR_RETURN_CFG(price, ParsePrice(v, at));
        budget.default_price = price;
      }
    } else if (key == "model_prices") {
      if (!v.IsMap()) return KeyError(at, "expected a mapping");
      for (const auto& m : v) {
        const std::string name = m.first.Scalar();
        ASSIGN_OR_RETURN_CFG(budget.model_prices[name],
                             ParsePrice(m.second, absl::StrCat(at, ".", name)));
      }
    } else if (IsLedgerKey(key)) {
      absl::Status parsed = ParseLedgerKey(key, v, at, budget);
      if (!parsed.ok()) return parsed;
    } else {
      return KeyError(at, "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyBudgetEnvironment(const EnvLookup& env,
                                    BudgetConfig& budget) {
  absl::StatusOr<std::optional<int64_t>> hourly =
      EnvUsd(env, "LLMGW_HOURLY_BUDGET");
  if (!hourly.ok()) return hourly.status();
  if (*hourly) budget.hourly_budget_nano_usd = **hourly;
  absl::StatusOr<std::optional<int64_t>> cap =
      EnvUsd(env, "LLMGW_HARD_SAFETY_CAP");
  if (!cap.ok()) return cap.status();
  if (*cap) budget.hard_safety_cap_nano_usd = **cap;
  std::optional<std::string> redis = env("LLMGW_BUDGET_REDIS");
  if (redis) {
    budget.redis_address = *redis;
    budget.backend = LedgerBackend::kRedis;
  }
  if (std::optional<std::string> open = env("LLMGW_BUDGET_REDIS_FAIL_OPEN")) {
    if (*open != "true" && *open != "false") {
      return absl::InvalidArgumentError(
          "LLMGW_BUDGET_REDIS_FAIL_OPEN must be true or false");
    }
    budget.redis_fail_open = *open == "true";
  }
  if (std::optional<std::string> backend = env("LLMGW_BUDGET_BACKEND")) {
    absl::StatusOr<LedgerBackend> parsed =
        ParseBackend(*backend, "LLMGW_BUDGET_BACKEND");
    if (!parsed.ok()) return parsed.status();
    budget.backend = *parsed;
  }
  return absl::OkStatus();
}

namespace {

bool SamePrice(const TokenPrice& a, const TokenPrice& b) {
  return a.input_nano_usd_per_million == b.input_nano_usd_per_million &&
         a.output_nano_usd_per_million == b.output_nano_usd_per_million;
}

}  // namespace

bool SameBudgetLimits(const BudgetConfig& a, const BudgetConfig& b) {
  return a.hourly_budget_nano_usd == b.hourly_budget_nano_usd &&
         a.hard_safety_cap_nano_usd == b.hard_safety_cap_nano_usd &&
         a.allow_overage_percent == b.allow_overage_percent &&
         a.scope_budgets == b.scope_budgets;
}

bool SameLedgerStore(const BudgetConfig& a, const BudgetConfig& b) {
  return a.backend == b.backend && a.sqlite_path == b.sqlite_path &&
         a.sqlite_synchronous_full == b.sqlite_synchronous_full &&
         a.journal_path == b.journal_path && a.window == b.window &&
         a.redis_address == b.redis_address &&
         a.redis_key_prefix == b.redis_key_prefix &&
         a.redis_timeout == b.redis_timeout &&
         a.redis_fail_open == b.redis_fail_open;
}

bool SameBudgetSettings(const BudgetConfig& a, const BudgetConfig& b) {
  if (a.default_price.has_value() != b.default_price.has_value()) return false;
  if (a.default_price && !SamePrice(*a.default_price, *b.default_price)) {
    return false;
  }
  if (a.model_prices.size() != b.model_prices.size()) return false;
  for (const auto& [name, price] : a.model_prices) {
    auto it = b.model_prices.find(name);
    if (it == b.model_prices.end() || !SamePrice(price, it->second)) {
      return false;
    }
  }
  return SameBudgetLimits(a, b) && SameLedgerStore(a, b) &&
         a.reservation_timeout == b.reservation_timeout &&
         a.default_max_output_tokens == b.default_max_output_tokens;
}

}  // namespace llmgw
