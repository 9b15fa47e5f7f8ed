#ifndef LLMGW_AUTH_AUTHENTICATOR_H_
#define LLMGW_AUTH_AUTHENTICATOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "auth/auth_config.h"

namespace llmgw {

// Who is calling, as established by the Authenticator.
struct Caller {
  // The client key's name; the budget scope is "client:<tenant>". Empty in
  // open mode (no client key configured).
  std::string tenant;
  // Admin keys read every Budget scope and Status details. Every caller is
  // admin in open mode (the gateway then behaves as before auth existed).
  bool admin = false;
  // True when no client key is configured: every caller is let in.
  bool open = false;
};

// Why a caller was refused (the label of llmgw_auth_failures_total).
inline constexpr char kAuthMissing[] = "missing";
inline constexpr char kAuthMalformed[] = "malformed";
inline constexpr char kAuthInvalidKey[] = "invalid_key";

// The token of an `authorization` value "Bearer <token>" (scheme matched
// case-insensitively, surrounding whitespace trimmed; the token may be empty),
// nullopt when the value is not of that form or longer than 4 KiB.
std::optional<absl::string_view> BearerToken(absl::string_view authorization);

// Checks `authorization: Bearer <client key>` against the configured client
// keys. Transport-agnostic: the gRPC service passes the metadata value, the
// HTTP front the header value. The presented key is hashed (SHA-256) and the
// digest compared with every configured digest in constant time; the plain
// key is never stored, logged or echoed. Thread-safe (immutable).
class Authenticator {
 public:
  explicit Authenticator(std::vector<ClientKeyEntry> keys);

  // True when no client key is configured.
  bool open() const { return keys_.empty(); }

  // `authorization` is the header value ("Bearer <key>"), nullopt when the
  // header is absent. UNAUTHENTICATED (payload llmgw/reason=UNAUTHENTICATED,
  // llmgw/meta/auth_failure=<missing|malformed|invalid_key>) when keys are
  // configured and it does not carry a valid one.
  absl::StatusOr<Caller> Authenticate(
      std::optional<absl::string_view> authorization) const;

 private:
  std::vector<ClientKeyEntry> keys_;
};

// The failure label of a status returned by Authenticate ("" otherwise).
std::string AuthFailureReason(const absl::Status& status);

}  // namespace llmgw

#endif  // LLMGW_AUTH_AUTHENTICATOR_H_
