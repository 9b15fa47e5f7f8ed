#ifndef LLMGW_AUTH_DIGEST_H_
#define LLMGW_AUTH_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"

namespace llmgw {

// Lower-case hex SHA-256 of `data` (libcrypto).
std::string Sha256Hex(absl::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(absl::string_view key, absl::string_view data);
// Equal lengths and bytes, in time independent of where they differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);
// `n` bytes from the OS CSPRNG (RAND_bytes), hex encoded.
std::string RandomHex(int n);

}  // namespace llmgw

#endif  // LLMGW_AUTH_DIGEST_H_
