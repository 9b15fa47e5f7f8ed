#include "cli/run_binary.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace llmgw::cli::testing {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

RunResult RunLlmgw(const std::vector<std::string>& args,
                   const std::string& input,
                   const std::vector<std::string>& env) {
  static std::atomic<int> counter{0};
  const std::string dir = std::getenv("TEST_TMPDIR");
  const std::string base = dir + "/run" + std::to_string(++counter);
  { std::ofstream(base + ".in", std::ios::binary) << input; }
  const std::string binary =
      std::string(std::getenv("TEST_SRCDIR")) + "/llm_gateway/cli/llmgw";

  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("LLMGW_ADDR=", 0) != 0) {
      env_storage.push_back(*e);
    }
  }
  env_storage.insert(env_storage.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);

  int in_fd = open((base + ".in").c_str(), O_RDONLY);
  int out_fd =
      open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd =
      open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  RunResult result;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(in_fd);
  close(out_fd);
  close(err_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(base + ".out");
  result.err = ReadFile(base + ".err");
  return result;
}

}  // namespace llmgw::cli::testing
