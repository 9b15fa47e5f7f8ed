#include "auth/fingerprint_secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "auth/digest.h"
#include "common/json_log.h"
#include "registry/key_fingerprint.h"

namespace llmgw {
namespace {

absl::StatusOr<std::string> ReadSecret(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the fingerprint secret file ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret(absl::StripAsciiWhitespace(ss.str()));
  if (secret.size() < 16) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the fingerprint secret in ", path, " is shorter than 16 bytes"));
  }
  return secret;
}

absl::StatusOr<std::string> PersistedSecret(const std::string& data_dir) {
  const std::string path = data_dir + "/fingerprint_secret";
  if (access(path.c_str(), F_OK) == 0) return ReadSecret(path);
  const std::string secret = RandomHex(32);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    // Another replica sharing the directory may have just written it.
    if (errno == EEXIST) return ReadSecret(path);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", path, ": ", strerror(errno)));
  }
  const std::string line = secret + "\n";
  const bool ok =
      write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!ok) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", path));
  }
  return secret;
}

}  // namespace

absl::Status InstallFingerprintSecret(const AuthConfig& auth,
                                      const std::string& data_dir) {
  std::string source;
  absl::StatusOr<std::string> secret;
  if (!auth.fingerprint_secret.empty()) {
    source = "LLMGW_FINGERPRINT_SECRET";
    secret = auth.fingerprint_secret;
  } else if (!auth.fingerprint_secret_file.empty()) {
    source = auth.fingerprint_secret_file;
    secret = ReadSecret(auth.fingerprint_secret_file);
  } else if (!data_dir.empty()) {
    source = data_dir + "/fingerprint_secret";
    secret = PersistedSecret(data_dir);
  } else {
    LogWarning("fingerprint_secret_ephemeral",
               {{"effect",
                 "key fingerprints are random per process: they change on "
                 "restart and differ between replicas"},
                {"fix",
                 "set LLMGW_FINGERPRINT_SECRET, auth.fingerprint_secret_file "
                 "or --data_dir"}});
    // KeyFingerprint draws the random secret once per process.
    return absl::OkStatus();
  }
  if (!secret.ok()) return secret.status();
  SetFingerprintSecret(*secret);
  LogInfo("fingerprint_secret", {{"source", source}});
  return absl::OkStatus();
}

}  // namespace llmgw
