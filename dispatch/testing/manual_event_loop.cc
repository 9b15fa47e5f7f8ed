#include "dispatch/testing/manual_event_loop.h"

#include <cstdio>
#include <cstdlib>

namespace llmgw::testing {

void ManualEventLoop::Post(absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  posted_.push_back(std::move(task));
}

http::EventLoop::TimerId ManualEventLoop::RunAfter(
    absl::Duration delay, absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  const TimerId id = next_id_++;
  const absl::Time due = now_ + std::max(delay, absl::ZeroDuration());
  timers_.emplace(std::make_pair(due, id), std::move(task));
  due_[id] = due;
  return id;
}

bool ManualEventLoop::CancelTimer(TimerId id) {
  absl::MutexLock lock(&mu_);
  auto it = due_.find(id);
  if (it == due_.end()) return false;
  timers_.erase(std::make_pair(it->second, id));
  due_.erase(it);
  return true;
}

void ManualEventLoop::WatchFd(int, int, absl::AnyInvocable<void(int)>) {
  std::fprintf(stderr, "ManualEventLoop does not watch file descriptors\n");
  std::abort();
}

absl::Time ManualEventLoop::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

bool ManualEventLoop::RunOnePosted() {
  absl::AnyInvocable<void()> task;
  {
    absl::MutexLock lock(&mu_);
    if (!posted_.empty()) {
      task = std::move(posted_.front());
      posted_.pop_front();
    } else if (!timers_.empty() && timers_.begin()->first.first <= now_) {
      auto it = timers_.begin();
      task = std::move(it->second);
      due_.erase(it->first.second);
      timers_.erase(it);
    } else {
      return false;
    }
  }
  task();
  return true;
}

int ManualEventLoop::RunUntilIdle() {
  int ran = 0;
  while (RunOnePosted()) ++ran;
  return ran;
}

bool ManualEventLoop::FireNextTimer() {
  RunUntilIdle();
  {
    absl::MutexLock lock(&mu_);
    if (timers_.empty()) return false;
    now_ = std::max(now_, timers_.begin()->first.first);
  }
  RunUntilIdle();
  return true;
}

int ManualEventLoop::AdvanceBy(absl::Duration d) {
  int ran = RunUntilIdle();
  absl::Time end;
  {
    absl::MutexLock lock(&mu_);
    end = now_ + d;
  }
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (timers_.empty() || timers_.begin()->first.first > end) {
        now_ = end;
        break;
      }
      now_ = std::max(now_, timers_.begin()->first.first);
    }
    ran += RunUntilIdle();
  }
  return ran + RunUntilIdle();
}

size_t ManualEventLoop::PendingTimers() const {
  absl::MutexLock lock(&mu_);
  return timers_.size();
}

absl::Time ManualEventLoop::NextTimerAt() const {
  absl::MutexLock lock(&mu_);
  return timers_.empty() ? absl::InfiniteFuture()
                         : timers_.begin()->first.first;
}

}  // namespace llmgw::testing
