#ifndef LLMGW_SERVICE_GRPC_CALLBACK_THREADS_H_
#define LLMGW_SERVICE_GRPC_CALLBACK_THREADS_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace llmgw {

// gRPC 1.51 (Debian 12) runs every callback-API reactor, on the server and
// on callback clients alike, on one process-wide pool of threads named
// "nexting_thread": half the cores, at least 2 and at most 16. They take
// turns polling: each time the polling thread gets an event it wakes another
// to poll in its place, before running the event's callbacks. So every
// request and every reply costs a futex wake and a context switch between
// those threads, even when one thread would keep up.
//
// The gateway's own work runs on its event loop and its ledger writer; its
// gRPC callbacks are short and never block. One callback thread keeps up
// with one event loop (docs/benchmarks.md, "Issue 14, twelfth pass": on 2
// cores, 2.5 context switches per call on gRPC's threads became 1, and the
// CPU per call fell by about a fifth).
//
// GrpcCallbackThreadHold takes the surplus threads out of the turn-taking:
// it makes calls to `server` over an in-process channel whose completions
// run on the pool, and in each completion waits on a condition until
// Release(). A thread waiting there takes no turn at polling. It holds at
// most (pool size - `serving`) threads, counting holds by every server in
// the process (the pool is shared), and only threads named
// "nexting_thread": with a gRPC that runs callbacks elsewhere it holds
// nothing and says why. The threads go back to the pool on Release(), which
// GatewayServer::Shutdown calls before draining.
class GrpcCallbackThreadHold {
 public:
  // Holds threads until Release() or destruction. `serving` <= 0 holds
  // none. Waits up to `timeout` for the holds to take; never fails: see
  // held() and not_held_reason().
  static std::unique_ptr<GrpcCallbackThreadHold> Start(
      grpc::Server* server, int serving,
      absl::Duration timeout = absl::Seconds(2));
  ~GrpcCallbackThreadHold();

  GrpcCallbackThreadHold(const GrpcCallbackThreadHold&) = delete;
  GrpcCallbackThreadHold& operator=(const GrpcCallbackThreadHold&) = delete;

  // Lets every held thread return to the pool and waits (bounded) until
  // they have. Idempotent.
  void Release();

  // The pool's size when the hold started ("nexting_thread"s in the
  // process), threads this hold keeps out of it, and their thread ids.
  int pool_threads() const { return pool_threads_; }
  int held() const;
  std::vector<pid_t> held_thread_ids() const;
  // Why fewer threads than asked for are held; empty when all were.
  const std::string& not_held_reason() const { return not_held_reason_; }

  // Threads in this process whose name is "nexting_thread".
  static int CountPoolThreads();

 private:
  struct PendingCall;

  GrpcCallbackThreadHold() = default;
  // Runs on whichever thread completes a call.
  void OnCallDone();

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::vector<std::unique_ptr<PendingCall>> calls_;
  int pool_threads_ = 0;
  std::string not_held_reason_;

  mutable absl::Mutex mu_;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  // False once Start returns: a late completion holds nothing.
  bool accepting_ ABSL_GUARDED_BY(mu_) = true;
  // Completions seen, threads held now, threads held ever.
  int completed_ ABSL_GUARDED_BY(mu_) = 0;
  int holding_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<pid_t> held_ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmgw

#endif  // LLMGW_SERVICE_GRPC_CALLBACK_THREADS_H_
