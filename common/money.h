#ifndef LLMGW_COMMON_MONEY_H_
#define LLMGW_COMMON_MONEY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llmgw {

// Money is an integer count of nano-USD everywhere: 1 USD = 1e9 nano-USD.
// No floating point touches an amount that is charged or stored.
inline constexpr int64_t kNanoUsdPerUsd = 1'000'000'000;

// Parses a decimal USD amount ("2.50", "0.000000150", "10") exactly into
// nano-USD. Rejects negative amounts, more than 9 fractional digits, anything
// that is not a plain decimal, and values that overflow int64.
absl::StatusOr<int64_t> ParseUsd(absl::string_view text);

// Formats nano-USD as "$1.234567890" (always 9 decimals), exactly.
std::string FormatUsd(int64_t nano_usd);

// Cost in nano-USD of `tokens` at `nano_usd_per_million` tokens, rounded up so
// that a call is never under-charged. Exact for all int64 inputs (uses 128-bit
// intermediates); saturates at INT64_MAX.
int64_t TokenCostNanoUsd(int64_t tokens, int64_t nano_usd_per_million);

}  // namespace llmgw

#endif  // LLMGW_COMMON_MONEY_H_
