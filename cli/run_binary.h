#ifndef LLMGW_CLI_RUN_BINARY_H_
#define LLMGW_CLI_RUN_BINARY_H_

// Test helper: runs the built llmgw binary (a runfile of the test) with
// arguments, stdin and environment, and collects its exit code and output.

#include <string>
#include <vector>

namespace llmgw::cli::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);

// Runs $TEST_SRCDIR/llm_gateway/cli/llmgw with `args`, `input` on stdin, the
// test's environment minus LLMGW_ADDR, plus `env` ("NAME=value"). Files go
// to $TEST_TMPDIR.
RunResult RunLlmgw(const std::vector<std::string>& args,
                   const std::string& input = "",
                   const std::vector<std::string>& env = {});

}  // namespace llmgw::cli::testing

#endif  // LLMGW_CLI_RUN_BINARY_H_
