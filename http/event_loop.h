#ifndef LLMGW_HTTP_EVENT_LOOP_H_
#define LLMGW_HTTP_EVENT_LOOP_H_

#include <cstdint>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace llmgw::http {

// A single-threaded reactor: one thread waits in epoll for file-descriptor
// readiness, expired timers and posted tasks, and runs their callbacks.
//
// Every upstream HTTP exchange, retry backoff and cooldown timer of the
// gateway runs on an EventLoop, so thousands of slow calls in flight cost
// a few hundred bytes each and no threads.
//
// All methods are thread-safe unless stated otherwise. Callbacks always run on
// the loop thread and must never block.
class EventLoop {
 public:
  using TimerId = uint64_t;
  // Bit mask of readiness events for WatchFd.
  enum FdEvents : int { kReadable = 1, kWritable = 2 };

  // Creates the loop and starts its thread, named `name` (<= 15 chars).
  static absl::StatusOr<std::unique_ptr<EventLoop>> Create(
      const char* name = "llmgw-loop");

  // Stops the thread. Posted tasks not yet run are dropped; timers are
  // discarded. Must not be called from the loop thread.
  virtual ~EventLoop() = default;

  // Runs `task` on the loop thread as soon as possible, in FIFO order.
  virtual void Post(absl::AnyInvocable<void()> task) = 0;

  // Runs `task` on the loop thread once `delay` has elapsed (a zero or
  // negative delay runs it on the next iteration). Returns an id for
  // CancelTimer.
  virtual TimerId RunAfter(absl::Duration delay,
                           absl::AnyInvocable<void()> task) = 0;

  // Cancels a timer that has not fired yet. Returns true if it was pending.
  // Cancelling from the loop thread guarantees the task will not run.
  virtual bool CancelTimer(TimerId id) = 0;

  // Starts (or updates) watching `fd` for `events` (a kReadable|kWritable
  // mask; 0 removes the watch). `on_ready(events)` runs on the loop thread
  // with the events that are ready. Loop thread only.
  virtual void WatchFd(int fd, int events,
                       absl::AnyInvocable<void(int ready_events)> on_ready) = 0;
  // Stops watching `fd`. Loop thread only.
  virtual void UnwatchFd(int fd) = 0;

  // True when called from the loop's own thread.
  virtual bool InLoopThread() const = 0;

  // The loop's clock (absl::Now() in production; tests may substitute).
  virtual absl::Time Now() const { return absl::Now(); }
};

}  // namespace llmgw::http

#endif  // LLMGW_HTTP_EVENT_LOOP_H_
