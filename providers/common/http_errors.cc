#include "providers/common/http_errors.h"

#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"

namespace llmgw {

ErrorClass ClassifyHttpStatus(int status_code) {
  switch (status_code) {
    case 401:
    case 402:
    case 403:
      return ErrorClass::kKeyInvalid;
    case 404:
      return ErrorClass::kModelNotFound;
    case 408:
    case 409:
      return ErrorClass::kTransient;
    case 413:
      return ErrorClass::kFailedPrecondition;
    case 429:
      return ErrorClass::kRateLimited;
    default:
      break;
  }
  if (status_code >= 500) return ErrorClass::kTransient;
  if (status_code >= 400) return ErrorClass::kInvalidRequest;
  return ErrorClass::kTransient;
}

std::optional<absl::Duration> ParseRetryAfter(
    const http::HttpResponse& response, absl::Time now) {
  if (auto value = response.Header("retry-after")) {
    std::string v(absl::StripAsciiWhitespace(*value));
    double seconds = 0;
    if (absl::SimpleAtod(v, &seconds) && seconds >= 0) {
      return absl::Milliseconds(static_cast<int64_t>(seconds * 1000));
    }
    absl::Time when;
    std::string err;
    if (absl::ParseTime("%a, %d %b %Y %H:%M:%S", v, &when, &err) ||
        absl::ParseTime(absl::RFC1123_no_wday, v, &when, &err)) {
      return when > now ? when - now : absl::ZeroDuration();
    }
  }
  if (auto value = response.Header("retry-after-ms")) {
    double ms = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(*value), &ms) && ms >= 0) {
      return absl::Milliseconds(static_cast<int64_t>(ms));
    }
  }
  return std::nullopt;
}

std::string BodyExcerpt(absl::string_view body, size_t max_len) {
  std::string out;
  for (char c : body) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    out.push_back((c == '\n' || c == '\r' || c == '\t') ? ' ' : c);
  }
  return out;
}

ProviderError MakeHttpError(const http::HttpResponse& response,
                            std::string message) {
  ProviderError error;
  error.http_status = response.status_code;
  error.error_class = ClassifyHttpStatus(response.status_code);
  error.retry_after = ParseRetryAfter(response);
  for (const auto& [name, value] : response.headers) {
    if (absl::StartsWith(name, "x-ratelimit-") ||
        absl::StartsWith(name, "anthropic-ratelimit-") ||
        name == "retry-after") {
      error.rate_limit_headers.emplace_back(name, value);
    }
  }
  if (message.empty()) {
    message =
        response.body.empty() ? "empty error body" : BodyExcerpt(response.body);
  }
  error.message = std::move(message);
  return error;
}

}  // namespace llmgw
