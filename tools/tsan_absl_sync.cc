// ThreadSanitizer happens-before annotations for Debian's uninstrumented
// abseil (linked into every binary only under --config=tsan, through
// --custom_malloc; see docs/testing.md).
//
// libabsl_synchronization.so is not built with -fsanitize=thread, so TSan
// never sees an absl::Mutex being locked or a Notification being notified,
// and reports every access guarded by one as a race: tens of thousands of
// false reports in the project's own code. These definitions interpose the
// library's exported functions (an executable's symbols win over a shared
// library's), call the real ones through dlsym(RTLD_NEXT), and tell TSan
// about the synchronisation with __tsan_acquire / __tsan_release. Real races
// in the project's code (data touched without the mutex) are still reported.
//
// The mangled names are abseil 20220623 as packaged by Debian 12 (inline
// namespace "debian3"); a mismatch is caught at start-up (abort).
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "tools/tsan_supp_text.h"

// tools/tsan.supp, compiled in (TSan calls this at start; TSAN_OPTIONS
// suppressions= would need a path, and Bazel 4 cannot give the workspace's).
extern "C" const char* __tsan_default_suppressions() {
  return llmgw::kTsanSuppressions;
}

namespace {

// absl::Duration / absl::Time by value: 16 trivially copyable bytes, passed
// in two integer registers like this struct.
struct Dur {
  int64_t hi;
  uint32_t lo;
};

void* Real(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    std::fprintf(stderr, "tsan_absl_sync: %s not found\n", name);
    std::abort();
  }
  return f;
}

// A Condition is evaluated by abseil with the mutex held, but inside the
// library (by the waiter, or by another thread in Unlock), where TSan sees no
// acquire: a condition reading guarded state would be reported as racing
// with the writer's last locked section. Await/LockWhen* therefore pass
// abseil a Condition of their own that tells TSan about `mu` first and then
// evaluates the caller's (constructed and evaluated through the library's
// exported Condition(bool (*)(void*), void*) and Condition::Eval).
struct Guard {
  const void* cond;
  void* mu;
};

bool EvalHoldingMu(void* arg) {
  static const auto eval = reinterpret_cast<bool (*)(const void*)>(
      Real("_ZNK4absl7debian39Condition4EvalEv"));
  // The Guard lives on the waiter's stack and may be read by the thread
  // that unlocks; abseil publishes it, TSan must be told.
  __tsan_acquire(arg);
  auto* g = static_cast<Guard*>(arg);
  __tsan_acquire(g->mu);
  const bool r = eval(g->cond);
  // A false condition makes abseil release `mu` inside the library: what
  // the evaluation read happens before the next holder's writes.
  __tsan_release(g->mu);
  return r;
}

class Wrapped {
 public:
  Wrapped(void* mu, const void* cond) : guard_{cond, mu} {
    static const auto ctor =
        reinterpret_cast<void (*)(void*, bool (*)(void*), void*)>(
            Real("_ZN4absl7debian39ConditionC1EPFbPvES2_"));
    ctor(storage_, &EvalHoldingMu, &guard_);
    __tsan_release(&guard_);
  }
  Wrapped(const Wrapped&) = delete;
  const void* get() const { return storage_; }

 private:
  Guard guard_;
  // absl::Condition is 40 bytes in 20220623.
  alignas(16) unsigned char storage_[64];
};

}  // namespace

#define REAL(type, name) \
  static const auto real = reinterpret_cast<type>(Real(name))

