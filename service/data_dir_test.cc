#include "service/data_dir.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

std::string Fresh(const std::string& name) {
  const std::string dir = std::string(::testing::TempDir()) + "/" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

int ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(EnsureDataDirTest, MakesTheDirectoryAndItsParentsPrivate) {
  const std::string root = Fresh("data_dir_nested");
  const std::string dir = root + "/a/b";
  absl::StatusOr<bool> made = EnsureDataDir(dir);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_TRUE(*made);
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ(ModeOf(dir), 0700);
  // Already there: left as it is.
  chmod(dir.c_str(), 0750);
  made = EnsureDataDir(dir);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_FALSE(*made);
  EXPECT_EQ(ModeOf(dir), 0750);
}

TEST(EnsureDataDirTest, AFileInTheWayIsRefusedWithThePath) {
  const std::string root = Fresh("data_dir_file");
  std::filesystem::create_directories(root);
  const std::string file = root + "/ledger";
  std::ofstream(file) << "x";
  absl::StatusOr<bool> made = EnsureDataDir(file);
  EXPECT_EQ(made.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(made.status().message(), file));
  EXPECT_TRUE(absl::StrContains(made.status().message(), "not a directory"));
  // A file as a parent: cannot be made.
  made = EnsureDataDir(file + "/below");
  EXPECT_EQ(made.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(made.status().message(), "cannot be made"))
      << made.status();
}

}  // namespace
}  // namespace llmgw
