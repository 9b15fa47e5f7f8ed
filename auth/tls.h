#ifndef LLMGW_AUTH_TLS_H_
#define LLMGW_AUTH_TLS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace llmgw {

// The server's TLS settings, shared by every listener (the gRPC server here,
// the HTTP front through the same struct). PEM files; all paths empty means
// plaintext.
//   --tls_cert       certificate chain (leaf first)
//   --tls_key        private key of the leaf
//   --tls_client_ca  CA bundle; set = mutual TLS: clients must present a
//                    certificate that chains to it, or the handshake fails
// The files are re-read every `refresh` and new handshakes use what they
// hold (Kubernetes secret rotation); connections already open keep theirs,
// so no call is dropped. Replace key and certificate atomically (a
// Kubernetes Secret volume does: it swaps a symlink); a key that does not
// match its certificate is ignored until both agree.
struct TlsSettings {
  std::string cert_path;
  std::string key_path;
  std::string client_ca_path;
  absl::Duration refresh = absl::Seconds(10);

  bool enabled() const { return !cert_path.empty() || !key_path.empty(); }
  bool mutual() const { return !client_ca_path.empty(); }
};

// Checks that the files exist and parse: a certificate, a private key that
// matches it, a CA bundle with at least one certificate. FAILED_PRECONDITION
// naming the file and the problem. OK when TLS is off (client_ca without
// cert/key is an error).
absl::Status ValidateTlsSettings(const TlsSettings& tls);

// Server credentials for grpc::ServerBuilder::AddListeningPort: insecure when
// TLS is off, else TLS (mTLS with client_ca) over a
// grpc::experimental::FileWatcherCertificateProvider. Validates first.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const TlsSettings& tls);

}  // namespace llmgw

#endif  // LLMGW_AUTH_TLS_H_
