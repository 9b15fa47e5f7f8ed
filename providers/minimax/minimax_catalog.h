#ifndef LLMGW_PROVIDERS_MINIMAX_MINIMAX_CATALOG_H_
#define LLMGW_PROVIDERS_MINIMAX_MINIMAX_CATALOG_H_

#include "absl/strings/string_view.h"
#include "registry/provider_spec.h"

namespace llmgw {

inline constexpr absl::string_view kMiniMaxWireFormat = "minimax";

// The built-in "minimax" preset: MINIMAX_API_KEY / MINIMAX_API_KEYS /
// MINIMAX_MODEL / MINIMAX_API_BASE, base https://api.minimax.io/v1 (users in
// mainland China set MINIMAX_API_BASE=https://api.minimaxi.com/v1), default
// model MiniMax-M2.7 (the flagship of MiniMax's current text catalog), route
// prefixes "minimax" and "abab6" (the reference's PROVIDER_MAP), confidence
// 0.8. The catalog lists MiniMax's current text models
// (platform.minimax.io/docs/guides/text-generation) with pay-as-you-go list
// prices (cache-miss input).
ProviderSpec MiniMaxPreset();

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_MINIMAX_MINIMAX_CATALOG_H_
