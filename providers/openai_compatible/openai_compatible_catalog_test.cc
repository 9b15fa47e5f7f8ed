#include "providers/openai_compatible/openai_compatible_catalog.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "providers/openai_compatible/openai_compatible_codec.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

const ProviderSpec& Find(const std::vector<ProviderSpec>& specs,
                         const std::string& name) {
  for (const ProviderSpec& spec : specs) {
    if (spec.name == name) return spec;
  }
  static const ProviderSpec* const kMissing = new ProviderSpec();
  ADD_FAILURE() << "no preset " << name;
  return *kMissing;
}

TEST(OpenAiCompatibleCatalogTest, PresetNamesInOrder) {
  std::vector<std::string> names;
  for (const ProviderSpec& spec : OpenAiCompatiblePresets()) {
    names.push_back(spec.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "openai", "fireworks", "openrouter", "groq", "deepseek",
                       "together", "huggingface", "local"}));
}

TEST(OpenAiCompatibleCatalogTest, EveryPresetIsWellFormed) {
  for (const ProviderSpec& spec : OpenAiCompatiblePresets()) {
    SCOPED_TRACE(spec.name);
    EXPECT_EQ(spec.wire_format, "openai_compatible");
    EXPECT_FALSE(spec.default_base_url.empty());
    EXPECT_NE(spec.default_base_url.back(), '/');
    EXPECT_EQ(spec.default_base_url.substr(spec.default_base_url.size() - 3),
              "/v1");
    // The default model is in the catalog (so it has a price).
    EXPECT_NE(spec.FindModel(spec.default_model), nullptr)
        << spec.default_model;
    EXPECT_EQ(spec.timeouts.connect, absl::Seconds(10));
    EXPECT_EQ(spec.timeouts.read, absl::Seconds(60));
    EXPECT_EQ(spec.max_retries, 3);
    for (const ModelSpec& model : spec.models) {
      SCOPED_TRACE(model.name);
      EXPECT_GT(model.context_window, 0);
      EXPECT_LE(model.max_output_tokens, model.context_window);
      EXPECT_GE(model.input_nano_usd_per_million, 0);
      EXPECT_GE(model.output_nano_usd_per_million, 0);
      // Every model declares its features (#13): chat models "chat" (plus
      // what their docs list), embedding models only "embeddings", which
      // produce no output tokens and cost nothing per output token.
      ASSERT_FALSE(model.features.empty());
      const bool embeds =
          std::find(model.features.begin(), model.features.end(),
                    "embeddings") != model.features.end();
      if (embeds) {
        EXPECT_EQ(model.features.size(), 1u);
        EXPECT_EQ(model.output_nano_usd_per_million, 0);
        EXPECT_EQ(model.max_output_tokens, 0);
      } else {
        EXPECT_EQ(model.features.front(), "chat");
        EXPECT_GT(model.max_output_tokens, 0);
      }
      if (model.cached_input_nano_usd_per_million) {
        EXPECT_LT(*model.cached_input_nano_usd_per_million,
                  model.input_nano_usd_per_million);
      }
    }
  }
}

TEST(OpenAiCompatibleCatalogTest, HostedPresetsUseTheReferenceEnvScheme) {
  struct Expected {
    const char* name;
    const char* env_prefix;
    const char* base_url;
    const char* default_model;
    double confidence;
  };
  const std::vector<ProviderSpec> presets = OpenAiCompatiblePresets();
  for (const Expected& e : std::vector<Expected>{
           {"openai", "OPENAI", "https://api.openai.com/v1", "gpt-4o", 0.85},
           {"fireworks", "FIREWORKS", "https://api.fireworks.ai/inference/v1",
            "accounts/fireworks/models/llama-v3p1-8b-instruct", 0.9},
           {"openrouter", "OPENROUTER", "https://openrouter.ai/api/v1",
            "anthropic/claude-3-sonnet", 0.8},
           {"groq", "GROQ", "https://api.groq.com/openai/v1",
            "llama-3.1-8b-instant", 0.8},
           {"deepseek", "DEEPSEEK", "https://api.deepseek.com/v1",
            "deepseek-chat", 0.8},
           {"together", "TOGETHER", "https://api.together.xyz/v1",
            "meta-llama/Llama-2-70b-chat-hf", 0.8},
           {"huggingface", "HUGGINGFACE", "https://router.huggingface.co/v1",
            "tiiuae/falcon-7b-instruct", 0.8},
       }) {
    SCOPED_TRACE(e.name);
    const ProviderSpec& spec = Find(presets, e.name);
    const std::string prefix = e.env_prefix;
    EXPECT_EQ(spec.api_key_env, prefix + "_API_KEY");
    EXPECT_EQ(spec.api_keys_env, prefix + "_API_KEYS");
    EXPECT_EQ(spec.model_env, prefix + "_MODEL");
    EXPECT_EQ(spec.base_url_env, prefix + "_API_BASE");
    EXPECT_TRUE(spec.requires_api_key);
    EXPECT_EQ(spec.default_base_url, e.base_url);
    EXPECT_EQ(spec.default_model, e.default_model);
    EXPECT_DOUBLE_EQ(spec.confidence_score, e.confidence);
  }
}

