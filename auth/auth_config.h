#ifndef LLMGW_AUTH_AUTH_CONFIG_H_
#define LLMGW_AUTH_AUTH_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "config/env_lookup.h"

namespace llmgw {

// One client key: a tenant name and the SHA-256 of the key (lower-case hex).
// The plain key is never stored: the file holds the digest, and keys from
// LLMGW_CLIENT_KEYS are hashed as they are read.
struct ClientKeyEntry {
  std::string tenant;
  std::string sha256_hex;
  // Admin keys may read every Budget scope and Status details (base URLs,
  // key fingerprints).
  bool admin = false;
};

// What one tenant may do. Zero means unlimited; empty lists allow all.
struct TenantPolicy {
  // "model", "provider/model" or "provider/*" patterns; a request whose model
  // (or any fallback model) resolves outside them gets PERMISSION_DENIED.
  std::vector<std::string> allowed_models;
  std::vector<std::string> allowed_providers;
  int64_t requests_per_minute = 0;
  int64_t tokens_per_minute = 0;
};

// Where rate-limit counters live.
enum class RateLimitBackend {
  // Redis when the budget ledger is Redis, else in process.
  kAuto,
  kMemory,
  kRedis,
};

// The `auth:` and `tenants:` sections. YAML (every key optional):
//   auth:
//     client_keys:
//       - name: team-a                    # the tenant
//         sha256: 5e884898da28...          # printf %s "$KEY" | sha256sum
//         admin: false
//     fingerprint_secret_file: /etc/llmgw/fp-secret   # else env / data_dir
//     rate_limit_backend: auto            # auto | memory | redis
//     rate_limit_redis_prefix: llmgw:rl
//   tenants:
//     team-a:
//       hourly_budget: 0.50               # USD per budget window
//       allowed_models: [gpt-4o-mini, "anthropic/*"]
//       allowed_providers: [openai, anthropic]
//       requests_per_minute: 60
//       tokens_per_minute: 100000
struct AuthConfig {
  std::vector<ClientKeyEntry> client_keys;
  std::map<std::string, TenantPolicy> tenants;
  // Per-tenant hourly budgets in nano-USD; merged into
  // budget.scope_budgets["client:<tenant>"] by the config loader.
  std::map<std::string, int64_t> tenant_budgets;
  // HMAC secret for key fingerprints (LLMGW_FINGERPRINT_SECRET), or a file
  // holding it. Empty both: <data_dir>/fingerprint_secret, else random per
  // process.
  std::string fingerprint_secret;
  std::string fingerprint_secret_file;
  RateLimitBackend rate_limit_backend = RateLimitBackend::kAuto;
  std::string rate_limit_redis_prefix = "llmgw:rl";

  bool any_client_key() const { return !client_keys.empty(); }
};

// Parses `auth:` into `auth`.
absl::Status ParseAuthSection(const YAML::Node& node, AuthConfig& auth);
// Parses `tenants:` into `auth`.
absl::Status ParseTenantsSection(const YAML::Node& node, AuthConfig& auth);

// LLMGW_CLIENT_KEYS ("name:key,name2:key2"; hashed here, the plain keys are
// not kept), LLMGW_ADMIN_TENANTS (comma-separated tenant names whose keys are
// admin), LLMGW_FINGERPRINT_SECRET.
absl::Status ApplyAuthEnvironment(const EnvLookup& env, AuthConfig& auth);

}  // namespace llmgw

#endif  // LLMGW_AUTH_AUTH_CONFIG_H_
