#ifndef LLMGW_COMMON_ERROR_DETAILS_H_
#define LLMGW_COMMON_ERROR_DETAILS_H_

// Machine-readable error details carried inside absl::Status as payloads
// (the contract of HELPERS.md and docs/clients.md). Any layer attaches them
// without depending on the google.rpc protos; service/grpc_error turns them
// into google.rpc ErrorInfo / RetryInfo / BadRequest and the HTTP front into
// OpenAI error JSON.
//
//   llmgw/reason           UPPER_SNAKE reason, e.g. BUDGET_EXHAUSTED
//   llmgw/retry_after_ms   decimal milliseconds after which a retry makes sense
//   llmgw/field_violation  "field\tdescription" (the first violation found)
//   llmgw/meta/<key>       extra ErrorInfo metadata (provider, model, ...)

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace llmgw {

inline constexpr char kReasonPayload[] = "llmgw/reason";
inline constexpr char kRetryAfterPayload[] = "llmgw/retry_after_ms";
inline constexpr char kFieldViolationPayload[] = "llmgw/field_violation";
inline constexpr char kMetaPayloadPrefix[] = "llmgw/meta/";

// Sets the reason (replacing any). No-op on an OK status.
void SetErrorReason(absl::Status& status, absl::string_view reason);
// Sets the reason only when none is set yet.
void SetErrorReasonIfAbsent(absl::Status& status, absl::string_view reason);
// The reason, or "" when none.
std::string ErrorReason(const absl::Status& status);

// Retry hint, rounded up to whole milliseconds (at least 1).
void SetRetryAfter(absl::Status& status, absl::Duration after);
std::optional<absl::Duration> RetryAfter(const absl::Status& status);

void SetFieldViolation(absl::Status& status, absl::string_view field,
                       absl::string_view description);

void SetErrorMeta(absl::Status& status, absl::string_view key,
                  absl::string_view value);

// INVALID_ARGUMENT whose message is `description` (a sentence naming the
// field), with reason INVALID_REQUEST and the field violation.
absl::Status InvalidField(absl::string_view field,
                          absl::string_view description);

}  // namespace llmgw

#endif  // LLMGW_COMMON_ERROR_DETAILS_H_
