#include "budget/pricing.h"

#include <algorithm>
#include <limits>

#include "budget/money.h"

namespace llmgw {
namespace {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

}  // namespace

int64_t CallCostNanoUsd(const ModelSpec* model, const TokenUsage& usage) {
  if (model == nullptr) return 0;
  return SaturatingAdd(
      TokenCostNanoUsd(usage.input_tokens, model->input_nano_usd_per_million),
      TokenCostNanoUsd(usage.output_tokens, model->output_nano_usd_per_million));
}

int64_t EstimateInputTokens(const std::vector<Message>& messages) {
  int64_t tokens = 0;
  for (const Message& m : messages) {
    tokens += 8 + (static_cast<int64_t>(m.content.size()) + 2) / 3;
  }
  return tokens;
}

int64_t EstimateOutputTokens(int64_t text_bytes) {
  if (text_bytes <= 0) return 0;
  return (text_bytes + 2) / 3;
}

int64_t WorstCaseCostNanoUsd(const ModelSpec* model,
                             const ProviderRequest& request,
                             int64_t default_max_output_tokens) {
  if (model == nullptr) return 0;
  int64_t output = request.max_tokens > 0 ? request.max_tokens
                   : model->max_output_tokens > 0 ? model->max_output_tokens
                                                  : default_max_output_tokens;
  TokenUsage worst{EstimateInputTokens(request.messages), output, false};
  return CallCostNanoUsd(model, worst);
}

}  // namespace llmgw
