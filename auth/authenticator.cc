#include "auth/authenticator.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "auth/digest.h"

namespace llmgw {
namespace {

constexpr char kFailurePayload[] = "llmgw/meta/auth_failure";
// A longer header is refused before hashing (bounds the work per call).
constexpr size_t kMaxAuthorizationBytes = 4096;

absl::Status Unauthenticated(absl::string_view message,
                             absl::string_view reason) {
  absl::Status status = absl::UnauthenticatedError(message);
  status.SetPayload("llmgw/reason", absl::Cord("UNAUTHENTICATED"));
  status.SetPayload(kFailurePayload, absl::Cord(reason));
  return status;
}

}  // namespace

std::optional<absl::string_view> BearerToken(absl::string_view authorization) {
  absl::string_view value = absl::StripAsciiWhitespace(authorization);
  if (value.size() > kMaxAuthorizationBytes || value.size() < 7 ||
      !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
    return std::nullopt;
  }
  return absl::StripAsciiWhitespace(value.substr(7));
}

Authenticator::Authenticator(std::vector<ClientKeyEntry> keys)
    : keys_(std::move(keys)) {}

absl::StatusOr<Caller> Authenticator::Authenticate(
    std::optional<absl::string_view> authorization) const {
  if (keys_.empty()) return Caller{"", true, true};
  if (!authorization.has_value() || authorization->empty()) {
    return Unauthenticated(
        "this gateway requires a client key: send the metadata "
        "'authorization: Bearer <client key>'",
        kAuthMissing);
  }
  std::optional<absl::string_view> token = BearerToken(*authorization);
  if (!token.has_value()) {
    return Unauthenticated(
        "the authorization metadata must be 'Bearer <client key>'",
        kAuthMalformed);
  }
  absl::string_view key = *token;
  if (key.empty()) {
    return Unauthenticated("the bearer token is empty", kAuthMalformed);
  }
  const std::string digest = Sha256Hex(key);
  // Every entry is compared (no early exit), each in constant time.
  const ClientKeyEntry* match = nullptr;
  for (const ClientKeyEntry& entry : keys_) {
    if (ConstantTimeEquals(digest, entry.sha256_hex) && match == nullptr) {
      match = &entry;
    }
  }
  if (match == nullptr) {
    return Unauthenticated(
        "the client key is not valid for this gateway (ask its operator "
        "for a key)",
        kAuthInvalidKey);
  }
  return Caller{match->tenant, match->admin, false};
}

std::string AuthFailureReason(const absl::Status& status) {
  auto reason = status.GetPayload(kFailurePayload);
  return reason.has_value() ? std::string(*reason) : "";
}

}  // namespace llmgw
