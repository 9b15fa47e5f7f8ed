#include "auth/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace llmgw {
namespace {

absl::Status Bad(const std::string& path, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("TLS: ", path, ": ", what));
}

struct BioCloser {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioCloser>;

absl::StatusOr<Bio> Open(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"));
  if (bio == nullptr) return Bad(path, "cannot read the file");
  return bio;
}

}  // namespace

absl::Status ValidateTlsSettings(const TlsSettings& tls) {
  if (!tls.enabled()) {
    if (tls.mutual()) {
      return absl::FailedPreconditionError(
          "--tls_client_ca needs --tls_cert and --tls_key");
    }
    return absl::OkStatus();
  }
  if (tls.cert_path.empty() || tls.key_path.empty()) {
    return absl::FailedPreconditionError(
        "TLS needs both --tls_cert and --tls_key");
  }
  absl::StatusOr<Bio> cert_bio = Open(tls.cert_path);
  if (!cert_bio.ok()) return cert_bio.status();
  X509* cert = PEM_read_bio_X509(cert_bio->get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) return Bad(tls.cert_path, "no PEM certificate");
  absl::StatusOr<Bio> key_bio = Open(tls.key_path);
  if (!key_bio.ok()) {
    X509_free(cert);
    return key_bio.status();
  }
  EVP_PKEY* key =
      PEM_read_bio_PrivateKey(key_bio->get(), nullptr, nullptr, nullptr);
  absl::Status result;
  if (key == nullptr) {
    result = Bad(tls.key_path,
                 "no PEM private key (encrypted keys are not "
                 "supported)");
  } else if (X509_check_private_key(cert, key) != 1) {
    result = Bad(tls.key_path,
                 absl::StrCat("the key does not match ", tls.cert_path));
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  if (!result.ok() || !tls.mutual()) return result;
  absl::StatusOr<Bio> ca_bio = Open(tls.client_ca_path);
  if (!ca_bio.ok()) return ca_bio.status();
  X509* ca = PEM_read_bio_X509(ca_bio->get(), nullptr, nullptr, nullptr);
  if (ca == nullptr) return Bad(tls.client_ca_path, "no PEM certificate");
  X509_free(ca);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const TlsSettings& tls) {
  absl::Status valid = ValidateTlsSettings(tls);
  if (!valid.ok()) return valid;
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  const unsigned int refresh = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(tls.refresh)));
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          tls.key_path, tls.cert_path, tls.client_ca_path, refresh);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.mutual()) {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace llmgw
