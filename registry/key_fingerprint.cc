#include "registry/key_fingerprint.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/synchronization/mutex.h"

namespace llmgw {
namespace {

struct Secret {
  absl::Mutex mu;
  std::string value ABSL_GUARDED_BY(mu);
};

Secret& GlobalSecret() {
  static Secret* secret = [] {
    auto* s = new Secret;
    unsigned char random[32];
    if (RAND_bytes(random, sizeof(random)) != 1) {
      // No CSPRNG: fingerprints still hide the key, only not per process.
      for (unsigned char& c : random) c = 0x5c;
    }
    absl::MutexLock lock(&s->mu);
    s->value.assign(reinterpret_cast<char*>(random), sizeof(random));
    return s;
  }();
  return *secret;
}

}  // namespace

void SetFingerprintSecret(absl::string_view secret) {
  Secret& s = GlobalSecret();
  absl::MutexLock lock(&s.mu);
  s.value = std::string(secret);
}

std::string KeyFingerprint(absl::string_view api_key) {
  if (api_key.empty()) return "";
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  {
    Secret& s = GlobalSecret();
    absl::MutexLock lock(&s.mu);
    HMAC(EVP_sha256(), s.value.data(), static_cast<int>(s.value.size()),
         reinterpret_cast<const unsigned char*>(api_key.data()), api_key.size(),
         out, &len);
  }
  return "key:" + absl::BytesToHexString(
                      absl::string_view(reinterpret_cast<char*>(out), 6));
}

}  // namespace llmgw
