#include "common/money.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace llmgw {

absl::StatusOr<int64_t> ParseUsd(absl::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  if (!s.empty() && s.front() == '$') s.remove_prefix(1);
  if (s.empty()) return absl::InvalidArgumentError("empty USD amount");
  size_t dot = s.find('.');
  absl::string_view whole = s.substr(0, dot);
  absl::string_view frac =
      dot == absl::string_view::npos ? absl::string_view() : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a USD amount: '", s, "'"));
  }
  if (frac.size() > 9) {
    return absl::InvalidArgumentError(
        absl::StrCat("USD amount '", s,
                     "' has more than 9 decimals (finer than 1 nano-USD)"));
  }
  __int128 value = 0;
  for (char c : whole) {
    if (!absl::ascii_isdigit(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a non-negative decimal USD amount: '", s, "'"));
    }
    value = value * 10 + (c - '0');
    if (value > std::numeric_limits<int64_t>::max()) {
      return absl::OutOfRangeError(absl::StrCat("USD amount too large: ", s));
    }
  }
  value *= kNanoUsdPerUsd;
  int64_t scale = kNanoUsdPerUsd / 10;
  for (char c : frac) {
    if (!absl::ascii_isdigit(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a non-negative decimal USD amount: '", s, "'"));
    }
    value += static_cast<__int128>(c - '0') * scale;
    scale /= 10;
  }
  if (value > std::numeric_limits<int64_t>::max()) {
    return absl::OutOfRangeError(absl::StrCat("USD amount too large: ", s));
  }
  return static_cast<int64_t>(value);
}

std::string FormatUsd(int64_t nano_usd) {
  const bool negative = nano_usd < 0;
  // Work in unsigned 128-bit to format INT64_MIN safely.
  unsigned __int128 magnitude =
      negative
          ? static_cast<unsigned __int128>(-static_cast<__int128>(nano_usd))
          : static_cast<unsigned __int128>(nano_usd);
  uint64_t whole = static_cast<uint64_t>(magnitude / kNanoUsdPerUsd);
  uint64_t frac = static_cast<uint64_t>(magnitude % kNanoUsdPerUsd);
  return absl::StrFormat("%s$%d.%09d", negative ? "-" : "", whole, frac);
}

int64_t TokenCostNanoUsd(int64_t tokens, int64_t nano_usd_per_million) {
  if (tokens <= 0 || nano_usd_per_million <= 0) return 0;
  __int128 product = static_cast<__int128>(tokens) * nano_usd_per_million;
  __int128 cost = (product + 999'999) / 1'000'000;
  if (cost > std::numeric_limits<int64_t>::max()) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(cost);
}

}  // namespace llmgw
