#include "http/event_loop.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace llmgw::http {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

std::unique_ptr<EventLoop> MakeLoop(const char* name = "test-loop") {
  auto loop = EventLoop::Create(name);
  EXPECT_TRUE(loop.ok()) << loop.status();
  return *std::move(loop);
}

// Runs `fn` on the loop thread and waits for it.
template <typename Fn>
void RunOnLoop(EventLoop& loop, Fn fn) {
  absl::Notification done;
  loop.Post([&] {
    fn();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
}

TEST(EventLoopTest, PostRunsOnLoopThreadNamed) {
  auto loop = MakeLoop("my-loop-name");
  EXPECT_FALSE(loop->InLoopThread());
  bool in_loop = false;
  char name[16] = {};
  RunOnLoop(*loop, [&] {
    in_loop = loop->InLoopThread();
    pthread_getname_np(pthread_self(), name, sizeof(name));
  });
  EXPECT_TRUE(in_loop);
  EXPECT_EQ(std::string(name), "my-loop-name");
}

TEST(EventLoopTest, PostIsFifoPerThreadFromManyThreads) {
  auto loop = MakeLoop();
  constexpr int kThreads = 4;
  constexpr int kTasks = 2000;
  std::vector<std::vector<int>> seen(kThreads);  // Loop thread only.
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kTasks; ++i) {
        loop->Post([&, t, i] { seen[t].push_back(i); });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  RunOnLoop(*loop, [] {});  // Everything posted before this has run.
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[t].size(), kTasks);
    for (int i = 0; i < kTasks; ++i) ASSERT_EQ(seen[t][i], i);
  }
}

TEST(EventLoopTest, TasksPostedFromLoopRunAfterEarlierOnes) {
  auto loop = MakeLoop();
  std::vector<int> order;
  absl::Notification done;
  // Hold the loop until both tasks are queued: otherwise task 1 may run (and
  // queue task 3) before this thread has queued task 2.
  absl::Notification both_queued;
  loop->Post([&] { both_queued.WaitForNotification(); });
  loop->Post([&] {
    order.push_back(1);
    loop->Post([&] {
      order.push_back(3);
      done.Notify();
    });
  });
  loop->Post([&] { order.push_back(2); });
  both_queued.Notify();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoopTest, RunAfterFiresInDeadlineOrderAndNeverEarly) {
  auto loop = MakeLoop();
  absl::Mutex mu;
  std::vector<int> order;
  std::vector<absl::Duration> lateness(3);
  absl::Notification done;
  const absl::Time start = absl::Now();
  const absl::Duration delays[] = {
      absl::Milliseconds(60), absl::Milliseconds(20), absl::Milliseconds(40)};
  for (int i = 0; i < 3; ++i) {
    loop->RunAfter(delays[i], [&, i] {
      absl::MutexLock lock(&mu);
      lateness[i] = absl::Now() - start - delays[i];
      order.push_back(i);
      if (order.size() == 3) done.Notify();
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 0}));
  for (absl::Duration late : lateness) EXPECT_GE(late, absl::ZeroDuration());
}