extern "C" {

// Mutex::Lock / ReaderLock
void _ZN4absl7debian35Mutex4LockEv(void* mu) {
  REAL(void (*)(void*), "_ZN4absl7debian35Mutex4LockEv");
  real(mu);
  __tsan_acquire(mu);
}
void _ZN4absl7debian35Mutex10ReaderLockEv(void* mu) {
  REAL(void (*)(void*), "_ZN4absl7debian35Mutex10ReaderLockEv");
  real(mu);
  __tsan_acquire(mu);
}
// Mutex::Unlock / ReaderUnlock
void _ZN4absl7debian35Mutex6UnlockEv(void* mu) {
  REAL(void (*)(void*), "_ZN4absl7debian35Mutex6UnlockEv");
  __tsan_release(mu);
  real(mu);
}
void _ZN4absl7debian35Mutex12ReaderUnlockEv(void* mu) {
  REAL(void (*)(void*), "_ZN4absl7debian35Mutex12ReaderUnlockEv");
  __tsan_release(mu);
  real(mu);
}
// Mutex::TryLock / ReaderTryLock
bool _ZN4absl7debian35Mutex7TryLockEv(void* mu) {
  REAL(bool (*)(void*), "_ZN4absl7debian35Mutex7TryLockEv");
  const bool locked = real(mu);
  if (locked) __tsan_acquire(mu);
  return locked;
}
bool _ZN4absl7debian35Mutex13ReaderTryLockEv(void* mu) {
  REAL(bool (*)(void*), "_ZN4absl7debian35Mutex13ReaderTryLockEv");
  const bool locked = real(mu);
  if (locked) __tsan_acquire(mu);
  return locked;
}
// Mutex::LockWhen(const Condition&)
void _ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(void* mu,
                                                       const void* cond) {
  REAL(void (*)(void*, const void*),
       "_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  real(mu, Wrapped(mu, cond).get());
  __tsan_acquire(mu);
}
bool _ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    void* mu, const void* cond, Dur d) {
  REAL(bool (*)(void*, const void*, Dur),
       "_ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_"
       "9ConditionENS0_8DurationE");
  const bool r = real(mu, Wrapped(mu, cond).get(), d);
  __tsan_acquire(mu);  // held on return either way
  return r;
}
bool _ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    void* mu, const void* cond, Dur t) {
  REAL(bool (*)(void*, const void*, Dur),
       "_ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_"
       "9ConditionENS0_4TimeE");
  const bool r = real(mu, Wrapped(mu, cond).get(), t);
  __tsan_acquire(mu);
  return r;
}
// Mutex::Await*: releases and re-acquires the held mutex.
void _ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(void* mu,
                                                    const void* cond) {
  REAL(void (*)(void*, const void*),
       "_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  __tsan_release(mu);
  real(mu, Wrapped(mu, cond).get());
  __tsan_acquire(mu);
}
bool _ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    void* mu, const void* cond, Dur d) {
  REAL(bool (*)(void*, const void*, Dur),
       "_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_"
       "9ConditionENS0_8DurationE");
  __tsan_release(mu);
  const bool r = real(mu, Wrapped(mu, cond).get(), d);
  __tsan_acquire(mu);
  return r;
}
bool _ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    void* mu, const void* cond, Dur t) {
  REAL(bool (*)(void*, const void*, Dur),
       "_ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_"
       "9ConditionENS0_4TimeE");
  __tsan_release(mu);
  const bool r = real(mu, Wrapped(mu, cond).get(), t);
  __tsan_acquire(mu);
  return r;
}
// CondVar::Wait*(Mutex*): releases and re-acquires `mu`.
void _ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(void* cv, void* mu) {
  REAL(void (*)(void*, void*), "_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  real(cv, mu);
  __tsan_acquire(mu);
}
bool _ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(
    void* cv, void* mu, Dur d) {
  REAL(bool (*)(void*, void*, Dur),
       "_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  const bool r = real(cv, mu, d);
  __tsan_acquire(mu);
  return r;
}
bool _ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(void* cv,
                                                                       void* mu,
                                                                       Dur t) {
  REAL(bool (*)(void*, void*, Dur),
       "_ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool r = real(cv, mu, t);
  __tsan_acquire(mu);
  return r;
}
// Notification: Notify happens before a wait that sees it.
void _ZN4absl7debian312Notification6NotifyEv(void* n) {
  REAL(void (*)(void*), "_ZN4absl7debian312Notification6NotifyEv");
  __tsan_release(n);
  real(n);
}
void _ZNK4absl7debian312Notification19WaitForNotificationEv(const void* n) {
  REAL(void (*)(const void*),
       "_ZNK4absl7debian312Notification19WaitForNotificationEv");
  real(n);
  __tsan_acquire(const_cast<void*>(n));
}
bool _ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
    const void* n, Dur d) {
  REAL(bool (*)(const void*, Dur),
       "_ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_"
       "8DurationE");
  const bool r = real(n, d);
  if (r) __tsan_acquire(const_cast<void*>(n));
  return r;
}
bool _ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(
    const void* n, Dur t) {
  REAL(bool (*)(const void*, Dur),
       "_ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_"
       "4TimeE");
  const bool r = real(n, t);
  if (r) __tsan_acquire(const_cast<void*>(n));
  return r;
}

}  // extern "C"
