#ifndef LLMGW_AUTH_FINGERPRINT_SECRET_H_
#define LLMGW_AUTH_FINGERPRINT_SECRET_H_

#include <string>

#include "absl/status/status.h"
#include "auth/auth_config.h"

namespace llmgw {

// Chooses the deployment's key-fingerprint secret and installs it
// (SetFingerprintSecret), in this order:
//   1. auth.fingerprint_secret (LLMGW_FINGERPRINT_SECRET);
//   2. the contents of auth.fingerprint_secret_file;
//   3. <data_dir>/fingerprint_secret, created (mode 0600, 32 random bytes
//      hex) when absent;
//   4. otherwise a random secret for this process only, with the warning
//      `fingerprint_secret_ephemeral` (fingerprints change on restart and
//      differ between replicas).
// Logs `fingerprint_secret` naming the source (never the secret). Errors
// (unreadable file, empty secret) are FAILED_PRECONDITION naming the path.
absl::Status InstallFingerprintSecret(const AuthConfig& auth,
                                      const std::string& data_dir);

}  // namespace llmgw

#endif  // LLMGW_AUTH_FINGERPRINT_SECRET_H_