TEST(OpenAiCompatibleCatalogTest, LocalPresetNeedsNoKey) {
  const std::vector<ProviderSpec> presets = OpenAiCompatiblePresets();
  const ProviderSpec& local = Find(presets, "local");
  EXPECT_FALSE(local.requires_api_key);
  EXPECT_EQ(local.api_key_env, "");
  EXPECT_EQ(local.api_keys_env, "");
  EXPECT_EQ(local.base_url_env, "LOCAL_LLM_URL");
  EXPECT_EQ(local.model_env, "LOCAL_LLM_MODEL");
  EXPECT_EQ(local.default_base_url, "http://localhost:11434/v1");
  EXPECT_EQ(local.default_model, "Phi-3-mini-128k-instruct-onnx");
  EXPECT_DOUBLE_EQ(local.confidence_score, 0.6);
  EXPECT_EQ(local.options.at("base_url_suffix"), "/v1");
  EXPECT_TRUE(local.route_prefixes.empty());
}

TEST(OpenAiCompatibleCatalogTest, RoutePrefixes) {
  std::vector<ProviderSpec> presets = OpenAiCompatiblePresets();
  EXPECT_EQ(Find(presets, "openai").route_prefixes,
            (std::vector<std::string>{"gpt-", "o1", "o3", "o4", "chatgpt-"}));
  EXPECT_EQ(Find(presets, "fireworks").route_prefixes,
            (std::vector<std::string>{"accounts/fireworks/"}));
  EXPECT_EQ(Find(presets, "groq").route_prefixes,
            (std::vector<std::string>{"llama", "mixtral", "gemma"}));
  EXPECT_EQ(Find(presets, "deepseek").route_prefixes,
            (std::vector<std::string>{"deepseek"}));
}

