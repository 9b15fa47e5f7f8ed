#ifndef LLMGW_TESTS_GATEWAY_PROCESS_H_
#define LLMGW_TESTS_GATEWAY_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "llmgateway/v1/gateway.grpc.pb.h"

namespace llmgw::testing {

// The real //service:llm_gateway binary as a child process, with a chosen
// environment (nothing inherited but PATH), stdout read until the
// "listening" line, stderr captured to a file.
class GatewayProcess {
 public:
  GatewayProcess() = default;
  ~GatewayProcess();  // SIGKILLs the process if still running.

  absl::Status Start(const std::map<std::string, std::string>& env,
                     const std::vector<std::string>& args = {});

  int grpc_port() const { return grpc_port_; }
  // A client stub for the process's gRPC port.
  std::unique_ptr<llmgateway::v1::LlmGateway::Stub> NewStub() const;
  int metrics_port() const { return metrics_port_; }
  // The OpenAI-compatible HTTP front's port (with --http_port), else <= 0.
  int http_port() const { return http_port_; }
  pid_t pid() const { return pid_; }
  // The first stdout line (the JSON "listening" line).
  const std::string& startup_line() const { return startup_line_; }

  // Sends `signal` and waits for exit; returns the exit code, or -signal if
  // killed, or an error on timeout.
  absl::StatusOr<int> StopWith(int signal, absl::Duration timeout);
  // Everything the process wrote to stderr so far.
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  int http_port_ = 0;
  std::string startup_line_;
  std::string stderr_path_;
};

// Path of a binary from this test's runfiles, e.g. "service/llm_gateway".
std::string RunfilePath(const std::string& relative);

// Runs `command` with `input` on stdin; returns exit code and combined output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command, const std::string& input);

// GET http://127.0.0.1:<port><path>; the body, or an error.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);
// POST http://127.0.0.1:<port><path> with a JSON body; the HTTP status (any),
// or an error when no response arrived.
absl::StatusOr<int> HttpPostJson(int port, const std::string& path,
                                 const std::string& body);

}  // namespace llmgw::testing

#endif  // LLMGW_TESTS_GATEWAY_PROCESS_H_
