#include "dispatch/attempt.h"

#include "absl/strings/str_cat.h"

namespace llmgw {

std::string DescribeAttempt(const AttemptRecord& a) {
  std::string s = absl::StrCat(a.provider, "/", a.model);
  if (!a.key_fingerprint.empty()) {
    absl::StrAppend(&s, " (", a.key_fingerprint, ")");
  }
  absl::StrAppend(&s, ": ", AttemptOutcomeName(a.outcome));
  if (a.http_status != 0) absl::StrAppend(&s, " HTTP ", a.http_status);
  if (!a.detail.empty()) absl::StrAppend(&s, ": ", a.detail);
  return s;
}

}  // namespace llmgw
