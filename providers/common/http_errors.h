#ifndef LLMGW_PROVIDERS_COMMON_HTTP_ERRORS_H_
#define LLMGW_PROVIDERS_COMMON_HTTP_ERRORS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "http/http_types.h"
#include "registry/provider.h"

namespace llmgw {

// Default classification of an HTTP status shared by the wire formats:
//   401, 402, 403           -> kKeyInvalid (invalid/revoked key, no credit)
//   404                     -> kModelNotFound
//   408, 409, 5xx, 529      -> kTransient
//   429                     -> kRateLimited
//   413                     -> kFailedPrecondition
//   other 4xx               -> kInvalidRequest
ErrorClass ClassifyHttpStatus(int status_code);

// Parses Retry-After (delta-seconds, or an HTTP date relative to `now`), and
// failing that the retry-after-ms header OpenAI and Anthropic send.
std::optional<absl::Duration> ParseRetryAfter(
    const http::HttpResponse& response, absl::Time now = absl::Now());

// Builds a ProviderError for a non-2xx response: class from
// ClassifyHttpStatus, Retry-After, the x-ratelimit-* / anthropic-ratelimit-*
// headers, and `message` (the provider's own message; when empty, a short
// excerpt of the body). Callers adjust error_class for provider-specific codes
// (e.g. "context_length_exceeded" -> kFailedPrecondition).
ProviderError MakeHttpError(const http::HttpResponse& response,
                            std::string message);

// A short, single-line excerpt of an unparseable body for error messages.
std::string BodyExcerpt(absl::string_view body, size_t max_len = 200);

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COMMON_HTTP_ERRORS_H_
