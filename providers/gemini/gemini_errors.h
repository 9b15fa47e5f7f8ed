#ifndef LLMGW_PROVIDERS_GEMINI_GEMINI_ERRORS_H_
#define LLMGW_PROVIDERS_GEMINI_GEMINI_ERRORS_H_

#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/http_types.h"
#include "registry/provider.h"

// Google's error envelope as the Gemini API returns it (AIP-193):
//
//   {"error": {"code": 400, "message": "API key not valid. ...",
//              "status": "INVALID_ARGUMENT",
//              "details": [{"@type":
//              "type.googleapis.com/google.rpc.ErrorInfo",
//                           "reason": "API_KEY_INVALID", ...},
//                          {"@type":
//                          "type.googleapis.com/google.rpc.RetryInfo",
//                           "retryDelay": "37s"}]}}
//
// Used for non-2xx responses, for an error object in a 2xx body and for an
// error object sent as a Server-Sent Event in the middle of a stream.
namespace llmgw::gemini {

// Classifies one Google error:
//   ErrorInfo reason API_KEY_* or "API key not valid/expired" -> kKeyInvalid
//     (Gemini reports a bad key as 400 INVALID_ARGUMENT)
//   UNAUTHENTICATED, PERMISSION_DENIED (401/403)             -> kKeyInvalid
//   RESOURCE_EXHAUSTED (429)                                 -> kRateLimited
//   NOT_FOUND (404)                                          -> kModelNotFound
//   FAILED_PRECONDITION (400: billing/region)                ->
//   kFailedPrecondition INVALID_ARGUMENT / OUT_OF_RANGE whose message says the
//   input token count
//     or payload size exceeds the limit                      ->
//     kFailedPrecondition
//   other INVALID_ARGUMENT / OUT_OF_RANGE (400)              -> kInvalidRequest
//   INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN,
//     ABORTED, CANCELLED (5xx, 499)                          -> kTransient
// Without a status string the HTTP status decides (ClassifyHttpStatus), with
// the same message checks for 400.
ErrorClass ClassifyGoogleError(int http_status, absl::string_view status,
                               absl::string_view reason,
                               absl::string_view message);

// Parses a google.protobuf.Duration in its JSON form ("37s", "0.5s",
// "45.837906927s"). nullopt for anything else.
std::optional<absl::Duration> ParseProtoDuration(absl::string_view text);

// Builds the ProviderError for the `error` member of a Google error envelope.
// `http_status` is the HTTP status of the response (used when the object has
// no "code"); ProviderError::http_status is the object's "code" when present.
// The message is "<STATUS>: <provider message>", followed by
// " (reason: <REASON>)" when an ErrorInfo names one. retry_after comes from a
// RetryInfo detail.
ProviderError ErrorFromGoogleStatus(const nlohmann::json& error,
                                    int http_status);

// Classifies a non-2xx Gemini response: the envelope above (also accepted
// wrapped in a one-element array, as streamGenerateContent without alt=sse
// sends it), or any other body (an HTML page from a proxy...), classified by
// HTTP status. Retry-After / rate-limit headers are kept (MakeHttpError); a
// RetryInfo retryDelay in the body takes precedence over Retry-After.
ProviderError ParseGeminiHttpError(const http::HttpResponse& response);

}  // namespace llmgw::gemini

#endif  // LLMGW_PROVIDERS_GEMINI_GEMINI_ERRORS_H_
