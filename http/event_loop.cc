#include "http/event_loop.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/internal/raw_logging.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace llmgw::http {
namespace {

// The loop whose thread is the current thread, if any. Cheaper and race-free
// compared with publishing std::thread::id after the thread has started.
thread_local const EventLoop* tls_current_loop = nullptr;

// epoll_event.data for the wakeup eventfd. Watched fds use (generation << 32
// | fd), and fd is never 0xffffffff, so this cannot collide.
constexpr uint64_t kWakeToken = std::numeric_limits<uint64_t>::max();

// Upper bound for one epoll_wait. Waking up once in a while when only far
// timers are pending is harmless and keeps the int conversion trivially safe.
constexpr int64_t kMaxWaitMs = 60 * 60 * 1000;

constexpr int kMaxEventsPerWait = 256;

uint64_t MakeToken(int fd, uint32_t generation) {
  return (uint64_t{generation} << 32) | static_cast<uint32_t>(fd);
}

uint32_t EpollMask(int events) {
  uint32_t mask = 0;
  if (events & EventLoop::kReadable) mask |= EPOLLIN;
  if (events & EventLoop::kWritable) mask |= EPOLLOUT;
  return mask;
}

class EpollEventLoop final : public EventLoop {
 public:
  EpollEventLoop(int epoll_fd, int wake_fd)
      : epoll_fd_(epoll_fd), wake_fd_(wake_fd) {}

  ~EpollEventLoop() override {
    if (InLoopThread()) {
      ABSL_RAW_LOG(FATAL, "EventLoop destroyed from its own thread");
    }
    if (thread_.joinable()) {
      stopping_.store(true, std::memory_order_release);
      WriteWakeFd();
      thread_.join();
    }
    close(wake_fd_);
    close(epoll_fd_);
  }

