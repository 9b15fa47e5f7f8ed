#include "registry/provider_registry.h"

#include <functional>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "registry/key_fingerprint.h"
#include "registry/provider_factory.h"

namespace llmgw {
namespace {

// A wire format whose providers do nothing; the registry only needs specs.
class NullProvider : public ILLMProvider {
 public:
  NullProvider(ProviderSpec spec, std::string base_url)
      : spec_(std::move(spec)), base_url_(std::move(base_url)) {}
  const ProviderSpec& spec() const override { return spec_; }
  const std::string& base_url() const override { return base_url_; }
  std::shared_ptr<ProviderCall> Generate(ProviderRequest, CallOptions,
                                         ProviderCallback) override {
    return nullptr;
  }

 private:
  ProviderSpec spec_;
  std::string base_url_;
};

// A catalog in the same data format as providers/*/catalog.yaml, with the
// built-in ranks of those providers.
constexpr char kTestCatalog[] = R"yaml(
providers:
  fireworks:
    default_base_url: https://api.fireworks.test/v1
    default_model: accounts/fireworks/models/llama-v3p1-8b-instruct
    primary_rank: 1
    fallback_rank: 1
    route_prefixes: [accounts/fireworks/]
    models: [{name: accounts/fireworks/models/llama-v3p1-8b-instruct}]
  openai:
    default_base_url: https://api.openai.test/v1
    default_model: gpt-4o
    primary_rank: 2
    fallback_rank: 2
    route_prefixes: [gpt-]
    models: [{name: gpt-4o}, {name: gpt-4o-mini}]
  anthropic:
    default_base_url: https://api.anthropic.test/v1
    default_model: claude-3-5-sonnet-20241022
    primary_rank: 3
    route_prefixes: [claude]
    models: [{name: claude-3-5-sonnet-20241022}]
  gemini:
    default_base_url: https://api.gemini.test/v1
    default_model: gemini-1.5-pro
    primary_rank: 4
    route_prefixes: [gemini]
    models: [{name: gemini-1.5-pro}]
  groq:
    default_base_url: https://api.groq.test/v1
    default_model: llama-3.1-8b-instant
    primary_rank: 5
    route_prefixes: [llama, mixtral, gemma]
    models: [{name: llama-3.1-8b-instant}]
  huggingface:
    default_base_url: https://api.huggingface.test/v1
    default_model: tiiuae/falcon-7b-instruct
    primary_rank: 9
    models: [{name: tiiuae/falcon-7b-instruct}]
  local:
    api_key_env: ""
    api_keys_env: ""
    model_env: LOCAL_LLM_MODEL
    base_url_env: LOCAL_LLM_URL
    requires_api_key: false
    default_base_url: http://localhost:11434/v1
    default_model: phi-3
    primary_rank: 12
    fallback_rank: 3
    options: {base_url_suffix: /v1}
    models: [{name: phi-3}]
)yaml";

class TestFormatFactory : public ProviderFactory {
 public:
  absl::string_view wire_format() const override { return "test_format"; }
  absl::string_view BuiltinCatalog() const override { return kTestCatalog; }
  // One option, interpreted by the wire format (never by the registry).
  absl::Status ValidateOptions(
      const std::map<std::string, std::string>& options) const override {
    return CheckOptionKeys(options, wire_format(), {"base_url_suffix"});
  }
  std::string EffectiveBaseUrl(std::string url,
                               const ProviderSpec& spec) const override {
    auto it = spec.options.find("base_url_suffix");
    if (it != spec.options.end() && !absl::EndsWith(url, it->second)) {
      url += it->second;
    }
    return url;
  }
  absl::StatusOr<std::unique_ptr<ILLMProvider>> Create(
      const ProviderSpec& spec, const ProviderContext& context) const override {
    return std::make_unique<NullProvider>(spec, context.base_url);
  }
};
LLMGW_REGISTER_PROVIDER_FACTORY(TestFormatFactory);

std::unique_ptr<ProviderRegistry> Make(std::map<std::string, std::string> env,
                                       GatewayConfig config = {}) {
  auto registry = ProviderRegistry::Create(
      config, FixedEnvironment(std::move(env)), nullptr);
  EXPECT_TRUE(registry.ok()) << registry.status();
  return registry.ok() ? *std::move(registry) : nullptr;
}

std::vector<std::string> ChainNames(const ProviderRegistry& r) {
  std::vector<std::string> names;
  for (const ProviderEntry* e : r.fallback_chain())
    names.push_back(e->spec.name);
  return names;
}

TEST(ProviderRegistryTest, NothingConfiguredSaysWhatToSet) {
  auto r = Make({});
  EXPECT_FALSE(r->AnyConfigured());
  EXPECT_EQ(r->primary(), nullptr);
  EXPECT_EQ(r->Find("openai")->unconfigured_reason,
            "set OPENAI_API_KEY or OPENAI_API_KEYS");
  EXPECT_EQ(r->Find("local")->unconfigured_reason, "set LOCAL_LLM_URL");
  auto route = r->Resolve("gpt-4o");
  EXPECT_EQ(route.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(route.status().message().find("OPENAI_API_KEY"), std::string::npos);
}

TEST(ProviderRegistryTest, KeysFromEnvironmentWithPluralWinning) {
  auto r = Make({{"OPENAI_API_KEY", "sk-single"},
                 {"OPENAI_API_KEYS", " sk-a , sk-b,,"},
                 {"GROQ_API_KEY", "gsk-1"},
                 {"OPENAI_API_BASE", "http://127.0.0.1:9/v1/"},
                 {"OPENAI_MODEL", "gpt-4o-mini"}});
  const ProviderEntry* openai = r->Find("openai");
  ASSERT_TRUE(openai->configured);
  EXPECT_EQ(openai->api_keys, (std::vector<std::string>{"sk-a", "sk-b"}));
  EXPECT_EQ(openai->key_fingerprints[0], KeyFingerprint("sk-a"));
  EXPECT_EQ(openai->base_url, "http://127.0.0.1:9/v1");
  EXPECT_EQ(openai->spec.default_model, "gpt-4o-mini");
  EXPECT_EQ(r->Find("groq")->api_keys, (std::vector<std::string>{"gsk-1"}));
}

TEST(ProviderRegistryTest, FingerprintsRevealNothingOfTheKey) {
  const std::string fp = KeyFingerprint("sk-proj-abcdef1234567890");
  EXPECT_EQ(fp.size(), 16u);  // "key:" + 12 hex digits of an HMAC
  EXPECT_EQ(fp.rfind("key:", 0), 0u);
  EXPECT_EQ(fp.find("sk-"), std::string::npos);
  EXPECT_EQ(fp.find("7890"), std::string::npos);
  EXPECT_EQ(fp, KeyFingerprint("sk-proj-abcdef1234567890"));
  EXPECT_NE(fp, KeyFingerprint("sk-proj-abcdef1234567891"));
  EXPECT_EQ(KeyFingerprint(""), "");
}

TEST(ProviderRegistryTest, ChainIsPrimaryThenReliabilityOrder) {
  auto r = Make({{"CHAT_PROVIDER", "anthropic"},
                 {"ANTHROPIC_API_KEY", "a"},
                 {"OPENAI_API_KEY", "o"},
                 {"FIREWORKS_API_KEY", "f"},
                 {"GEMINI_API_KEY", "g"},
                 {"LOCAL_LLM_URL", "http://127.0.0.1:11434"}},
                [] {
                  GatewayConfig c;
                  c.primary_provider = "anthropic";
                  return c;
                }());
  EXPECT_EQ(ChainNames(*r), (std::vector<std::string>{"anthropic", "fireworks",
                                                      "openai", "local"}));
  EXPECT_FALSE(r->Find("gemini")->in_fallback_chain);
  EXPECT_TRUE(r->Find("local")->in_fallback_chain);
  // LOCAL_LLM_URL gets the /v1 the OpenAI-compatible servers serve under.
  EXPECT_EQ(r->Find("local")->base_url, "http://127.0.0.1:11434/v1");
}

TEST(ProviderRegistryTest, PrimaryDefaultsToFirstPreferredConfigured) {
  auto r = Make({{"GEMINI_API_KEY", "g"}, {"OPENAI_API_KEY", "o"}});
  EXPECT_EQ(r->primary()->spec.name, "openai");
  EXPECT_EQ(ChainNames(*r), (std::vector<std::string>{"openai"}));
}

TEST(ProviderRegistryTest, UnconfiguredPrimaryFallsToTheChain) {
  GatewayConfig c;
  c.primary_provider = "google";  // alias of gemini, which has no key
  auto r = Make({{"OPENAI_API_KEY", "o"}}, c);
  EXPECT_EQ(r->requested_primary(), "gemini");
  EXPECT_EQ(r->primary()->spec.name, "openai");
}

TEST(ProviderRegistryTest, RoutesPinsCatalogPrefixesAndPrimary) {
  auto r = Make({{"OPENAI_API_KEY", "o"},
                 {"GROQ_API_KEY", "g"},
                 {"HUGGINGFACE_API_KEY", "h"},
                 {"FIREWORKS_API_KEY", "f"}});
  auto expect_route = [&](const std::string& model, const std::string& provider,
                          const std::string& routed, const std::string& rule) {
    auto route = r->Resolve(model);
    ASSERT_TRUE(route.ok()) << model << ": " << route.status();
    EXPECT_EQ(route->entry->spec.name, provider) << model;
    EXPECT_EQ(route->model, routed) << model;
    EXPECT_EQ(route->rule, rule) << model;
  };
  expect_route("", "fireworks",
               "accounts/fireworks/models/llama-v3p1-8b-instruct", "primary");
  expect_route("openai/gpt-4o-mini", "openai", "gpt-4o-mini", "pinned");
  expect_route("OpenAI/", "openai", "gpt-4o", "pinned");
  expect_route("gpt-4.1-nano", "openai", "gpt-4.1-nano", "prefix");
  expect_route("Mixtral-8x7b", "groq", "Mixtral-8x7b", "prefix");
  expect_route("tiiuae/falcon-7b-instruct", "huggingface",
               "tiiuae/falcon-7b-instruct", "catalog");
  expect_route("some-unknown-model", "fireworks", "some-unknown-model",
               "primary");
}

TEST(ProviderRegistryTest, RoutesToUnconfiguredProvidersAreNotFound) {
  auto r = Make({{"OPENAI_API_KEY", "o"}});
  auto claude = r->Resolve("claude-3-5-sonnet-20241022");
  EXPECT_EQ(claude.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(claude.status().message().find("ANTHROPIC_API_KEY"),
            std::string::npos);
  EXPECT_EQ(r->Resolve("anthropic/claude-x").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ProviderRegistryTest, ConfigAddsOverridesAndRemovesProviders) {
  GatewayConfig c;
  ProviderOverride mycorp;
  mycorp.wire_format = "test_format";
  mycorp.base_url = "http://127.0.0.1:8/v1";
  mycorp.default_model = "corp-large";
  mycorp.route_prefixes = {"corp-"};
  c.providers["mycorp"] = mycorp;
  ProviderOverride openai;
  openai.read_timeout = absl::Seconds(5);
  openai.models.push_back(ModelSpec{"gpt-4o", 1, 2, 3, 4});
  c.providers["openai"] = openai;
  ProviderOverride groq;
  groq.enabled = false;
  c.providers["groq"] = groq;
  c.default_connect_timeout = absl::Seconds(3);
  auto r = Make({{"MYCORP_API_KEY", "m"},
                 {"OPENAI_API_KEY", "o"},
                 {"LLMGW_OPENAI_CONNECT_TIMEOUT", "1.5"}},
                c);
  const ProviderEntry* corp = r->Find("mycorp");
  ASSERT_NE(corp, nullptr);
  EXPECT_TRUE(corp->configured);
  EXPECT_EQ(r->Resolve("corp-small")->entry, corp);
  const ProviderEntry* o = r->Find("openai");
  EXPECT_EQ(o->spec.timeouts.read, absl::Seconds(5));
  EXPECT_EQ(o->spec.timeouts.connect, absl::Milliseconds(1500));
  EXPECT_EQ(r->Find("anthropic")->spec.timeouts.connect, absl::Seconds(3));
  EXPECT_EQ(o->spec.FindModel("gpt-4o")->output_nano_usd_per_million, 4);
  EXPECT_EQ(r->Find("groq"), nullptr);

  GatewayConfig unknown;
  unknown.providers["nosuch"] = ProviderOverride{};
  auto bad = ProviderRegistry::Create(unknown, FixedEnvironment({}), nullptr);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("wire_format"), std::string::npos);
}

TEST(ProviderRegistryTest, ANewProviderIsOneDataEntryWithAnExplicitPlace) {
  // The same keys as a catalog.yaml entry, through the config file.
  absl::StatusOr<GatewayConfig> c = ParseGatewayConfig(R"yaml(
providers:
  newco:
    wire_format: test_format
    default_base_url: https://api.newco.test/v1
    default_model: newco-1
    primary_rank: 1
    fallback_rank: 4
    models:
      - {name: newco-1, input_usd_per_million: 0.25, output_usd_per_million: 1}
  fireworks:
    primary_rank: 0
)yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  auto r = Make({{"NEWCO_API_KEY", "n"},
                 {"FIREWORKS_API_KEY", "f"},
                 {"OPENAI_API_KEY", "o"}},
                *c);
  ASSERT_NE(r, nullptr);
  const ProviderEntry* newco = r->Find("newco");
  ASSERT_NE(newco, nullptr);
  EXPECT_TRUE(newco->configured);
  // default_base_url is a default, not a configuration of its own.
  EXPECT_EQ(newco->base_url, "https://api.newco.test/v1");
  EXPECT_EQ(newco->spec.FindModel("newco-1")->input_nano_usd_per_million,
            250'000'000);
  EXPECT_EQ(r->primary()->spec.name, "newco");
  // fireworks (rank 1) and openai (rank 2) come before newco (rank 4).
  EXPECT_EQ(ChainNames(*r),
            (std::vector<std::string>{"newco", "fireworks", "openai"}));
}

TEST(ProviderRegistryTest, ZeroRanksKeepAProviderOutOfTheAutomaticOrders) {
  GatewayConfig c;
  ProviderOverride openai;
  openai.primary_rank = 0;
  openai.fallback_rank = 0;
  c.providers["openai"] = openai;
  auto r = Make({{"OPENAI_API_KEY", "o"}, {"GEMINI_API_KEY", "g"}}, c);
  EXPECT_EQ(r->primary()->spec.name, "gemini");
  EXPECT_EQ(ChainNames(*r), (std::vector<std::string>{"gemini"}));
}

// Names the registry knows only once the schema is built: CHAT_PROVIDER,
// fallback chain entries, and each wire format's own options.
TEST(ProviderRegistryTest, UnknownNamesAndOptionsAreRejectedWithTheirPath) {
  struct Case {
    std::map<std::string, std::string> env;
    std::function<void(GatewayConfig&)> edit;
    const char* message;  // expected in the error
  };
  const Case cases[] = {
      {{{"CHAT_PROVIDER", "opnai"}},
       [](GatewayConfig& c) { c.primary_provider = "opnai"; },
       "primary_provider (CHAT_PROVIDER): unknown provider 'opnai'"},
      {{},
       [](GatewayConfig& c) {
         c.fallback_chain = {"openai", "fireworkz"};
       },
       "fallback_chain[1] (LLMGW_FALLBACK_CHAIN): unknown provider "
       "'fireworkz'"},
      {{},
       [](GatewayConfig& c) { c.providers["local"].options["base_url"] = "x"; },
       "providers.local.options.base_url: unknown option of wire format "
       "test_format (known: base_url_suffix)"},
      {{},
       [](GatewayConfig& c) { c.providers["openai"].options["x"] = "1"; },
       "providers.openai.options.x: unknown option"},
  };
  for (const Case& c : cases) {
    GatewayConfig config;
    c.edit(config);
    auto r = ProviderRegistry::Create(config, FixedEnvironment(c.env), nullptr);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << r.status();
  }
  // Aliases and providers the config disabled are known names.
  GatewayConfig ok;
  ok.primary_provider = "google";
  ok.fallback_chain = {"hf", "groq"};
  ok.providers["groq"].enabled = false;
  auto r = ProviderRegistry::Create(ok, FixedEnvironment({}), nullptr);
  EXPECT_TRUE(r.ok()) << r.status();
}

TEST(ProviderRegistryTest, BadTimeoutVariableIsAnError) {
  auto bad = ProviderRegistry::Create(
      GatewayConfig{}, FixedEnvironment({{"LLMGW_OPENAI_READ_TIMEOUT", "x"}}),
      nullptr);
  EXPECT_NE(bad.status().message().find("LLMGW_OPENAI_READ_TIMEOUT"),
            std::string::npos);
}

}  // namespace
}  // namespace llmgw
