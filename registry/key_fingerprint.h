#ifndef LLMGW_REGISTRY_KEY_FINGERPRINT_H_
#define LLMGW_REGISTRY_KEY_FINGERPRINT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace llmgw {

// A short, stable, non-reversible name for an API key, safe for logs, metrics,
// Status output and error messages: "key:" followed by 8 hex digits of a
// 64-bit FNV-1a hash of the key. It reveals no characters of the key; two
// different keys collide with probability ~2^-32. Stable across restarts and
// replicas, so operators can match it with their own records.
std::string KeyFingerprint(absl::string_view api_key);

}  // namespace llmgw

#endif  // LLMGW_REGISTRY_KEY_FINGERPRINT_H_
