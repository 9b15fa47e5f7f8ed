#include "registry/key_fingerprint.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace llmgw {

std::string KeyFingerprint(absl::string_view api_key) {
  if (api_key.empty()) return "";
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : api_key) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  // Fold the high half in so all 64 bits influence the 32 shown.
  uint32_t folded = static_cast<uint32_t>(hash ^ (hash >> 32));
  return absl::StrFormat("key:%08x", folded);
}

}  // namespace llmgw
