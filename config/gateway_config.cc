#include "config/gateway_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/money.h"
#include "config/yaml_util.h"
#include "registry/chat_content.h"

namespace llmgw {
namespace {

using namespace config_internal;  // NOLINT: the parsers' vocabulary

// Upper bound of providers.<name>.max_retries (bounded from outside).
constexpr int64_t kMaxRetriesLimit = 10;

absl::Status CheckFeatureNames(const std::vector<std::string>& features,
                               const std::string& at) {
  for (const std::string& f : features) {
    if (!ModelFeatureFromName(f).has_value()) {
      return KeyError(at,
                      absl::StrCat("unknown feature \"", f,
                                   "\" (known: chat, tools, vision, "
                                   "json_object, json_schema, embeddings)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ModelSpec> ParseModel(const YAML::Node& node,
                                     const std::string& where) {
  if (!node.IsMap()) return KeyError(where, "expected a mapping");
  ModelSpec model;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = absl::StrCat(where, ".", key);
    if (key == "name") {
      ASSIGN_OR_RETURN_CFG(model.name, ScalarString(kv.second, at));
    } else if (key == "context_window") {
      ASSIGN_OR_RETURN_CFG(model.context_window, ScalarInt(kv.second, at));
      if (model.context_window < 0) return KeyError(at, "expected 0 or more");
    } else if (key == "max_output_tokens") {
      ASSIGN_OR_RETURN_CFG(model.max_output_tokens, ScalarInt(kv.second, at));
      if (model.max_output_tokens < 0) {
        return KeyError(at, "expected 0 or more");
      }
    } else if (key == "input_usd_per_million") {
      ASSIGN_OR_RETURN_CFG(model.input_nano_usd_per_million,
                           ScalarUsd(kv.second, at));
    } else if (key == "output_usd_per_million") {
      ASSIGN_OR_RETURN_CFG(model.output_nano_usd_per_million,
                           ScalarUsd(kv.second, at));
    } else if (key == "cached_input_usd_per_million") {
      ASSIGN_OR_RETURN_CFG(model.cached_input_nano_usd_per_million,
                           ScalarUsd(kv.second, at));
    } else if (key == "cache_write_usd_per_million") {
      ASSIGN_OR_RETURN_CFG(model.cache_write_nano_usd_per_million,
                           ScalarUsd(kv.second, at));
    } else if (key == "reasoning_usd_per_million") {
      ASSIGN_OR_RETURN_CFG(model.reasoning_nano_usd_per_million,
                           ScalarUsd(kv.second, at));
    } else if (key == "features") {
      ASSIGN_OR_RETURN_CFG(model.features, StringList(kv.second, at));
      absl::Status known = CheckFeatureNames(model.features, at);
      if (!known.ok()) return known;
    } else {
      return KeyError(at, "unknown key");
    }
  }
  if (model.name.empty()) return KeyError(where, "model needs a name");
  return model;
}

absl::StatusOr<ProviderOverride> ParseProvider(const YAML::Node& node,
                                               const std::string& where) {
  ProviderOverride p;
  if (node.IsNull()) return p;
  if (!node.IsMap()) return KeyError(where, "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = absl::StrCat(where, ".", key);
    const YAML::Node& v = kv.second;
    if (key == "wire_format") {
      ASSIGN_OR_RETURN_CFG(p.wire_format, ScalarString(v, at));
    } else if (key == "env_prefix") {
      ASSIGN_OR_RETURN_CFG(p.env_prefix, ScalarString(v, at));
    } else if (key == "api_key_env") {
      ASSIGN_OR_RETURN_CFG(p.api_key_env, ScalarString(v, at));
    } else if (key == "api_keys_env") {
      ASSIGN_OR_RETURN_CFG(p.api_keys_env, ScalarString(v, at));
    } else if (key == "model_env") {
      ASSIGN_OR_RETURN_CFG(p.model_env, ScalarString(v, at));
    } else if (key == "base_url_env") {
      ASSIGN_OR_RETURN_CFG(p.base_url_env, ScalarString(v, at));
    } else if (key == "requires_api_key") {
      ASSIGN_OR_RETURN_CFG(p.requires_api_key, ScalarBool(v, at));
    } else if (key == "api_keys") {
      ASSIGN_OR_RETURN_CFG(p.api_keys, StringList(v, at));
    } else if (key == "base_url") {
      ASSIGN_OR_RETURN_CFG(p.base_url, ScalarString(v, at));
    } else if (key == "default_base_url") {
      ASSIGN_OR_RETURN_CFG(p.default_base_url, ScalarString(v, at));
    } else if (key == "default_model") {
      ASSIGN_OR_RETURN_CFG(p.default_model, ScalarString(v, at));
    } else if (key == "confidence_score") {
      ASSIGN_OR_RETURN_CFG(p.confidence_score, ScalarDouble(v, at));
      if (!(*p.confidence_score >= 0 && *p.confidence_score <= 1)) {
        return KeyError(at, "expected a number from 0 to 1");
      }
    } else if (key == "primary_rank") {
      ASSIGN_OR_RETURN_CFG(p.primary_rank, ScalarInt(v, at));
      if (*p.primary_rank < 0) return KeyError(at, "expected 0 or more");
    } else if (key == "fallback_rank") {
      ASSIGN_OR_RETURN_CFG(p.fallback_rank, ScalarInt(v, at));
      if (*p.fallback_rank < 0) return KeyError(at, "expected 0 or more");
    } else if (key == "max_retries") {
      int64_t retries = 0;
      ASSIGN_OR_RETURN_CFG(retries, ScalarInt(v, at));
      if (retries < 0 || retries > kMaxRetriesLimit) {
        return KeyError(at, absl::StrCat("expected 0 to ", kMaxRetriesLimit));
      }
      p.max_retries = static_cast<int>(retries);
    } else if (key == "connect_timeout_seconds") {
      ASSIGN_OR_RETURN_CFG(p.connect_timeout, ScalarSeconds(v, at));
    } else if (key == "read_timeout_seconds") {
      ASSIGN_OR_RETURN_CFG(p.read_timeout, ScalarSeconds(v, at));
    } else if (key == "route_prefixes") {
      ASSIGN_OR_RETURN_CFG(p.route_prefixes, StringList(v, at));
    } else if (key == "enabled") {
      ASSIGN_OR_RETURN_CFG(p.enabled, ScalarBool(v, at));
    } else if (key == "models") {
      if (!v.IsSequence()) return KeyError(at, "expected a list of models");
      int i = 0;
      for (const YAML::Node& m : v) {
        ModelSpec model;
        ASSIGN_OR_RETURN_CFG(model,
                             ParseModel(m, absl::StrCat(at, "[", i++, "]")));
        p.models.push_back(std::move(model));
      }
    } else if (key == "options") {
      if (!v.IsMap()) return KeyError(at, "expected a mapping");
      for (const auto& o : v) {
        const std::string option = o.first.Scalar();
        ASSIGN_OR_RETURN_CFG(p.options[option],
                             ScalarString(o.second, at + "." + option));
      }
    } else {
      return KeyError(at, "unknown key");
    }
  }
  return p;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, ProviderOverride>>>
ParseProviderCatalog(absl::string_view yaml_text) {
  std::vector<std::pair<std::string, ProviderOverride>> entries;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap()) return KeyError("catalog", "expected a mapping");
    for (const auto& kv : root) {
      if (kv.first.Scalar() != "providers") {
        return KeyError(kv.first.Scalar(),
                        "unknown key (catalogs only hold "
                        "providers)");
      }
      if (!kv.second.IsMap()) {
        return KeyError("providers", "expected a mapping by name");
      }
      for (const auto& p : kv.second) {
        const std::string name = absl::AsciiStrToLower(p.first.Scalar());
        for (const auto& [seen, unused] : entries) {
          if (seen == name) return KeyError("providers." + name, "duplicate");
        }
        ProviderOverride parsed;
        ASSIGN_OR_RETURN_CFG(parsed,
                             ParseProvider(p.second, "providers." + name));
        entries.emplace_back(name, std::move(parsed));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("catalog: ", e.what()));
  }
  return entries;
}

absl::StatusOr<GatewayConfig> ParseGatewayConfig(absl::string_view yaml_text) {
  GatewayConfig config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", e.what()));
  }
  if (root.IsNull()) return config;
  if (!root.IsMap()) return KeyError("top level", "expected a mapping");
  try {
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (key == "primary_provider") {
        ASSIGN_OR_RETURN_CFG(config.primary_provider, ScalarString(v, key));
      } else if (key == "fallback_chain") {
        ASSIGN_OR_RETURN_CFG(config.fallback_chain, StringList(v, key));
      } else if (key == "providers") {
        if (!v.IsMap()) return KeyError(key, "expected a mapping by name");
        for (const auto& p : v) {
          const std::string name = absl::AsciiStrToLower(p.first.Scalar());
          ProviderOverride parsed;
          ASSIGN_OR_RETURN_CFG(parsed,
                               ParseProvider(p.second, "providers." + name));
          config.providers[name] = std::move(parsed);
        }
      } else if (key == "budget") {
        absl::Status s = ParseBudgetSection(v, config.budget);
        if (!s.ok()) return s;
      } else if (key == "resilience") {
        absl::Status s = ParseResilienceSection(v, config.resilience);
        if (!s.ok()) return s;
      } else if (key == "auth") {
        absl::Status s = ParseAuthSection(v, config.auth);
        if (!s.ok()) return s;
      } else if (key == "tenants") {
        absl::Status s = ParseTenantsSection(v, config.auth);
        if (!s.ok()) return s;
      } else if (key == "shutdown_grace_seconds") {
        ASSIGN_OR_RETURN_CFG(config.shutdown_grace, ScalarSeconds(v, key));
      } else if (key == "connect_timeout_seconds") {
        ASSIGN_OR_RETURN_CFG(config.default_connect_timeout,
                             ScalarSeconds(v, key));
      } else if (key == "read_timeout_seconds") {
        ASSIGN_OR_RETURN_CFG(config.default_read_timeout,
                             ScalarSeconds(v, key));
      } else if (key == "data_dir") {
        ASSIGN_OR_RETURN_CFG(config.data_dir, ScalarString(v, key));
      } else if (key == "http_port") {
        ASSIGN_OR_RETURN_CFG(config.http_port, ScalarInt(v, key));
        if (*config.http_port < -1 || *config.http_port > 65535) {
          return KeyError(key, "expected a port 0 to 65535, or -1 (off)");
        }
      } else {
        return KeyError(key, "unknown key");
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", e.what()));
  }
  // A tenant's hourly_budget is its client scope's budget.
  for (const auto& [tenant, nano] : config.auth.tenant_budgets) {
    config.budget.scope_budgets["client:" + tenant] = nano;
  }
  return config;
}

absl::StatusOr<GatewayConfig> LoadGatewayConfig(const std::string& path,
                                                const EnvLookup& env) {
  GatewayConfig config;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("config file '", path, "' cannot be read"));
    }
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<GatewayConfig> parsed = ParseGatewayConfig(text.str());
    if (!parsed.ok()) {
      return absl::Status(parsed.status().code(),
                          absl::StrCat(path, ": ", parsed.status().message()));
    }
    config = *std::move(parsed);
  }
  absl::Status applied = ApplyEnvironmentOverrides(env, config);
  if (!applied.ok()) return applied;
  return config;
}

absl::Status ApplyEnvironmentOverrides(const EnvLookup& env,
                                       GatewayConfig& config) {
  if (auto v = env("CHAT_PROVIDER")) {
    config.primary_provider = absl::AsciiStrToLower(*v);
  }
  if (auto v = env("LLMGW_FALLBACK_CHAIN")) {
    config.fallback_chain.clear();
    for (absl::string_view part : absl::StrSplit(*v, ',')) {
      part = absl::StripAsciiWhitespace(part);
      if (!part.empty())
        config.fallback_chain.push_back(absl::AsciiStrToLower(part));
    }
  }
  absl::Status budget = ApplyBudgetEnvironment(env, config.budget);
  if (!budget.ok()) return budget;
  absl::Status resilience = ApplyResilienceEnvironment(env, config.resilience);
  if (!resilience.ok()) return resilience;
  absl::Status auth = ApplyAuthEnvironment(env, config.auth);
  if (!auth.ok()) return auth;
  if (env("LLMGW_CONNECT_TIMEOUT")) {
    ASSIGN_OR_RETURN_CFG(config.default_connect_timeout,
                         EnvSeconds(env, "LLMGW_CONNECT_TIMEOUT"));
  }
  if (env("LLMGW_READ_TIMEOUT")) {
    ASSIGN_OR_RETURN_CFG(config.default_read_timeout,
                         EnvSeconds(env, "LLMGW_READ_TIMEOUT"));
  }
  return absl::OkStatus();
}

}  // namespace llmgw
