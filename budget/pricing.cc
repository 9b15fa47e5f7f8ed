#include "budget/pricing.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/money.h"

namespace llmgw {
namespace {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

}  // namespace

absl::StatusOr<ModelSpec> ResolvePrice(absl::string_view provider,
                                       absl::string_view model,
                                       const ModelSpec* catalog,
                                       const BudgetConfig& budget) {
  if (catalog != nullptr) return *catalog;
  ModelSpec spec;
  spec.name = std::string(model);
  auto use = [&spec](const TokenPrice& price) {
    spec.input_nano_usd_per_million = price.input_nano_usd_per_million;
    spec.output_nano_usd_per_million = price.output_nano_usd_per_million;
    return spec;
  };
  if (auto it = budget.model_prices.find(absl::StrCat(provider, "/", model));
      it != budget.model_prices.end()) {
    return use(it->second);
  }
  if (auto it = budget.model_prices.find(std::string(provider));
      it != budget.model_prices.end()) {
    return use(it->second);
  }
  if (budget.default_price.has_value()) return use(*budget.default_price);
  return absl::FailedPreconditionError(absl::StrCat(
      "model '", model, "' of provider ", provider,
      " has no price: it is not in the provider's catalog and "
      "budget.default_price is \"none\"; add budget.model_prices[\"",
      provider, "/", model, "\"] (or providers.", provider,
      ".models[] with input_usd_per_million and output_usd_per_million)"));
}

absl::StatusOr<const ModelSpec*> ResolvePriceInPlace(
    absl::string_view provider, absl::string_view model,
    const ModelSpec* catalog, const BudgetConfig& budget,
    std::optional<ModelSpec>& storage) {
  if (catalog != nullptr) return catalog;
  absl::StatusOr<ModelSpec> resolved =
      ResolvePrice(provider, model, nullptr, budget);
  if (!resolved.ok()) return resolved.status();
  storage = *std::move(resolved);
  return &*storage;
}

int64_t CallCostNanoUsd(const ModelSpec* model, const TokenUsage& usage) {
  if (model == nullptr) return 0;
  // The detail counts are subsets of the totals (TokenUsage); a provider
  // reporting more detail than total is clamped, never billed negative.
  const int64_t cached = std::clamp<int64_t>(
      usage.cached_input_tokens, 0, std::max<int64_t>(0, usage.input_tokens));
  const int64_t written =
      std::clamp<int64_t>(usage.cache_write_input_tokens, 0,
                          std::max<int64_t>(0, usage.input_tokens - cached));
  const int64_t reasoning = std::clamp<int64_t>(
      usage.reasoning_tokens, 0, std::max<int64_t>(0, usage.output_tokens));
  const int64_t in = model->input_nano_usd_per_million;
  const int64_t out = model->output_nano_usd_per_million;
  int64_t cost = TokenCostNanoUsd(usage.input_tokens - cached - written, in);
  cost = SaturatingAdd(
      cost, TokenCostNanoUsd(
                cached, model->cached_input_nano_usd_per_million.value_or(in)));
  cost = SaturatingAdd(
      cost, TokenCostNanoUsd(
                written, model->cache_write_nano_usd_per_million.value_or(in)));
  cost = SaturatingAdd(cost,
                       TokenCostNanoUsd(usage.output_tokens - reasoning, out));
  return SaturatingAdd(
      cost,
      TokenCostNanoUsd(reasoning,
                       model->reasoning_nano_usd_per_million.value_or(out)));
}

int64_t EstimateInputTokens(const std::vector<Message>& messages) {
  int64_t tokens = 0;
  for (const Message& m : messages) {
    int64_t bytes = static_cast<int64_t>(m.content.size());
    for (const ContentPart& part : m.parts) {
      if (part.kind == ContentPart::Kind::kText) {
        bytes += static_cast<int64_t>(part.text.size());
      } else {
        tokens += kImageTokenEstimate;
      }
    }
    for (const ToolCall& call : m.tool_calls) {
      bytes +=
          static_cast<int64_t>(call.name.size() + call.arguments_json.size());
    }
    tokens += 8 + (bytes + 2) / 3;
  }
  return tokens;
}

int64_t EstimateRequestInputTokens(const ProviderRequest& request) {
  if (request.operation == Operation::kEmbed) {
    int64_t tokens = 0;
    for (const std::string& input : request.embed.inputs) {
      tokens += 8 + (static_cast<int64_t>(input.size()) + 2) / 3;
    }
    return tokens;
  }
  int64_t bytes =
      static_cast<int64_t>(request.response_format.json_schema.size());
  for (const ToolDefinition& tool : request.tools) {
    bytes += static_cast<int64_t>(tool.name.size() + tool.description.size() +
                                  tool.parameters_json_schema.size());
  }
  return EstimateInputTokens(request.messages) + (bytes + 2) / 3;
}

int64_t EstimateOutputTokens(int64_t text_bytes) {
  if (text_bytes <= 0) return 0;
  return (text_bytes + 2) / 3;
}

int64_t WorstCaseCostNanoUsd(const ModelSpec* model,
                             const ProviderRequest& request,
                             int64_t default_max_output_tokens) {
  if (model == nullptr) return 0;
  // The model cannot produce more than its max_output_tokens, whatever the
  // request asks; without max_tokens, the reservation is capped at
  // default_max_output_tokens (a longer answer is still charged in full).
  int64_t output =
      request.max_tokens > 0 ? request.max_tokens : default_max_output_tokens;
  if (model->max_output_tokens > 0) {
    output = std::min(output, model->max_output_tokens);
  }
  if (request.operation == Operation::kEmbed) output = 0;
  // Worst case per token: every input token at the dearest input price
  // (a cache write costs more than a plain read on Anthropic), every output
  // token at the dearer of output and reasoning. Only the prices are set:
  // copying the whole entry would copy its name and features.
  ModelSpec dearest;
  dearest.input_nano_usd_per_million =
      std::max({model->input_nano_usd_per_million,
                model->cached_input_nano_usd_per_million.value_or(0),
                model->cache_write_nano_usd_per_million.value_or(0)});
  dearest.output_nano_usd_per_million =
      std::max(model->output_nano_usd_per_million,
               model->reasoning_nano_usd_per_million.value_or(0));
  TokenUsage worst;
  worst.input_tokens = EstimateRequestInputTokens(request);
  worst.output_tokens = output;
  return CallCostNanoUsd(&dearest, worst);
}

}  // namespace llmgw
