#include "http/http_types.h"

#include <optional>
#include <string>

#include "absl/strings/match.h"

namespace llmgw::http {

absl::string_view TransportErrorName(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "none";
    case TransportError::kConnectFailed:
      return "connect_failed";
    case TransportError::kConnectTimeout:
      return "connect_timeout";
    case TransportError::kReadTimeout:
      return "read_timeout";
    case TransportError::kDeadlineExceeded:
      return "deadline_exceeded";
    case TransportError::kConnectionReset:
      return "connection_reset";
    case TransportError::kResponseTooLarge:
      return "response_too_large";
    case TransportError::kCancelled:
      return "cancelled";
    case TransportError::kAttemptTimeout:
      return "attempt_timeout";
    case TransportError::kTooSlow:
      return "too_slow";
    case TransportError::kOther:
      return "other";
  }
  return "unknown";
}

std::optional<std::string> HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace llmgw::http
