// The official openai npm SDK (scripts/deps.d/front.sh) against a real
// gateway's HTTP front and the fake upstream: chat, streaming, errors, models.
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/fake_upstream/behavior.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

std::string SdkDir() {
  const char* root = std::getenv("LLMGW_TOOLS_DIR");
  return absl::StrCat(root ? root : "/opt/llmgw",
                      "/npm/front/node_modules/openai");
}

TEST(OpenAiSdkTest, ChatStreamErrorsAndModels) {
  struct stat st;
  ASSERT_EQ(stat((SdkDir() + "/package.json").c_str(), &st), 0)
      << "the openai npm SDK is missing at " << SdkDir()
      << ": run scripts/install-deps.sh";
  ASSERT_EQ(stat("/usr/bin/node", &st), 0)
      << "node is missing: run scripts/install-deps.sh";
  GatewayHarness h;
  h.upstream().SetDefault(fake_upstream::Behavior::Text("sdk answer"));
  const std::string cmd =
      absl::StrCat("/usr/bin/node tests/front/openai_sdk_check.mjs ", SdkDir(),
                   " ", h.server().http_port(), " 2>&1");
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
}

}  // namespace
}  // namespace llmgw::testing
