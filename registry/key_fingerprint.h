#ifndef LLMGW_REGISTRY_KEY_FINGERPRINT_H_
#define LLMGW_REGISTRY_KEY_FINGERPRINT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace llmgw {

// A short, non-reversible name for an API key, safe for logs, metrics,
// Status output and error messages: "key:" followed by the first 12 hex
// digits of HMAC-SHA256(secret, key). The secret is per deployment
// (SetFingerprintSecret: LLMGW_FINGERPRINT_SECRET, a file, or one persisted
// in --data_dir; see docs/security.md), so fingerprints are stable across
// restarts and replicas of one deployment but cannot be matched across
// deployments, nor a key brute-forced from its fingerprint without the
// secret. Until a secret is set, a random one is drawn once per process.
std::string KeyFingerprint(absl::string_view api_key);

// Sets the HMAC secret for every later KeyFingerprint call. Call before the
// provider registry is built. Thread-safe.
void SetFingerprintSecret(absl::string_view secret);

}  // namespace llmgw

#endif  // LLMGW_REGISTRY_KEY_FINGERPRINT_H_