  absl::Status Start(const char* name) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeToken;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
      return absl::InternalError(
          absl::StrCat("epoll_ctl(eventfd): ", std::strerror(errno)));
    }
    // pthread names are limited to 15 characters plus the terminator.
    std::string thread_name = std::string(name).substr(0, 15);
    try {
      thread_ = std::thread([this, thread_name] {
        pthread_setname_np(pthread_self(), thread_name.c_str());
        tls_current_loop = this;
        Run();
        tls_current_loop = nullptr;
      });
    } catch (const std::system_error& e) {
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot start event loop thread: ", e.what()));
    }
    return absl::OkStatus();
  }

  void Post(absl::AnyInvocable<void()> task) override {
    bool wake = false;
    {
      absl::MutexLock lock(&mu_);
      posted_.push_back(std::move(task));
      // The loop thread re-checks the queue before it waits again, so only
      // other threads need to interrupt epoll_wait, and only once per batch.
      if (!wake_pending_ && !InLoopThread()) {
        wake_pending_ = true;
        wake = true;
      }
    }
    if (wake) WriteWakeFd();
  }

  TimerId RunAfter(absl::Duration delay,
                   absl::AnyInvocable<void()> task) override {
    if (delay < absl::ZeroDuration()) delay = absl::ZeroDuration();
    const absl::Time when = Now() + delay;
    bool wake = false;
    TimerId id;
    {
      absl::MutexLock lock(&mu_);
      id = next_timer_id_++;
      // Equal deadlines go after existing ones, so ties fire in FIFO order.
      auto it = timers_.emplace(when, Timer{id, std::move(task)});
      timer_index_.emplace(id, it);
      // Only a new earliest deadline shortens the loop's current wait.
      if (it == timers_.begin() && !wake_pending_ && !InLoopThread()) {
        wake_pending_ = true;
        wake = true;
      }
    }
    if (wake) WriteWakeFd();
    return id;
  }

  bool CancelTimer(TimerId id) override {
    // Destroy the task outside the lock: its captures may run arbitrary code.
    absl::AnyInvocable<void()> doomed;
    {
      absl::MutexLock lock(&mu_);
      auto index_it = timer_index_.find(id);
      if (index_it == timer_index_.end()) return false;
      doomed = std::move(index_it->second->second.task);
      timers_.erase(index_it->second);
      timer_index_.erase(index_it);
    }
    return true;
  }

  void WatchFd(int fd, int events,
               absl::AnyInvocable<void(int ready_events)> on_ready) override {
    if (events == 0) {
      UnwatchFd(fd);
      return;
    }
    epoll_event ev{};
    ev.events = EpollMask(events);
    auto it = watches_.find(fd);
    if (it != watches_.end()) {
      Watch* watch = it->second.get();
      ev.data.u64 = MakeToken(fd, watch->generation);
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
        if (errno != ENOENT) {
          ABSL_RAW_LOG(ERROR, "epoll_ctl(MOD, %d): %s", fd,
                       std::strerror(errno));
          return;
        }
        // The fd was closed without UnwatchFd and its number reused: the
        // kernel already forgot it. Register it afresh.
        watch->generation = next_generation_++;
        ev.data.u64 = MakeToken(fd, watch->generation);
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
          ABSL_RAW_LOG(ERROR, "epoll_ctl(ADD, %d): %s", fd,
                       std::strerror(errno));
          RetireWatch(it);
          return;
        }
      }
      watch->events = events;
      if (watch == dispatching_) {
        // The callback being replaced is running right now (e.g. curl
        // changing its interest from inside socket_action): keep it alive
        // until the current dispatch round ends.
        auto replacement = std::make_unique<Watch>();
        replacement->events = events;
        replacement->generation = watch->generation;
        replacement->on_ready = std::move(on_ready);
        retired_.push_back(std::move(it->second));
        it->second = std::move(replacement);
        dispatching_ = nullptr;
      } else {
        watch->on_ready = std::move(on_ready);
      }
      return;
    }
    auto watch = std::make_unique<Watch>();
    watch->events = events;
    watch->generation = next_generation_++;
    watch->on_ready = std::move(on_ready);
    ev.data.u64 = MakeToken(fd, watch->generation);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      if (errno != EEXIST ||
          epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
        ABSL_RAW_LOG(ERROR, "epoll_ctl(ADD, %d): %s", fd, std::strerror(errno));
        return;
      }
    }
    watches_.emplace(fd, std::move(watch));
  }

  void UnwatchFd(int fd) override {
    auto it = watches_.find(fd);
    if (it == watches_.end()) return;
    // Failure means the fd is already closed, which also unregistered it.
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    RetireWatch(it);
  }

  bool InLoopThread() const override { return tls_current_loop == this; }

 private:
  struct Timer {
    TimerId id;
    absl::AnyInvocable<void()> task;
  };
  using TimerQueue = std::multimap<absl::Time, Timer>;

  struct Watch {
    int events = 0;
    // Distinguishes registrations of a reused fd number, so a stale event
    // from the current epoll_wait batch never reaches a newer watch.
    uint32_t generation = 0;
    absl::AnyInvocable<void(int)> on_ready;
  };
  using WatchMap = absl::flat_hash_map<int, std::unique_ptr<Watch>>;

  void RetireWatch(WatchMap::iterator it) {
    if (it->second.get() == dispatching_) dispatching_ = nullptr;
    // Callbacks may unwatch themselves or later fds of the same batch;
    // freeing is deferred until the batch is done.
    retired_.push_back(std::move(it->second));
    watches_.erase(it);
  }

  void WriteWakeFd() {
    const uint64_t one = 1;
    // EAGAIN means the counter is saturated, i.e. a wakeup is pending anyway.
    while (write(wake_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
  }

  void DrainWakeFd() {
    uint64_t value;
    while (read(wake_fd_, &value, sizeof(value)) < 0 && errno == EINTR) {
    }
    absl::MutexLock lock(&mu_);
    wake_pending_ = false;
  }

  // Milliseconds until the earliest timer, rounded up so timers never fire
  // early; 0 if work is queued; -1 if there is nothing to wait for.
  int NextTimeoutMs() {
    absl::MutexLock lock(&mu_);
    if (!posted_.empty()) return 0;
    if (timers_.empty()) return -1;
    const absl::Duration until = timers_.begin()->first - Now();
    if (until <= absl::ZeroDuration()) return 0;
    const int64_t ms =
        absl::ToInt64Milliseconds(absl::Ceil(until, absl::Milliseconds(1)));
    return static_cast<int>(std::min(ms, kMaxWaitMs));
  }

  void Run() {
    epoll_event events[kMaxEventsPerWait];
    while (!stopping_.load(std::memory_order_acquire)) {
      const int n =
          epoll_wait(epoll_fd_, events, kMaxEventsPerWait, NextTimeoutMs());
      if (n < 0) {
        if (errno == EINTR) continue;
        ABSL_RAW_LOG(FATAL, "epoll_wait: %s", std::strerror(errno));
      }
      DispatchFdEvents(events, n);
      if (stopping_.load(std::memory_order_acquire)) break;
      RunExpiredTimers();
      RunPostedTasks();
    }
  }

  void DispatchFdEvents(const epoll_event* events, int n) {
    for (int i = 0; i < n; ++i) {
      const uint64_t token = events[i].data.u64;
      if (token == kWakeToken) {
        DrainWakeFd();
        continue;
      }
      const int fd = static_cast<int>(static_cast<uint32_t>(token));
      auto it = watches_.find(fd);
      if (it == watches_.end() ||
          it->second->generation != static_cast<uint32_t>(token >> 32)) {
        continue;  // Unwatched (or replaced) earlier in this batch.
      }
      Watch* watch = it->second.get();
      const uint32_t got = events[i].events;
      int ready = 0;
      if (got & EPOLLIN) ready |= kReadable;
      if (got & EPOLLOUT) ready |= kWritable;
      // Errors and hangups surface through whatever the owner waits for: its
      // next read or write reports the actual error.
      if (got & (EPOLLERR | EPOLLHUP)) ready |= watch->events;
      ready &= watch->events;
      if (ready == 0) continue;
      dispatching_ = watch;
      watch->on_ready(ready);
      dispatching_ = nullptr;
    }
    retired_.clear();
  }

  void RunExpiredTimers() {
    const absl::Time now = Now();
    TimerId first_new_id;
    {
      absl::MutexLock lock(&mu_);
      first_new_id = next_timer_id_;
    }
    // One timer per lock acquisition, so a callback that cancels a timer due
    // in this same round still prevents it from running. Timers created by
    // the callbacks (ids >= first_new_id) wait for the next iteration.
    while (!stopping_.load(std::memory_order_acquire)) {
      absl::AnyInvocable<void()> task;
      {
        absl::MutexLock lock(&mu_);
        if (timers_.empty()) return;
        auto it = timers_.begin();
        if (it->first > now || it->second.id >= first_new_id) return;
        task = std::move(it->second.task);
        timer_index_.erase(it->second.id);
        timers_.erase(it);
      }
      task();
    }
  }

  void RunPostedTasks() {
    {
      absl::MutexLock lock(&mu_);
      if (posted_.empty()) return;
      running_.swap(posted_);
    }
    for (auto& task : running_) {
      if (stopping_.load(std::memory_order_acquire)) break;
      task();
    }
    running_.clear();
  }

  const int epoll_fd_;
  const int wake_fd_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  std::vector<absl::AnyInvocable<void()>> posted_ ABSL_GUARDED_BY(mu_);
  TimerQueue timers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<TimerId, TimerQueue::iterator> timer_index_
      ABSL_GUARDED_BY(mu_);
  TimerId next_timer_id_ ABSL_GUARDED_BY(mu_) = 1;
  // An eventfd write is outstanding; further ones would be redundant.
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;

  // Loop thread only.
  std::vector<absl::AnyInvocable<void()>> running_;
  WatchMap watches_;
  std::vector<std::unique_ptr<Watch>> retired_;
  Watch* dispatching_ = nullptr;
  uint32_t next_generation_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create(const char* name) {
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    return absl::InternalError(
        absl::StrCat("epoll_create1: ", std::strerror(errno)));
  }
  const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    const int saved = errno;
    close(epoll_fd);
    return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(saved)));
  }
  auto loop = std::make_unique<EpollEventLoop>(epoll_fd, wake_fd);
  absl::Status started = loop->Start(name == nullptr ? "llmgw-loop" : name);
  if (!started.ok()) return started;
  return std::unique_ptr<EventLoop>(std::move(loop));
}

}  // namespace llmgw::http
