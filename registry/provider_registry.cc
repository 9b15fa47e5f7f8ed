#include "registry/provider_registry.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "registry/key_fingerprint.h"
#include "registry/provider_catalog.h"
#include "registry/provider_factory.h"

namespace llmgw {
namespace {

// Other names people use for a provider.
absl::string_view CanonicalName(absl::string_view name) {
  if (name == "google") return "gemini";
  if (name == "hf" || name == "hugging_face") return "huggingface";
  return name;
}

std::string Upper(absl::string_view s) { return absl::AsciiStrToUpper(s); }

std::vector<std::string> SplitKeys(absl::string_view text) {
  std::vector<std::string> keys;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) keys.emplace_back(part);
  }
  return keys;
}

// Trailing slashes removed, then the wire format's own adjustment (the
// registry does not interpret options).
std::string NormalizeBaseUrl(std::string url, const ProviderSpec& spec) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  const ProviderFactory* factory = FindProviderFactory(spec.wire_format);
  return factory == nullptr ? url
                            : factory->EffectiveBaseUrl(std::move(url), spec);
}

// Schema entries of every linked wire format: each factory's built-in
// catalog, in registration order.
absl::StatusOr<std::vector<ProviderSpec>> BuiltinSchema() {
  std::vector<ProviderSpec> schema;
  for (const auto& factory : ProviderFactories()) {
    absl::StatusOr<std::vector<ProviderSpec>> specs =
        ParseBuiltinCatalog(factory->BuiltinCatalog(), factory->wire_format());
    if (!specs.ok()) return specs.status();
    for (ProviderSpec& spec : *specs) schema.push_back(std::move(spec));
  }
  return schema;
}

// Every provider's options, checked by its wire format (typed per wire
// format; the registry itself reads none of them).
absl::Status ValidateOptions(const std::vector<ProviderSpec>& schema) {
  for (const ProviderSpec& spec : schema) {
    const ProviderFactory* factory = FindProviderFactory(spec.wire_format);
    if (factory == nullptr) continue;  // reported as "not linked"
    absl::Status s = factory->ValidateOptions(spec.options);
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config: providers.", spec.name, ".options.", s.message()));
    }
  }
  return absl::OkStatus();
}

// CHAT_PROVIDER / primary_provider and every fallback_chain entry must name a
// provider of the schema (or one the config disabled with enabled: false).
absl::Status ValidateProviderNames(const GatewayConfig& config,
                                   const std::vector<ProviderSpec>& schema) {
  auto known = [&](const std::string& raw) {
    const std::string name(CanonicalName(absl::AsciiStrToLower(raw)));
    for (const ProviderSpec& s : schema) {
      if (s.name == name) return true;
    }
    auto it = config.providers.find(name);
    return it != config.providers.end() && !it->second.enabled;
  };
  auto unknown = [&](absl::string_view where, const std::string& name) {
    std::vector<std::string> names;
    for (const ProviderSpec& s : schema) names.push_back(s.name);
    return absl::InvalidArgumentError(
        absl::StrCat("config: ", where, ": unknown provider '", name,
                     "' (known: ", absl::StrJoin(names, ", "), ")"));
  };
  if (!config.primary_provider.empty() && !known(config.primary_provider)) {
    return unknown("primary_provider (CHAT_PROVIDER)", config.primary_provider);
  }
  for (size_t i = 0; i < config.fallback_chain.size(); ++i) {
    if (!known(config.fallback_chain[i])) {
      return unknown(
          absl::StrCat("fallback_chain[", i, "] (LLMGW_FALLBACK_CHAIN)"),
          config.fallback_chain[i]);
    }
  }
  return absl::OkStatus();
}

// The configured providers with a rank >= 1, by rank (ties keep catalog
// order).
std::vector<const ProviderEntry*> Ranked(
    const std::vector<std::unique_ptr<ProviderEntry>>& entries,
    int ProviderSpec::*rank) {
  std::vector<const ProviderEntry*> ranked;
  for (const auto& e : entries) {
    if (e->configured && e->spec.*rank > 0) ranked.push_back(e.get());
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [rank](const ProviderEntry* a, const ProviderEntry* b) {
                     return a->spec.*rank < b->spec.*rank;
                   });
  return ranked;
}

