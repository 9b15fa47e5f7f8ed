#ifndef LLMGW_DISPATCH_ATTEMPT_H_
#define LLMGW_DISPATCH_ATTEMPT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "dispatch/outcome.h"

namespace llmgw {

struct AttemptRecord {
  std::string provider;
  std::string model;
  std::string key_fingerprint;
  AttemptOutcome outcome = AttemptOutcome::kSkipped;
  absl::Duration latency;
  int http_status = 0;
  std::string detail;
};

// "openai/gpt-4o (key:1c2e4b9a): transient_error HTTP 503: <detail>", as
// attempts appear in error messages and logs. Never contains a key.
std::string DescribeAttempt(const AttemptRecord& attempt);

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_ATTEMPT_H_
