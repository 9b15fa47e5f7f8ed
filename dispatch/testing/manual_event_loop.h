#ifndef LLMGW_DISPATCH_TESTING_MANUAL_EVENT_LOOP_H_
#define LLMGW_DISPATCH_TESTING_MANUAL_EVENT_LOOP_H_

#include <cstdint>
#include <deque>
#include <map>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/event_loop.h"

namespace llmgw::testing {

// An http::EventLoop with a manual clock and no thread and no sockets: what
// GenerateCall uses of a loop (Post, RunAfter, CancelTimer, Now), driven by
// the test. Posted tasks and due timers run only inside RunUntilIdle and
// AdvanceBy, on the test's thread, which is the "loop thread" for
// InLoopThread. WatchFd is not supported (nothing here opens sockets).
class ManualEventLoop : public http::EventLoop {
 public:
  explicit ManualEventLoop(
      absl::Time start = absl::FromUnixSeconds(1'800'000'000))
      : now_(start) {}

  void Post(absl::AnyInvocable<void()> task) override;
  TimerId RunAfter(absl::Duration delay,
                   absl::AnyInvocable<void()> task) override;
  bool CancelTimer(TimerId id) override;
  void WatchFd(int fd, int events,
               absl::AnyInvocable<void(int)> on_ready) override;
  void UnwatchFd(int fd) override {}
  bool InLoopThread() const override { return true; }
  absl::Time Now() const override;

  // Runs posted tasks and timers due now until there are none. Returns how
  // many callbacks ran.
  int RunUntilIdle();
  // Moves the clock forward by `d`, firing each timer at its due time (in
  // order) and running what they post. Returns how many callbacks ran.
  int AdvanceBy(absl::Duration d);
  // Moves the clock to the next timer and fires it (and what it posts);
  // false when no timer is pending.
  bool FireNextTimer();
  // Timers not yet fired or cancelled.
  size_t PendingTimers() const;
  // When the next timer is due (InfiniteFuture when none).
  absl::Time NextTimerAt() const;

 private:
  bool RunOnePosted();

  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::AnyInvocable<void()>> posted_ ABSL_GUARDED_BY(mu_);
  // (due, id) -> task; ids grow, so equal due times fire in arming order.
  std::map<std::pair<absl::Time, TimerId>, absl::AnyInvocable<void()>> timers_
      ABSL_GUARDED_BY(mu_);
  std::map<TimerId, absl::Time> due_ ABSL_GUARDED_BY(mu_);
  TimerId next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace llmgw::testing

#endif  // LLMGW_DISPATCH_TESTING_MANUAL_EVENT_LOOP_H_
