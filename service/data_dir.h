#ifndef LLMGW_SERVICE_DATA_DIR_H_
#define LLMGW_SERVICE_DATA_DIR_H_

#include <string>

#include "absl/status/statusor.h"

namespace llmgw {

// Makes the gateway's --data_dir (the SQLite ledger, the audit log, the
// fingerprint secret) when it does not exist: missing parents with the
// default mode, the directory itself with 0700, since what it holds is
// private. Returns whether it was made. A path that exists but is not a
// directory, or cannot be made (permission, read-only file system), is
// FAILED_PRECONDITION naming the path, the reason and the flag.
absl::StatusOr<bool> EnsureDataDir(const std::string& dir);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_DATA_DIR_H_
