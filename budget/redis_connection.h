#ifndef LLMGW_BUDGET_REDIS_CONNECTION_H_
#define LLMGW_BUDGET_REDIS_CONNECTION_H_

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "http/event_loop.h"

namespace llmgw {

// One pipelined hiredis asynchronous connection to redis-server, driven by
// an http::EventLoop (AttachRedisToLoop), with
//  - a bounded time per command (a loop timer): a command without a reply
//    in `timeout` fails UNAVAILABLE and the connection is dropped (a hung
//    Redis, e.g. SIGSTOPped, answers nothing on it any more), which fails
//    every other command in flight at once;
//  - reconnection on a loop timer with exponential backoff (100 ms doubling
//    to 5 s); every (re)connection first loads `scripts` (SCRIPT LOAD, so a
//    restarted Redis has them), and the connection is "ready" when their
//    replies arrived; commands sent while connecting queue behind them;
//  - while down (between attempts), Send fails at once.
// Loop thread only, including construction and destruction.
class RedisConnection {
 public:
  // Called with the reply (null unless `status` is OK) on the loop thread.
  using ReplyFn = absl::AnyInvocable<void(absl::Status, redisReply*)>;
  enum class State { kDown, kConnecting, kReady };

  // `who` and `timeout_setting` name the user and its timeout setting in
  // error messages ("budget ledger unavailable: ...
  // (budget.redis_timeout_ms)").
  RedisConnection(http::EventLoop* loop, std::string host, int port,
                  absl::Duration timeout, std::vector<std::string> scripts,
                  std::string who = "budget ledger",
                  std::string timeout_setting = "budget.redis_timeout_ms");
  // Fails every command in flight (UNAVAILABLE) and closes the connection.
  ~RedisConnection();

  // Starts connecting. `on_ready` runs each time the connection becomes
  // ready; `on_down(reason)` each time a ready or connecting connection is
  // lost (not on every failed retry).
  void Start(absl::AnyInvocable<void()> on_ready,
             absl::AnyInvocable<void(const std::string&)> on_down);

  // Sends one command (binary-safe arguments); `done` runs exactly once.
  void Send(const std::vector<std::string>& args, ReplyFn done);

  State state() const { return state_; }
  // Why the connection is down (empty when it is not).
  const std::string& last_error() const { return last_error_; }
  // When the next connection attempt starts (while down).
  absl::Duration next_retry() const { return backoff_; }
  absl::Duration timeout() const { return timeout_; }

 private:
  struct Pending {
    ReplyFn done;
    http::EventLoop::TimerId timer = 0;
  };
  static void OnReplyThunk(redisAsyncContext* c, void* reply, void* privdata);
  static void OnConnectThunk(const redisAsyncContext* c, int status);
  static void OnDisconnectThunk(const redisAsyncContext* c, int status);
  void Connect();
  void OnReply(uint64_t seq, redisReply* reply);
  void OnTimeout(uint64_t seq);
  void Lost(const std::string& reason);
  void Drop(const std::string& reason);
  void ScheduleReconnect();
  void SendRaw(const std::vector<std::string>& args, ReplyFn done);

  http::EventLoop* const loop_;
  const std::string host_;
  const int port_;
  const absl::Duration timeout_;
  const std::vector<std::string> scripts_;
  const std::string who_;
  const std::string timeout_setting_;
  absl::AnyInvocable<void()> on_ready_;
  absl::AnyInvocable<void(const std::string&)> on_down_;
  redisAsyncContext* ctx_ = nullptr;
  State state_ = State::kDown;
  std::string last_error_;
  absl::Duration backoff_;
  std::optional<http::EventLoop::TimerId> reconnect_timer_;
  int loads_pending_ = 0;
  uint64_t next_seq_ = 1;
  std::map<uint64_t, Pending> pending_;
  bool closing_ = false;
};

}  // namespace llmgw

#endif  // LLMGW_BUDGET_REDIS_CONNECTION_H_
