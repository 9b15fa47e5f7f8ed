#include "budget/redis_connection.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "budget/redis_loop_adapter.h"
#include "budget/spend_ledger.h"

namespace llmgw {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

}  // namespace

RedisConnection::RedisConnection(http::EventLoop* loop, std::string host,
                                 int port, absl::Duration timeout,
                                 std::vector<std::string> scripts,
                                 std::string who, std::string timeout_setting)
    : loop_(loop),
      host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      scripts_(std::move(scripts)),
      who_(std::move(who)),
      timeout_setting_(std::move(timeout_setting)),
      backoff_(kFirstBackoff) {}

RedisConnection::~RedisConnection() {
  closing_ = true;
  if (reconnect_timer_) loop_->CancelTimer(*reconnect_timer_);
  Drop("the gateway is shutting down");
  for (auto& [seq, p] : pending_) loop_->CancelTimer(p.timer);
}

void RedisConnection::Start(
    absl::AnyInvocable<void()> on_ready,
    absl::AnyInvocable<void(const std::string&)> on_down) {
  on_ready_ = std::move(on_ready);
  on_down_ = std::move(on_down);
  Connect();
}

void RedisConnection::Connect() {
  reconnect_timer_.reset();
  if (closing_) return;
  redisAsyncContext* ac = redisAsyncConnect(host_.c_str(), port_);
  if (ac == nullptr || ac->err != 0) {
    last_error_ = ac != nullptr ? ac->errstr : "out of memory";
    if (ac != nullptr) redisAsyncFree(ac);
    ScheduleReconnect();
    return;
  }
  ac->data = this;
  AttachRedisToLoop(ac, loop_);
  redisAsyncSetConnectCallback(ac, &OnConnectThunk);
  redisAsyncSetDisconnectCallback(ac, &OnDisconnectThunk);
  ctx_ = ac;
  state_ = State::kConnecting;
  // Scripts first; commands sent meanwhile queue behind them.
  loads_pending_ = static_cast<int>(scripts_.size());
  for (const std::string& script : scripts_) {
    SendRaw({"SCRIPT", "LOAD", script}, [this](absl::Status s, redisReply*) {
      if (!s.ok() || state_ != State::kConnecting) return;
      if (--loads_pending_ == 0) {
        state_ = State::kReady;
        last_error_.clear();
        backoff_ = kFirstBackoff;
        if (on_ready_) on_ready_();
      }
    });
  }
}

void RedisConnection::Send(const std::vector<std::string>& args, ReplyFn done) {
  if (state_ == State::kDown || ctx_ == nullptr) {
    done(LedgerUnavailableError(
             absl::StrCat(who_, " unavailable: Redis at ", host_, ":", port_,
                          " is unreachable (", last_error_, "); reconnecting"),
             backoff_),
         nullptr);
    return;
  }
  SendRaw(args, std::move(done));
}

void RedisConnection::SendRaw(const std::vector<std::string>& args,
                              ReplyFn done) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  const uint64_t seq = next_seq_++;
  if (redisAsyncCommandArgv(
          ctx_, &OnReplyThunk,
          reinterpret_cast<void*>(static_cast<uintptr_t>(seq)),
          static_cast<int>(argv.size()), argv.data(),
          lens.data()) != REDIS_OK) {
    done(LedgerUnavailableError(
             absl::StrCat(who_, " unavailable: cannot send to Redis at ", host_,
                          ":", port_),
             backoff_),
         nullptr);
    return;
  }
  Pending& p = pending_[seq];
  p.done = std::move(done);
  p.timer = loop_->RunAfter(timeout_, [this, seq] { OnTimeout(seq); });
}

void RedisConnection::OnReplyThunk(redisAsyncContext* c, void* reply,
                                   void* privdata) {
  auto* self = static_cast<RedisConnection*>(c->data);
  self->OnReply(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(privdata)),
                static_cast<redisReply*>(reply));
}

void RedisConnection::OnReply(uint64_t seq, redisReply* reply) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;  // timed out already
  loop_->CancelTimer(it->second.timer);
  ReplyFn done = std::move(it->second.done);
  pending_.erase(it);
  if (reply == nullptr) {
    done(LedgerUnavailableError(
             absl::StrCat(who_, " unavailable: connection to Redis at ", host_,
                          ":", port_, " lost (",
                          last_error_.empty() ? "closed" : last_error_, ")"),
             backoff_),
         nullptr);
    return;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    done(absl::InternalError(absl::StrCat(
             who_, " error from Redis: ", std::string(reply->str, reply->len))),
         nullptr);
    return;
  }
  done(absl::OkStatus(), reply);
}

void RedisConnection::OnTimeout(uint64_t seq) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;
  ReplyFn done = std::move(it->second.done);
  pending_.erase(it);
  const std::string why =
      absl::StrCat("no reply within ", absl::FormatDuration(timeout_));
  done(LedgerUnavailableError(
           absl::StrCat(who_, " unavailable: Redis at ", host_, ":", port_,
                        " gave ", why, " (", timeout_setting_,
                        "); reconnecting"),
           backoff_),
       nullptr);
  // A Redis that does not answer one command answers none behind it.
  Drop(why);
}

void RedisConnection::Drop(const std::string& reason) {
  if (ctx_ == nullptr) return;
  redisAsyncContext* ac = ctx_;
  Lost(reason);
  // Fails what is in flight on it (null replies) and closes the socket.
  redisAsyncFree(ac);
}

void RedisConnection::Lost(const std::string& reason) {
  const bool was_up = state_ != State::kDown;
  ctx_ = nullptr;
  state_ = State::kDown;
  last_error_ = reason;
  if (was_up && on_down_ && !closing_) on_down_(reason);
  ScheduleReconnect();
}

void RedisConnection::OnConnectThunk(const redisAsyncContext* c, int status) {
  auto* self = static_cast<RedisConnection*>(c->data);
  if (status != REDIS_OK && c == self->ctx_) {
    // hiredis frees the context after this callback.
    self->Lost(absl::StrCat("connect: ", c->errstr));
  }
}

void RedisConnection::OnDisconnectThunk(const redisAsyncContext* c,
                                        int status) {
  auto* self = static_cast<RedisConnection*>(c->data);
  if (c == self->ctx_) {
    self->Lost(status == REDIS_OK ? std::string("closed")
                                  : absl::StrCat("disconnected: ", c->errstr));
  }
}

void RedisConnection::ScheduleReconnect() {
  if (closing_ || reconnect_timer_) return;
  const absl::Duration delay = backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  reconnect_timer_ = loop_->RunAfter(delay, [this] { Connect(); });
}

}  // namespace llmgw