// 1. The schema: built-in presets, then YAML overrides and additions; options
// and the provider names of the chain checked.
absl::StatusOr<std::vector<ProviderSpec>> BuildSchema(
    const GatewayConfig& config) {
  absl::StatusOr<std::vector<ProviderSpec>> builtin = BuiltinSchema();
  if (!builtin.ok()) return builtin.status();
  std::vector<ProviderSpec> schema = *std::move(builtin);
  for (const auto& [raw_name, o] : config.providers) {
    const std::string name(CanonicalName(raw_name));
    auto it =
        std::find_if(schema.begin(), schema.end(),
                     [&](const ProviderSpec& s) { return s.name == name; });
    if (!o.enabled) {
      if (it != schema.end()) schema.erase(it);
      continue;
    }
    if (it == schema.end()) {
      if (!o.wire_format) {
        return absl::InvalidArgumentError(absl::StrCat(
            "config: providers.", name,
            ": unknown provider; set wire_format (e.g. openai_compatible) to "
            "define a new one"));
      }
      schema.push_back(NewProviderSpec(name));
      it = schema.end() - 1;
    }
    if (o.wire_format) it->wire_format = *o.wire_format;
    ApplyProviderOverride(o, *it);
  }

  if (absl::Status s = ValidateOptions(schema); !s.ok()) return s;
  if (absl::Status s = ValidateProviderNames(config, schema); !s.ok()) {
    return s;
  }
  return schema;
}

// Timeouts: global default < provider config < provider environment.
absl::Status ResolveTimeouts(const GatewayConfig& config,
                             const ProviderOverride* o, const EnvLookup& env,
                             ProviderSpec& spec) {
  if (config.default_connect_timeout && !(o && o->connect_timeout)) {
    spec.timeouts.connect = *config.default_connect_timeout;
  }
  if (config.default_read_timeout && !(o && o->read_timeout)) {
    spec.timeouts.read = *config.default_read_timeout;
  }
  spec.timeouts.stream_idle = config.resilience.stream_idle_timeout;
  spec.timeouts.first_token = config.resilience.first_token_timeout;
  const std::string env_name = Upper(spec.name);
  for (auto [suffix, target] :
       {std::pair<const char*, absl::Duration*>{"_CONNECT_TIMEOUT",
                                                &spec.timeouts.connect},
        {"_READ_TIMEOUT", &spec.timeouts.read},
        {"_STREAM_IDLE_TIMEOUT", &spec.timeouts.stream_idle},
        {"_FIRST_TOKEN_TIMEOUT", &spec.timeouts.first_token}}) {
    auto value = EnvSeconds(env, absl::StrCat("LLMGW_", env_name, suffix));
    if (!value.ok()) return value.status();
    if (*value) *target = **value;
  }
  return absl::OkStatus();
}

// Keys: <P>_API_KEYS wins over <P>_API_KEY, which wins over the file.
std::vector<std::string> ResolveKeys(const ProviderSpec& spec,
                                     const ProviderOverride* o,
                                     const EnvLookup& env) {
  std::vector<std::string> keys;
  std::optional<std::string> keys_var =
      spec.api_keys_env.empty() ? std::nullopt : env(spec.api_keys_env);
  std::optional<std::string> key_var =
      spec.api_key_env.empty() ? std::nullopt : env(spec.api_key_env);
  if (keys_var) {
    keys = SplitKeys(*keys_var);
  } else if (key_var) {
    keys = SplitKeys(*key_var);
    if (keys.size() > 1) keys.resize(1);
  } else if (o) {
    keys = o->api_keys;
  }
  return keys;
}

