#include "service/data_dir.h"

#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace llmgw {

absl::StatusOr<bool> EnsureDataDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(dir, error);
  if (fs::is_directory(status)) return false;
  if (fs::exists(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data_dir ", dir,
                     " exists but is not a directory; point the flag "
                     "(or data_dir in the config file) at a directory"));
  }
  if (!fs::create_directories(dir, error) && error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data_dir ", dir,
        " does not exist and cannot be made: ", error.message(),
        "; create it, writable by the gateway's user, or mount a volume "
        "there"));
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data_dir ", dir,
        " was made but its mode cannot be set to 0700: ", error.message()));
  }
  return true;
}

}  // namespace llmgw
