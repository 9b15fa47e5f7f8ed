#include "http/transfer_limits.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace llmgw::http {

std::optional<std::string> RateWindow::Close(absl::Time now,
                                             int64_t min_bytes_per_second,
                                             absl::Duration window) {
  const absl::Duration elapsed = now - window_start_;
  const double needed =
      static_cast<double>(min_bytes_per_second) * absl::ToDoubleSeconds(window);
  const int64_t got = bytes_;
  bytes_ = 0;
  window_start_ = now;
  if (static_cast<double>(got) >= needed) return std::nullopt;
  return absl::StrCat(
      "upstream sent ", got, " bytes in ",
      absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(1))),
      ", below the minimum rate of ", min_bytes_per_second, " bytes/s");
}

}  // namespace llmgw::http