// 2. One schema entry resolved against the environment; its provider is
// created when it is configured (else unconfigured_reason says why not).
absl::StatusOr<std::unique_ptr<ProviderEntry>> ResolveEntry(
    ProviderSpec spec, const GatewayConfig& config, const EnvLookup& env,
    http::HttpClient* http_client) {
  auto entry = std::make_unique<ProviderEntry>();
  const ProviderOverride* o = nullptr;
  if (auto it = config.providers.find(spec.name);
      it != config.providers.end()) {
    o = &it->second;
  }
  if (absl::Status s = ResolveTimeouts(config, o, env, spec); !s.ok()) {
    return s;
  }
  entry->api_keys = ResolveKeys(spec, o, env);
  for (const std::string& key : entry->api_keys) {
    entry->key_fingerprints.push_back(KeyFingerprint(key));
  }

  std::optional<std::string> base_env =
      spec.base_url_env.empty() ? std::nullopt : env(spec.base_url_env);
  const bool base_configured = base_env || (o && o->base_url);
  std::string base = base_env             ? *base_env
                     : (o && o->base_url) ? *o->base_url
                                          : spec.default_base_url;
  entry->base_url = NormalizeBaseUrl(std::move(base), spec);
  if (!spec.model_env.empty()) {
    if (auto model = env(spec.model_env)) spec.default_model = *model;
  }

  const ProviderFactory* factory = FindProviderFactory(spec.wire_format);
  if (factory == nullptr) {
    entry->unconfigured_reason = absl::StrCat(
        "wire format '", spec.wire_format, "' is not linked into this binary");
  } else if (spec.requires_api_key && entry->api_keys.empty()) {
    entry->unconfigured_reason =
        spec.api_keys_env.empty()
            ? absl::StrCat("set ", spec.api_key_env)
            : absl::StrCat("set ", spec.api_key_env, " or ", spec.api_keys_env);
  } else if (!spec.requires_api_key && !base_configured) {
    entry->unconfigured_reason = absl::StrCat("set ", spec.base_url_env);
  } else if (entry->base_url.empty()) {
    entry->unconfigured_reason = absl::StrCat("set ", spec.base_url_env);
  } else if (spec.default_model.empty()) {
    entry->unconfigured_reason = absl::StrCat("set ", spec.model_env);
  } else {
    ProviderContext context{http_client, entry->base_url};
    absl::StatusOr<std::unique_ptr<ILLMProvider>> provider =
        factory->Create(spec, context);
    if (!provider.ok()) {
      entry->unconfigured_reason = std::string(provider.status().message());
    } else {
      entry->provider = *std::move(provider);
      entry->configured = true;
    }
  }
  entry->spec = std::move(spec);
  return entry;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProviderRegistry>> ProviderRegistry::Create(
    const GatewayConfig& config, const EnvLookup& env,
    http::HttpClient* http_client) {
  std::unique_ptr<ProviderRegistry> registry(new ProviderRegistry());
  absl::StatusOr<std::vector<ProviderSpec>> schema = BuildSchema(config);
  if (!schema.ok()) return schema.status();
  for (ProviderSpec& spec : *schema) {
    absl::StatusOr<std::unique_ptr<ProviderEntry>> entry =
        ResolveEntry(std::move(spec), config, env, http_client);
    if (!entry.ok()) return entry.status();
    registry->entries_.push_back(*std::move(entry));
  }

  // 3. Primary and fallback chain.
  registry->requested_primary_ = std::string(
      CanonicalName(absl::AsciiStrToLower(config.primary_provider)));
  auto configured = [&](absl::string_view name) -> const ProviderEntry* {
    const ProviderEntry* e = registry->Find(name);
    return e != nullptr && e->configured ? e : nullptr;
  };
  auto add_to_chain = [&](const ProviderEntry* e) {
    if (e == nullptr) return;
    auto& chain = registry->chain_;
    if (std::find(chain.begin(), chain.end(), e) == chain.end()) {
      chain.push_back(e);
    }
  };
  const ProviderEntry* primary = configured(registry->requested_primary_);
  if (!config.fallback_chain.empty()) {
    add_to_chain(primary);
    for (const std::string& name : config.fallback_chain) {
      add_to_chain(configured(CanonicalName(absl::AsciiStrToLower(name))));
    }
  } else {
    if (primary == nullptr && registry->requested_primary_.empty()) {
      std::vector<const ProviderEntry*> by_rank =
          Ranked(registry->entries_, &ProviderSpec::primary_rank);
      if (!by_rank.empty()) primary = by_rank.front();
      if (primary == nullptr) {
        for (const auto& e : registry->entries_) {
          if (e->configured) {
            primary = e.get();
            break;
          }
        }
      }
    }
    add_to_chain(primary);
    for (const ProviderEntry* e :
         Ranked(registry->entries_, &ProviderSpec::fallback_rank)) {
      add_to_chain(e);
    }
  }
  registry->primary_ =
      registry->chain_.empty() ? nullptr : registry->chain_.front();
  for (const ProviderEntry* e : registry->chain_) {
    const_cast<ProviderEntry*>(e)->in_fallback_chain = true;
  }
  return registry;
}

const ProviderEntry* ProviderRegistry::Find(absl::string_view name) const {
  absl::string_view canonical = CanonicalName(name);
  for (const auto& e : entries_) {
    if (e->spec.name == canonical) return e.get();
  }
  return nullptr;
}

std::string ProviderRegistry::HowToConfigure() const {
  std::vector<std::string> vars;
  for (const auto& e : entries_) {
    if (!e->spec.requires_api_key) {
      if (!e->spec.base_url_env.empty()) vars.push_back(e->spec.base_url_env);
    } else if (!e->spec.api_key_env.empty()) {
      vars.push_back(e->spec.api_key_env);
    }
  }
  return absl::StrCat("no LLM provider is configured; set one of ",
                      absl::StrJoin(vars, ", "),
                      " (and optionally <PROVIDER>_API_BASE, CHAT_PROVIDER)");
}

absl::StatusOr<Route> ProviderRegistry::Resolve(absl::string_view model) const {
  if (primary_ == nullptr) return absl::NotFoundError(HowToConfigure());
  auto not_configured = [](const ProviderEntry* e, absl::string_view model) {
    return absl::NotFoundError(absl::StrCat(
        "model '", model, "' is served by provider '", e->spec.name,
        "', which is not configured: ", e->unconfigured_reason));
  };
  if (model.empty()) {
    return Route{primary_, primary_->spec.default_model, "primary"};
  }
  // 1. "provider/model" pins a known provider.
  if (size_t slash = model.find('/'); slash != absl::string_view::npos) {
    const std::string head = absl::AsciiStrToLower(model.substr(0, slash));
    if (const ProviderEntry* e = Find(head)) {
      if (!e->configured) return not_configured(e, model);
      absl::string_view rest = model.substr(slash + 1);
      return Route{
          e,
          std::string(rest.empty() ? absl::string_view(e->spec.default_model)
                                   : rest),
          "pinned"};
    }
  }
  // 2. An exact catalog entry.
  const ProviderEntry* catalog_unconfigured = nullptr;
  for (const auto& e : entries_) {
    if (e->spec.FindModel(std::string(model)) == nullptr &&
        e->spec.default_model != model) {
      continue;
    }
    if (e->configured) return Route{e.get(), std::string(model), "catalog"};
    if (catalog_unconfigured == nullptr) catalog_unconfigured = e.get();
  }
  // 3. Prefix rules, in schema order.
  const std::string lower = absl::AsciiStrToLower(model);
  for (const auto& e : entries_) {
    for (const std::string& prefix : e->spec.route_prefixes) {
      if (!absl::StartsWith(lower, absl::AsciiStrToLower(prefix))) continue;
      if (e->configured) return Route{e.get(), std::string(model), "prefix"};
      return not_configured(e.get(), model);
    }
  }
  if (catalog_unconfigured != nullptr) {
    return not_configured(catalog_unconfigured, model);
  }
  // 4. The primary provider, as the reference's DEFAULT_PROVIDER.
  return Route{primary_, std::string(model), "primary"};
}

}  // namespace llmgw
