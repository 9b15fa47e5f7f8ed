#include "common/error_details.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace llmgw {

void SetErrorReason(absl::Status& status, absl::string_view reason) {
  if (status.ok()) return;
  status.SetPayload(kReasonPayload, absl::Cord(reason));
}

void SetErrorReasonIfAbsent(absl::Status& status, absl::string_view reason) {
  if (status.ok() || status.GetPayload(kReasonPayload).has_value()) return;
  SetErrorReason(status, reason);
}

std::string ErrorReason(const absl::Status& status) {
  auto reason = status.GetPayload(kReasonPayload);
  return reason ? std::string(*reason) : std::string();
}

void SetRetryAfter(absl::Status& status, absl::Duration after) {
  if (status.ok()) return;
  int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(after, absl::Milliseconds(1)));
  if (ms < 1) ms = 1;
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(ms)));
}

std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  auto value = status.GetPayload(kRetryAfterPayload);
  int64_t ms = 0;
  if (!value || !absl::SimpleAtoi(std::string(*value), &ms) || ms < 0) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

void SetFieldViolation(absl::Status& status, absl::string_view field,
                       absl::string_view description) {
  if (status.ok()) return;
  status.SetPayload(kFieldViolationPayload,
                    absl::Cord(absl::StrCat(field, "\t", description)));
}

void SetErrorMeta(absl::Status& status, absl::string_view key,
                  absl::string_view value) {
  if (status.ok()) return;
  status.SetPayload(absl::StrCat(kMetaPayloadPrefix, key), absl::Cord(value));
}

absl::Status InvalidField(absl::string_view field,
                          absl::string_view description) {
  absl::Status status = absl::InvalidArgumentError(description);
  SetErrorReason(status, "INVALID_REQUEST");
  SetFieldViolation(status, field, description);
  return status;
}

}  // namespace llmgw
