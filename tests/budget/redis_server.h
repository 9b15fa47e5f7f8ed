#ifndef LLMGW_TESTS_BUDGET_REDIS_SERVER_H_
#define LLMGW_TESTS_BUDGET_REDIS_SERVER_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"

namespace llmgw::testing {

// A real redis-server child process on a free loopback port, without
// persistence (`--save '' --appendonly no`). Killed by the destructor.
class RedisServer {
 public:
  RedisServer() = default;
  ~RedisServer();

  // Starts it and waits (up to 10 s) until it answers PING.
  absl::Status Start();
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  // SIGSTOP / SIGCONT: a hung Redis (connections stay open, nothing
  // answers) and its recovery.
  void Pause();
  void Resume();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace llmgw::testing

#endif  // LLMGW_TESTS_BUDGET_REDIS_SERVER_H_
