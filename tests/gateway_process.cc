#include "tests/gateway_process.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace llmgw::testing {

std::string RunfilePath(const std::string& relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir ? srcdir : ".", "/",
                      workspace ? workspace : "llm_gateway", "/", relative);
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

absl::Status GatewayProcess::Start(
    const std::map<std::string, std::string>& env,
    const std::vector<std::string>& args) {
  const std::string binary = RunfilePath("service/llm_gateway");
  const char* tmp = std::getenv("TEST_TMPDIR");
  stderr_path_ = absl::StrCat(tmp ? tmp : "/tmp", "/gateway-", getpid(), "-",
                              absl::ToUnixNanos(absl::Now()), ".stderr");
  int out[2];
  if (pipe(out) != 0) return absl::InternalError("pipe failed");
  pid_ = fork();
  if (pid_ < 0) return absl::InternalError("fork failed");
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    int err = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<std::string> storage = {binary, "--grpc_port=0",
                                        "--metrics_port=0", "--host=127.0.0.1"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage = {"PATH=/usr/bin:/bin"};
    for (const auto& [k, v] : env) env_storage.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (std::string& s : env_storage) envp.push_back(s.data());
    envp.push_back(nullptr);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  // Read the first line, with a timeout.
  std::string line;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (line.find('\n') == std::string::npos) {
    pollfd p{out[0], POLLIN, 0};
    int ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (ms <= 0 || poll(&p, 1, ms) <= 0) {
      close(out[0]);
      return absl::DeadlineExceededError(
          absl::StrCat("no listening line; stderr: ", Stderr()));
    }
    char buf[512];
    ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) {
      close(out[0]);
      return absl::UnavailableError(
          absl::StrCat("gateway exited before listening; stderr: ", Stderr()));
    }
    line.append(buf, n);
  }
  close(out[0]);
  startup_line_ = line.substr(0, line.find('\n'));
  nlohmann::json j = nlohmann::json::parse(startup_line_, nullptr, false);
  if (!j.is_object() || j.value("event", "") != "listening") {
    return absl::InternalError(
        absl::StrCat("unexpected first line: ", startup_line_));
  }
  grpc_port_ = j.value("grpc_port", 0);
  metrics_port_ = j.value("metrics_port", 0);
  http_port_ = j.value("http_port", 0);
  return absl::OkStatus();
}

std::unique_ptr<llmgateway::v1::LlmGateway::Stub> GatewayProcess::NewStub()
    const {
  return llmgateway::v1::LlmGateway::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                          grpc::InsecureChannelCredentials()));
}

absl::StatusOr<int> GatewayProcess::StopWith(int signal,
                                             absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return -WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError("gateway did not exit in time");
}

std::string GatewayProcess::Stderr() const {
  std::ifstream in(stderr_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandResult RunCommand(const std::string& command, const std::string& input) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string in_path =
      absl::StrCat(tmp ? tmp : "/tmp", "/cmd-input-", getpid());
  {
    std::ofstream f(in_path);
    f << input;
  }
  CommandResult result;
  FILE* pipe = popen((command + " < " + in_path + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0)
    result.output.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);
  auto res = client.Get(path.c_str());
  if (!res)
    return absl::UnavailableError(absl::StrCat("GET ", path, " failed"));
  if (res->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("GET ", path, " -> ", res->status));
  }
  return res->body;
}

absl::StatusOr<int> HttpPostJson(int port, const std::string& path,
                                 const std::string& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  auto res = client.Post(path.c_str(), body, "application/json");
  if (!res) {
    return absl::UnavailableError(absl::StrCat("POST ", path, " failed"));
  }
  return res->status;
}

}  // namespace llmgw::testing
