#ifndef LLMGW_HTTP_TRANSFER_LIMITS_H_
#define LLMGW_HTTP_TRANSFER_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace llmgw::http {

// Response body bytes buffered across every exchange of one HttpClient
// (bodies accumulated until on_complete). Loop thread only. Bounds the
// memory a burst of large replies can take, whatever each call's own cap.
class BodyBudget {
 public:
  explicit BodyBudget(size_t capacity) : capacity_(capacity) {}

  // Takes `n` bytes; false (and nothing taken) when that would pass the cap.
  bool TryTake(size_t n) {
    if (n > capacity_ - used_) return false;
    used_ += n;
    return true;
  }
  void Give(size_t n) { used_ -= n < used_ ? n : used_; }

  size_t used() const { return used_; }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  size_t used_ = 0;
};

// Minimum transfer rate, checked per window: a window that closes with
// fewer than min_bytes_per_second x window bytes fails the transfer. The
// window starts at the first byte, so silence before it is the read
// timeout's business; a drip of one byte every 500 ms resets a read timer
// forever but fails here after one window.
class RateWindow {
 public:
  // Counts `n` bytes; the first ones open the window.
  void Add(size_t n, absl::Time now) {
    bytes_ += static_cast<int64_t>(n);
    if (started_) return;
    started_ = true;
    window_start_ = now;
  }

  // When the open window ends (none before the first byte).
  std::optional<absl::Time> WindowEnd(absl::Duration window) const {
    if (!started_) return std::nullopt;
    return window_start_ + window;
  }

  // The window ended at `now`: an error message when it was too slow, else
  // nullopt and a new window starts (re-arm the timer).
  std::optional<std::string> Close(absl::Time now, int64_t min_bytes_per_second,
                                   absl::Duration window);

 private:
  bool started_ = false;
  absl::Time window_start_;
  int64_t bytes_ = 0;
};

}  // namespace llmgw::http

#endif  // LLMGW_HTTP_TRANSFER_LIMITS_H_
