// llmgw status --models: every catalog model of every provider with its
// context window, prices and features (LlmGateway.Status ModelInfo).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/format.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

std::string FormatUsdPerMillion(int64_t nano_usd_per_million) {
  std::string text = FormatNanoUsd(nano_usd_per_million);
  // "$2.500000000" -> "$2.50": trailing zeros past two decimals go.
  const size_t dot = text.find('.');
  if (dot == std::string::npos) return text;
  size_t end = text.size();
  while (end > dot + 3 && text[end - 1] == '0') --end;
  return text.substr(0, end);
}

std::string ModelsTable(const v1::StatusResponse& response) {
  std::vector<std::vector<std::string>> rows = {
      {"PROVIDER", "MODEL", "CONTEXT", "IN/M", "OUT/M", "CACHED/M",
       "CACHE_WRITE/M", "REASONING/M", "FEATURES"}};
  auto optional_price = [](bool has, int64_t value) {
    return has ? FormatUsdPerMillion(value) : std::string("-");
  };
  for (const v1::ProviderStatus& provider : response.providers()) {
    for (const v1::ModelInfo& m : provider.models()) {
      rows.push_back({
          provider.name(),
          m.name(),
          m.context_window() > 0 ? absl::StrCat(m.context_window()) : "-",
          FormatUsdPerMillion(m.input_nano_usd_per_million()),
          FormatUsdPerMillion(m.output_nano_usd_per_million()),
          optional_price(m.has_cached_input_nano_usd_per_million(),
                         m.cached_input_nano_usd_per_million()),
          optional_price(m.has_cache_write_nano_usd_per_million(),
                         m.cache_write_nano_usd_per_million()),
          optional_price(m.has_reasoning_nano_usd_per_million(),
                         m.reasoning_nano_usd_per_million()),
          m.features().empty() ? "(not declared)"
                               : absl::StrJoin(m.features(), ","),
      });
    }
  }
  return FormatTable(rows);
}

}  // namespace llmgw::cli
