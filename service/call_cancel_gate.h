#ifndef LLMGW_SERVICE_CALL_CANCEL_GATE_H_
#define LLMGW_SERVICE_CALL_CANCEL_GATE_H_

#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "dispatch/generate_call.h"

namespace llmgw {

// The cancel/start handshake every call reactor needs: gRPC's OnCancel (a
// gRPC thread) may arrive before the GenerateCall exists, while it starts,
// or after. Whichever comes second cancels the call, exactly as the caller
// asked (by deadline or not).
class CallCancelGate {
 public:
  // From the reactor's OnCancel.
  void Cancel(bool by_deadline) {
    std::shared_ptr<GenerateCall> call;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      call = call_;
    }
    if (call) call->Cancel(by_deadline);
  }

  // Lets go of the call once it is settled (later cancels are no-ops), so
  // the reactor no longer keeps it alive.
  void Forget() {
    std::shared_ptr<GenerateCall> call;  // released after the lock
    absl::MutexLock lock(&mu_);
    call.swap(call_);
  }

  // Binds and starts `call`; cancels it at once if the caller has already
  // gone. The call's on_done may run, and delete the reactor that owns this
  // gate, before Start returns: nothing here touches a member after it.
  void Start(std::shared_ptr<GenerateCall> call, bool by_deadline) {
    bool cancelled;
    {
      absl::MutexLock lock(&mu_);
      call_ = call;
      cancelled = cancelled_;
    }
    call->Start();
    if (cancelled) call->Cancel(by_deadline);
  }

 private:
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<GenerateCall> call_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmgw

#endif  // LLMGW_SERVICE_CALL_CANCEL_GATE_H_