TEST(OpenAiCompatibleCatalogTest, PricesAreNanoUsdPerMillion) {
  std::vector<ProviderSpec> presets = OpenAiCompatiblePresets();
  const ModelSpec* gpt4o = Find(presets, "openai").FindModel("gpt-4o");
  ASSERT_NE(gpt4o, nullptr);
  EXPECT_EQ(gpt4o->input_nano_usd_per_million, 2'500'000'000);
  EXPECT_EQ(gpt4o->output_nano_usd_per_million, 10'000'000'000);
  EXPECT_EQ(gpt4o->context_window, 128'000);
  EXPECT_EQ(gpt4o->max_output_tokens, 16'384);

  const ModelSpec* mini = Find(presets, "openai").FindModel("gpt-4o-mini");
  ASSERT_NE(mini, nullptr);
  EXPECT_EQ(mini->input_nano_usd_per_million, 150'000'000);
  EXPECT_EQ(mini->output_nano_usd_per_million, 600'000'000);

  const ModelSpec* instant =
      Find(presets, "groq").FindModel("llama-3.1-8b-instant");
  ASSERT_NE(instant, nullptr);
  EXPECT_EQ(instant->input_nano_usd_per_million, 50'000'000);
  EXPECT_EQ(instant->output_nano_usd_per_million, 80'000'000);

  const ModelSpec* oss20 =
      Find(presets, "groq").FindModel("openai/gpt-oss-20b");
  ASSERT_NE(oss20, nullptr);
  EXPECT_EQ(oss20->input_nano_usd_per_million, 75'000'000);

  const ModelSpec* local =
      Find(presets, "local").FindModel("Phi-3-mini-128k-instruct-onnx");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->input_nano_usd_per_million, 0);
}

TEST(OpenAiCompatibleCatalogTest, OnlyOpenAiUsesMaxCompletionTokens) {
  for (const ProviderSpec& spec : OpenAiCompatiblePresets()) {
    SCOPED_TRACE(spec.name);
    EXPECT_EQ(OpenAiCompatibleOptions::FromSpec(spec).max_tokens_field,
              spec.name == "openai" ? "max_completion_tokens" : "max_tokens");
    EXPECT_TRUE(OpenAiCompatibleOptions::FromSpec(spec).stream_usage);
  }
}

// The options are typed: every preset's parse, and each bad key or value is
// rejected with the key it is about.
TEST(OpenAiCompatibleCatalogTest, OptionsAreStrict) {
  for (const ProviderSpec& spec : OpenAiCompatiblePresets()) {
    EXPECT_TRUE(OpenAiCompatibleOptions::Parse(spec.options).ok()) << spec.name;
  }
  auto ok = OpenAiCompatibleOptions::Parse({{"stream_usage", "False"},
                                            {"header.X-Title", "my app"},
                                            {"base_url_suffix", "/v1"}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_FALSE(ok->stream_usage);
  ASSERT_EQ(ok->extra_headers.size(), 1u);
  EXPECT_EQ(ok->extra_headers[0].first, "X-Title");
  const std::pair<std::map<std::string, std::string>, const char*> bad[] = {
      {{{"max_token_field", "max_tokens"}},
       "max_token_field: unknown option of wire format openai_compatible"},
      {{{"max_tokens_field", "max_output"}},
       "max_tokens_field: expected max_tokens or max_completion_tokens"},
      {{{"stream_usage", "no"}}, "stream_usage: expected true or false"},
      {{{"base_url_suffix", "v1"}}, "base_url_suffix: must start with '/'"},
      {{{"header.", "x"}}, "header.: unknown option"},
      {{{"header.X Bad", "x"}}, "header.X Bad: not a valid HTTP header"},
      {{{"header.X-Ok", "a\r\nb"}}, "header.X-Ok: not a valid HTTP header"},
  };
  for (const auto& [options, message] : bad) {
    auto parsed = OpenAiCompatibleOptions::Parse(options);
    ASSERT_FALSE(parsed.ok()) << message;
    EXPECT_NE(parsed.status().message().find(message), std::string::npos)
        << parsed.status();
  }
}

TEST(OpenAiCompatibleCatalogTest, CachedPricesFeaturesAndEmbeddingModels) {
  const std::vector<ProviderSpec> presets = OpenAiCompatiblePresets();
  auto model = [&](const char* provider, const char* name) {
    for (const ProviderSpec& spec : presets) {
      if (spec.name == provider) return spec.FindModel(name);
    }
    return static_cast<const ModelSpec*>(nullptr);
  };
  struct Cached {
    const char* provider;
    const char* name;
    int64_t nano;
  };
  for (const Cached& c :
       std::vector<Cached>{{"openai", "gpt-4o", 1'250'000'000},
                           {"openai", "gpt-4o-mini", 75'000'000},
                           {"openai", "gpt-4.1", 500'000'000},
                           {"deepseek", "deepseek-chat", 28'000'000}}) {
    const ModelSpec* m = model(c.provider, c.name);
    ASSERT_NE(m, nullptr) << c.name;
    EXPECT_EQ(m->cached_input_nano_usd_per_million, c.nano) << c.name;
    // o-series reasoning is billed at the output price: left unset.
    EXPECT_FALSE(m->reasoning_nano_usd_per_million.has_value());
  }
  EXPECT_EQ(model("openai", "gpt-4o")->features,
            (std::vector<std::string>{"chat", "tools", "vision", "json_object",
                                      "json_schema"}));
  for (const char* name : {"text-embedding-3-small", "text-embedding-3-large",
                           "text-embedding-ada-002"}) {
    const ModelSpec* m = model("openai", name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->features, std::vector<std::string>{"embeddings"});
  }
  EXPECT_EQ(
      model("openai", "text-embedding-3-small")->input_nano_usd_per_million,
      20'000'000);
}

}  // namespace
}  // namespace llmgw
