#include "auth/auth_config.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "auth/digest.h"
#include "config/yaml_util.h"

namespace llmgw {
namespace {

using namespace config_internal;  // NOLINT: the parsers' vocabulary

bool IsSha256Hex(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

// Tenant names become budget scopes ("client:<name>") and metric labels.
absl::Status CheckTenantName(absl::string_view name, absl::string_view where) {
  if (name.empty() || name.size() > 64) {
    return KeyError(where, "tenant names are 1 to 64 characters");
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') {
      return KeyError(where,
                      "tenant names use letters, digits, '-', '_' and '.'");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ClientKeyEntry> ParseClientKey(const YAML::Node& node,
                                              const std::string& where) {
  if (!node.IsMap()) return KeyError(where, "expected a mapping");
  ClientKeyEntry entry;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = absl::StrCat(where, ".", key);
    if (key == "name") {
      ASSIGN_OR_RETURN_CFG(entry.tenant, ScalarString(kv.second, at));
    } else if (key == "sha256") {
      ASSIGN_OR_RETURN_CFG(entry.sha256_hex, ScalarString(kv.second, at));
      entry.sha256_hex = absl::AsciiStrToLower(entry.sha256_hex);
      if (!IsSha256Hex(entry.sha256_hex)) {
        return KeyError(at,
                        "expected 64 hex digits (printf %s \"$KEY\" | "
                        "sha256sum); plain keys are not accepted here");
      }
    } else if (key == "admin") {
      ASSIGN_OR_RETURN_CFG(entry.admin, ScalarBool(kv.second, at));
    } else {
      return KeyError(at, "unknown key (name, sha256, admin)");
    }
  }
  absl::Status named = CheckTenantName(entry.tenant, where + ".name");
  if (!named.ok()) return named;
  if (entry.sha256_hex.empty()) return KeyError(where, "sha256 is required");
  return entry;
}

absl::StatusOr<int64_t> NonNegative(const YAML::Node& node,
                                    const std::string& at) {
  int64_t v = 0;
  ASSIGN_OR_RETURN_CFG(v, ScalarInt(node, at));
  if (v < 0) return KeyError(at, "expected 0 (unlimited) or more");
  return v;
}

}  // namespace

absl::Status ParseAuthSection(const YAML::Node& node, AuthConfig& auth) {
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return KeyError("auth", "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = "auth." + key;
    const YAML::Node& v = kv.second;
    if (key == "client_keys") {
      if (!v.IsSequence()) return KeyError(at, "expected a list");
      int i = 0;
      for (const YAML::Node& k : v) {
        ClientKeyEntry entry;
        ASSIGN_OR_RETURN_CFG(
            entry, ParseClientKey(k, absl::StrCat(at, "[", i++, "]")));
        auth.client_keys.push_back(std::move(entry));
      }
    } else if (key == "fingerprint_secret_file") {
      ASSIGN_OR_RETURN_CFG(auth.fingerprint_secret_file, ScalarString(v, at));
    } else if (key == "rate_limit_backend") {
      std::string b;
      ASSIGN_OR_RETURN_CFG(b, ScalarString(v, at));
      if (b == "auto") {
        auth.rate_limit_backend = RateLimitBackend::kAuto;
      } else if (b == "memory") {
        auth.rate_limit_backend = RateLimitBackend::kMemory;
      } else if (b == "redis") {
        auth.rate_limit_backend = RateLimitBackend::kRedis;
      } else {
        return KeyError(at, "expected auto, memory or redis");
      }
    } else if (key == "rate_limit_redis_prefix") {
      ASSIGN_OR_RETURN_CFG(auth.rate_limit_redis_prefix, ScalarString(v, at));
    } else {
      return KeyError(at,
                      "unknown key (client_keys, fingerprint_secret_file, "
                      "rate_limit_backend, rate_limit_redis_prefix)");
    }
  }
  return absl::OkStatus();
}

absl::Status ParseTenantsSection(const YAML::Node& node, AuthConfig& auth) {
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return KeyError("tenants", "expected a mapping by name");
  for (const auto& t : node) {
    const std::string name = t.first.Scalar();
    const std::string where = "tenants." + name;
    absl::Status named = CheckTenantName(name, where);
    if (!named.ok()) return named;
    if (!t.second.IsMap()) return KeyError(where, "expected a mapping");
    TenantPolicy policy;
    for (const auto& kv : t.second) {
      const std::string key = kv.first.Scalar();
      const std::string at = where + "." + key;
      if (key == "hourly_budget") {
        int64_t nano = 0;
        ASSIGN_OR_RETURN_CFG(nano, ScalarUsd(kv.second, at));
        auth.tenant_budgets[name] = nano;
      } else if (key == "allowed_models") {
        ASSIGN_OR_RETURN_CFG(policy.allowed_models, StringList(kv.second, at));
      } else if (key == "allowed_providers") {
        ASSIGN_OR_RETURN_CFG(policy.allowed_providers,
                             StringList(kv.second, at));
        for (std::string& p : policy.allowed_providers) {
          p = absl::AsciiStrToLower(p);
        }
      } else if (key == "requests_per_minute") {
        ASSIGN_OR_RETURN_CFG(policy.requests_per_minute,
                             NonNegative(kv.second, at));
      } else if (key == "tokens_per_minute") {
        ASSIGN_OR_RETURN_CFG(policy.tokens_per_minute,
                             NonNegative(kv.second, at));
      } else {
        return KeyError(at,
                        "unknown key (hourly_budget, allowed_models, "
                        "allowed_providers, requests_per_minute, "
                        "tokens_per_minute)");
      }
    }
    auth.tenants[name] = std::move(policy);
  }
  return absl::OkStatus();
}

absl::Status ApplyAuthEnvironment(const EnvLookup& env, AuthConfig& auth) {
  if (std::optional<std::string> keys = env("LLMGW_CLIENT_KEYS");
      keys.has_value() && !keys->empty()) {
    int i = 0;
    for (absl::string_view pair :
         absl::StrSplit(*keys, ',', absl::SkipWhitespace())) {
      pair = absl::StripAsciiWhitespace(pair);
      const size_t colon = pair.find(':');
      const std::string where = absl::StrCat("LLMGW_CLIENT_KEYS[", i++, "]");
      if (colon == absl::string_view::npos || colon + 1 == pair.size()) {
        // Never echo the value: it may be a key.
        return KeyError(where, "expected name:key");
      }
      ClientKeyEntry entry;
      entry.tenant = std::string(pair.substr(0, colon));
      absl::Status named = CheckTenantName(entry.tenant, where);
      if (!named.ok()) return named;
      entry.sha256_hex = Sha256Hex(pair.substr(colon + 1));
      auth.client_keys.push_back(std::move(entry));
    }
  }
  if (std::optional<std::string> admins = env("LLMGW_ADMIN_TENANTS");
      admins.has_value()) {
    for (absl::string_view name :
         absl::StrSplit(*admins, ',', absl::SkipWhitespace())) {
      name = absl::StripAsciiWhitespace(name);
      for (ClientKeyEntry& e : auth.client_keys) {
        if (e.tenant == name) e.admin = true;
      }
    }
  }
  if (std::optional<std::string> secret = env("LLMGW_FINGERPRINT_SECRET");
      secret.has_value() && !secret->empty()) {
    auth.fingerprint_secret = *secret;
  }
  return absl::OkStatus();
}

}  // namespace llmgw