TEST(EventLoopTest, EqualDelaysFireInFifoOrder) {
  auto loop = MakeLoop();
  std::vector<int> order;
  absl::Notification done;
  RunOnLoop(*loop, [&] {
    for (int i = 0; i < 10; ++i) {
      loop->RunAfter(absl::Milliseconds(5), [&, i] {
        order.push_back(i);
        if (i == 9) done.Notify();
      });
    }
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(EventLoopTest, ZeroDelayFromTimerRunsOnNextIteration) {
  auto loop = MakeLoop();
  std::vector<int> order;
  absl::Notification done;
  loop->RunAfter(absl::ZeroDuration(), [&] {
    order.push_back(1);
    // Must not run inside this round, i.e. before the posted task below.
    loop->RunAfter(absl::ZeroDuration(), [&] {
      order.push_back(3);
      done.Notify();
    });
    loop->Post([&] { order.push_back(2); });
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoopTest, CancelTimer) {
  auto loop = MakeLoop();
  std::atomic<bool> cancelled_ran{false};
  absl::Notification later_ran;
  EventLoop::TimerId id =
      loop->RunAfter(absl::Milliseconds(20), [&] { cancelled_ran = true; });
  EXPECT_TRUE(loop->CancelTimer(id));
  EXPECT_FALSE(loop->CancelTimer(id));
  loop->RunAfter(absl::Milliseconds(40), [&] { later_ran.Notify(); });
  ASSERT_TRUE(later_ran.WaitForNotificationWithTimeout(kWait));
  EXPECT_FALSE(cancelled_ran);

  absl::Notification fired;
  EventLoop::TimerId fired_id =
      loop->RunAfter(absl::ZeroDuration(), [&] { fired.Notify(); });
  ASSERT_TRUE(fired.WaitForNotificationWithTimeout(kWait));
  EXPECT_FALSE(loop->CancelTimer(fired_id));
}

TEST(EventLoopTest, CancelFromLoopThreadPreventsTimerDueInSameRound) {
  auto loop = MakeLoop();
  bool second_ran = false;
  absl::Notification done;
  EventLoop::TimerId second = 0;
  RunOnLoop(*loop, [&] {
    loop->RunAfter(absl::Milliseconds(10),
                   [&] { EXPECT_TRUE(loop->CancelTimer(second)); });
    second = loop->RunAfter(absl::Milliseconds(10), [&] { second_ran = true; });
    loop->RunAfter(absl::Milliseconds(30), [&] { done.Notify(); });
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  EXPECT_FALSE(second_ran);
}

TEST(EventLoopTest, EarlierTimerFromOtherThreadWakesLoop) {
  auto loop = MakeLoop();
  loop->RunAfter(absl::Seconds(30), [] {});
  absl::Notification fired;
  const absl::Time start = absl::Now();
  loop->RunAfter(absl::Milliseconds(10), [&] { fired.Notify(); });
  ASSERT_TRUE(fired.WaitForNotificationWithTimeout(kWait));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST(EventLoopTest, WatchFdOnPipe) {
  auto loop = MakeLoop();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  absl::Mutex mu;
  std::string received;
  absl::Notification got_data;
  absl::Notification writable;
  RunOnLoop(*loop, [&] {
    loop->WatchFd(fds[0], EventLoop::kReadable, [&](int ready) {
      EXPECT_EQ(ready, EventLoop::kReadable);
      char buf[64];
      ssize_t n = read(fds[0], buf, sizeof(buf));
      ASSERT_GT(n, 0);
      absl::MutexLock lock(&mu);
      received.append(buf, n);
      if (received == "ping") got_data.Notify();
    });
    loop->WatchFd(fds[1], EventLoop::kWritable, [&](int ready) {
      EXPECT_EQ(ready, EventLoop::kWritable);
      // Level-triggered: stop watching or this would fire forever.
      loop->UnwatchFd(fds[1]);
      writable.Notify();
    });
  });
  ASSERT_TRUE(writable.WaitForNotificationWithTimeout(kWait));
  ASSERT_EQ(write(fds[1], "pi", 2), 2);
  ASSERT_EQ(write(fds[1], "ng", 2), 2);
  ASSERT_TRUE(got_data.WaitForNotificationWithTimeout(kWait));

  // After UnwatchFd, data no longer triggers the callback.
  std::atomic<int> calls{0};
  RunOnLoop(*loop, [&] {
    loop->WatchFd(fds[0], EventLoop::kReadable, [&](int) { ++calls; });
    loop->UnwatchFd(fds[0]);
  });
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  RunOnLoop(*loop, [] {});
  RunOnLoop(*loop, [] {});
  EXPECT_EQ(calls, 0);
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoopTest, CallbackMayReplaceItsOwnWatch) {
  auto loop = MakeLoop();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "ab", 2), 2);
  absl::Notification second_callback;
  RunOnLoop(*loop, [&] {
    std::string state(64, 'x');
    loop->WatchFd(fds[0], EventLoop::kReadable, [&, state](int) {
      char c;
      ASSERT_EQ(read(fds[0], &c, 1), 1);
      // Replaces the running callback, whose captures must stay valid until
      // it returns (ASan would flag a use after free below otherwise).
      loop->WatchFd(fds[0], EventLoop::kReadable, [&](int) {
        char d;
        ASSERT_EQ(read(fds[0], &d, 1), 1);
        EXPECT_EQ(d, 'b');
        loop->UnwatchFd(fds[0]);
        second_callback.Notify();
      });
      EXPECT_EQ(c, 'a');
      EXPECT_EQ(state, std::string(64, 'x'));
    });
  });
  ASSERT_TRUE(second_callback.WaitForNotificationWithTimeout(kWait));
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoopTest, DestructorDropsPendingWork) {
  auto loop = MakeLoop();
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> weak = token;
  std::atomic<bool> ran{false};
  loop->RunAfter(absl::Hours(1), [token, &ran] { ran = true; });
  token.reset();
  EXPECT_FALSE(weak.expired());
  loop.reset();
  EXPECT_TRUE(weak.expired());
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace llmgw::http
