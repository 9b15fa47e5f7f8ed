#include "providers/openai_compatible/openai_compatible_catalog.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "providers/openai_compatible/openai_compatible_codec.h"

namespace llmgw {
namespace {

// US dollars per million tokens as integer nano-USD ($0.15 -> 150'000'000).
constexpr int64_t Usd(double dollars_per_million) {
  return static_cast<int64_t>(dollars_per_million * 1e9 + 0.5);
}

ModelSpec Model(std::string name, int64_t context_window,
                int64_t max_output_tokens, int64_t input_price,
                int64_t output_price) {
  return ModelSpec{std::move(name), context_window, max_output_tokens,
                   input_price, output_price};
}

// A preset with the reference's environment variable scheme:
// <PREFIX>_API_KEY, <PREFIX>_API_KEYS, <PREFIX>_MODEL, <PREFIX>_API_BASE.
ProviderSpec Preset(std::string name, const std::string& env_prefix,
                    std::string base_url, std::string default_model,
                    double confidence_score) {
  ProviderSpec spec;
  spec.name = std::move(name);
  spec.wire_format = std::string(kOpenAiCompatibleWireFormat);
  spec.api_key_env = env_prefix + "_API_KEY";
  spec.api_keys_env = env_prefix + "_API_KEYS";
  spec.model_env = env_prefix + "_MODEL";
  spec.base_url_env = env_prefix + "_API_BASE";
  spec.default_base_url = std::move(base_url);
  spec.default_model = std::move(default_model);
  spec.confidence_score = confidence_score;
  return spec;
}

// platform.openai.com/docs/models and /docs/pricing (standard tier).
ProviderSpec OpenAi() {
  ProviderSpec spec =
      Preset("openai", "OPENAI", "https://api.openai.com/v1", "gpt-4o", 0.85);
  spec.models = {
      Model("gpt-4o", 128'000, 16'384, Usd(2.50), Usd(10.00)),
      Model("gpt-4o-mini", 128'000, 16'384, Usd(0.15), Usd(0.60)),
      Model("gpt-4.1", 1'047'576, 32'768, Usd(2.00), Usd(8.00)),
      Model("gpt-4.1-mini", 1'047'576, 32'768, Usd(0.40), Usd(1.60)),
      Model("gpt-4.1-nano", 1'047'576, 32'768, Usd(0.10), Usd(0.40)),
      Model("gpt-5", 400'000, 128'000, Usd(1.25), Usd(10.00)),
      Model("gpt-5-mini", 400'000, 128'000, Usd(0.25), Usd(2.00)),
      Model("gpt-5-nano", 400'000, 128'000, Usd(0.05), Usd(0.40)),
      Model("o3", 200'000, 100'000, Usd(2.00), Usd(8.00)),
      Model("o3-mini", 200'000, 100'000, Usd(1.10), Usd(4.40)),
      Model("o4-mini", 200'000, 100'000, Usd(1.10), Usd(4.40)),
      Model("gpt-3.5-turbo", 16'385, 4'096, Usd(0.50), Usd(1.50)),
  };
  spec.route_prefixes = {"gpt-", "o1", "o3", "o4", "chatgpt-"};
  // OpenAI's current name for the limit; its o-series models reject
  // max_tokens.
  spec.options[std::string(kMaxTokensFieldOption)] = "max_completion_tokens";
  return spec;
}

// fireworks.ai/pricing (serverless, per parameter-size tier).
ProviderSpec Fireworks() {
  ProviderSpec spec =
      Preset("fireworks", "FIREWORKS", "https://api.fireworks.ai/inference/v1",
             "accounts/fireworks/models/llama-v3p1-8b-instruct", 0.9);
  spec.models = {
      Model("accounts/fireworks/models/llama-v3p1-8b-instruct", 131'072,
            131'072, Usd(0.20), Usd(0.20)),
      Model("accounts/fireworks/models/llama-v3p1-70b-instruct", 131'072,
            131'072, Usd(0.90), Usd(0.90)),
      Model("accounts/fireworks/models/llama-v3p3-70b-instruct", 131'072,
            131'072, Usd(0.90), Usd(0.90)),
      Model("accounts/fireworks/models/mixtral-8x7b-instruct", 32'768, 32'768,
            Usd(0.50), Usd(0.50)),
  };
  spec.route_prefixes = {"accounts/fireworks/"};
  return spec;
}

// openrouter.ai/models (OpenRouter passes the upstream list prices through).
ProviderSpec OpenRouter() {
  ProviderSpec spec =
      Preset("openrouter", "OPENROUTER", "https://openrouter.ai/api/v1",
             "anthropic/claude-3-sonnet", 0.8);
  spec.models = {
      Model("anthropic/claude-3-sonnet", 200'000, 4'096, Usd(3.00), Usd(15.00)),
      Model("anthropic/claude-3.5-sonnet", 200'000, 8'192, Usd(3.00),
            Usd(15.00)),
      Model("openai/gpt-4", 8'191, 4'096, Usd(30.00), Usd(60.00)),
      Model("openai/gpt-4o", 128'000, 16'384, Usd(2.50), Usd(10.00)),
      Model("meta-llama/llama-3-8b-instruct", 8'192, 8'192, Usd(0.03),
            Usd(0.06)),
  };
  return spec;
}

// console.groq.com/docs/models and groq.com/pricing.
ProviderSpec Groq() {
  ProviderSpec spec = Preset("groq", "GROQ", "https://api.groq.com/openai/v1",
                             "llama-3.1-8b-instant", 0.8);
  spec.models = {
      Model("llama-3.1-8b-instant", 131'072, 131'072, Usd(0.05), Usd(0.08)),
      Model("llama-3.3-70b-versatile", 131'072, 32'768, Usd(0.59), Usd(0.79)),
      Model("openai/gpt-oss-120b", 131'072, 65'536, Usd(0.15), Usd(0.60)),
      Model("openai/gpt-oss-20b", 131'072, 65'536, Usd(0.075), Usd(0.30)),
  };
  spec.route_prefixes = {"llama", "mixtral", "gemma"};
  return spec;
}

// api-docs.deepseek.com/quick_start/pricing (DeepSeek-V3.2, cache-miss input).
ProviderSpec DeepSeek() {
  ProviderSpec spec =
      Preset("deepseek", "DEEPSEEK", "https://api.deepseek.com/v1",
             "deepseek-chat", 0.8);
  spec.models = {
      Model("deepseek-chat", 128'000, 8'192, Usd(0.28), Usd(0.42)),
      Model("deepseek-reasoner", 128'000, 65'536, Usd(0.28), Usd(0.42)),
  };
  spec.route_prefixes = {"deepseek"};
  return spec;
}

// together.ai/pricing (serverless).
ProviderSpec Together() {
  ProviderSpec spec =
      Preset("together", "TOGETHER", "https://api.together.xyz/v1",
             "meta-llama/Llama-2-70b-chat-hf", 0.8);
  spec.models = {
      Model("meta-llama/Llama-2-70b-chat-hf", 4'096, 4'096, Usd(0.90),
            Usd(0.90)),
      Model("meta-llama/Llama-3.3-70B-Instruct-Turbo", 131'072, 131'072,
            Usd(0.88), Usd(0.88)),
      Model("meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", 131'072, 131'072,
            Usd(0.18), Usd(0.18)),
  };
  return spec;
}

// Hugging Face Inference Providers, OpenAI-compatible router
// (huggingface.co/docs/inference-providers). The router bills the serving
// provider's own rate, which depends on the provider it picks: prices are
// left at 0 (not published per model).
ProviderSpec HuggingFace() {
  ProviderSpec spec =
      Preset("huggingface", "HUGGINGFACE", "https://router.huggingface.co/v1",
             "tiiuae/falcon-7b-instruct", 0.8);
  spec.models = {
      Model("tiiuae/falcon-7b-instruct", 2'048, 2'048, 0, 0),
      Model("meta-llama/Llama-2-7b-chat-hf", 4'096, 4'096, 0, 0),
      Model("meta-llama/Llama-3.1-8B-Instruct", 131'072, 131'072, 0, 0),
  };
  return spec;
}

// A self-hosted Ollama, vLLM, TGI or other OpenAI-compatible server: no key,
// configured by LOCAL_LLM_URL, free.
ProviderSpec Local() {
  ProviderSpec spec;
  spec.name = "local";
  spec.wire_format = std::string(kOpenAiCompatibleWireFormat);
  spec.base_url_env = "LOCAL_LLM_URL";
  spec.model_env = "LOCAL_LLM_MODEL";
  spec.requires_api_key = false;
  spec.default_base_url = "http://localhost:11434/v1";
  spec.default_model = "Phi-3-mini-128k-instruct-onnx";
  spec.models = {
      Model("Phi-3-mini-128k-instruct-onnx", 131'072, 131'072, 0, 0),
  };
  spec.confidence_score = 0.6;
  spec.options[std::string(kBaseUrlSuffixOption)] = "/v1";
  return spec;
}

}  // namespace

std::vector<ProviderSpec> OpenAiCompatiblePresets() {
  return {OpenAi(),   Fireworks(), OpenRouter(),  Groq(),
          DeepSeek(), Together(),  HuggingFace(), Local()};
}

}  // namespace llmgw
