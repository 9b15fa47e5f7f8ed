#include "service/grpc_callback_threads.h"

#include <dirent.h>
#include <grpc/support/cpu.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

#include "absl/base/const_init.h"
#include "absl/strings/str_cat.h"

namespace llmgw {

namespace {

// gRPC 1.51's name for its callback threads (CallbackAlternativeCQ).
constexpr char kPoolThreadName[] = "nexting_thread";
// No server implements it: the server answers UNIMPLEMENTED at once, and
// the call's completion runs on the callback pool like any other.
constexpr char kHoldMethod[] = "/llmgw.internal.CallbackThreadHold/Hold";

// Threads held by every hold in the process: the pool is process-wide.
ABSL_CONST_INIT absl::Mutex g_process_mu(absl::kConstInit);
int g_process_held ABSL_GUARDED_BY(g_process_mu) = 0;

bool OnPoolThread() {
  char name[16] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) {
    return false;
  }
  return std::strcmp(name, kPoolThreadName) == 0;
}

// The size gRPC 1.51 gives the pool: half the cores, clamped to [2, 16].
int ExpectedPoolThreads() {
  return std::clamp<int>(static_cast<int>(gpr_cpu_num_cores()) / 2, 2, 16);
}

}  // namespace

struct GrpcCallbackThreadHold::PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

int GrpcCallbackThreadHold::CountPoolThreads() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return 0;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(
        absl::StrCat("/proc/self/task/", entry->d_name, "/comm"));
    std::string name;
    if (std::getline(comm, name) && name == kPoolThreadName) ++count;
  }
  closedir(dir);
  return count;
}

std::unique_ptr<GrpcCallbackThreadHold> GrpcCallbackThreadHold::Start(
    grpc::Server* server, int serving, absl::Duration timeout) {
  std::unique_ptr<GrpcCallbackThreadHold> hold(new GrpcCallbackThreadHold());
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock process_lock(&g_process_mu);
  // The pool's threads name themselves once running: give them a moment.
  const int expected = ExpectedPoolThreads();
  int pool = CountPoolThreads();
  for (int i = 0; i < 100 && pool < expected && absl::Now() < deadline; ++i) {
    absl::SleepFor(absl::Milliseconds(2));
    pool = CountPoolThreads();
  }
  hold->pool_threads_ = pool;
  if (serving <= 0) {
    hold->not_held_reason_ = "every thread of gRPC's pool serves (asked: 0)";
    return hold;
  }
  if (pool == 0) {
    hold->not_held_reason_ = absl::StrCat(
        "no thread named ", kPoolThreadName,
        ": this gRPC runs callbacks on threads of its own choosing");
    return hold;
  }
  const int to_hold = std::max(0, pool - serving - g_process_held);
  if (to_hold == 0) {
    hold->not_held_reason_ =
        g_process_held > 0
            ? "another server in this process already holds the surplus"
            : "the pool has no more threads than asked to serve";
    return hold;
  }
  hold->channel_ = server->InProcessChannel(grpc::ChannelArguments());
  hold->stub_ = std::make_unique<grpc::GenericStub>(hold->channel_);
  GrpcCallbackThreadHold* self = hold.get();
  for (int i = 0; i < to_hold; ++i) {
    auto call = std::make_unique<PendingCall>();
    grpc::Slice empty;
    call->request = grpc::ByteBuffer(&empty, 1);  // an empty message
    call->context.set_deadline(absl::ToChronoTime(deadline));
    hold->stub_->UnaryCall(&call->context, kHoldMethod, grpc::StubOptions(),
                           &call->request, &call->response,
                           [self](grpc::Status) { self->OnCallDone(); });
    hold->calls_.push_back(std::move(call));
    // One at a time: a held thread cannot complete the next call, so each
    // call's completion lands on a thread not yet held.
    absl::MutexLock lock(&hold->mu_);
    const int want = i + 1;
    auto done = [h = hold.get(), want]() { return h->completed_ >= want; };
    if (!hold->mu_.AwaitWithDeadline(absl::Condition(&done), deadline)) {
      break;
    }
  }
  {
    absl::MutexLock lock(&hold->mu_);
    // Completions from now on (a call that outlived the wait) hold nothing.
    hold->accepting_ = false;
    g_process_held += hold->holding_;
    if (hold->holding_ < to_hold) {
      hold->not_held_reason_ =
          hold->completed_ < to_hold
              ? absl::StrCat("only ", hold->completed_, " of ", to_hold,
                             " calls completed within ",
                             absl::FormatDuration(timeout))
              : "completions ran on threads outside gRPC's pool";
    }
  }
  return hold;
}

void GrpcCallbackThreadHold::OnCallDone() {
  absl::MutexLock lock(&mu_);
  ++completed_;
  if (!accepting_ || released_ || !OnPoolThread()) return;
  held_ids_.push_back(gettid());
  ++holding_;
  mu_.Await(absl::Condition(&released_));
  --holding_;
}

void GrpcCallbackThreadHold::Release() {
  int released = 0;
  {
    absl::MutexLock lock(&mu_);
    if (released_) return;
    released_ = true;
    released = static_cast<int>(held_ids_.size());
    auto all_back = [this]() { return holding_ == 0; };
    mu_.AwaitWithTimeout(absl::Condition(&all_back), absl::Seconds(5));
  }
  absl::MutexLock process_lock(&g_process_mu);
  g_process_held -= released;
}

GrpcCallbackThreadHold::~GrpcCallbackThreadHold() {
  Release();
  // A call that outlived Start's wait ends by its deadline; its context and
  // buffers must outlive its completion.
  bool all_done = false;
  {
    absl::MutexLock lock(&mu_);
    const int issued = static_cast<int>(calls_.size());
    auto done = [this, issued]() { return completed_ >= issued; };
    all_done = mu_.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(5));
  }
  if (!all_done) {
    // Leaked rather than freed under a call gRPC may still complete.
    for (auto& call : calls_) call.release();
    new std::shared_ptr<grpc::Channel>(std::move(channel_));
    stub_.release();
    return;
  }
  calls_.clear();
  stub_.reset();
  channel_.reset();
}

int GrpcCallbackThreadHold::held() const {
  absl::MutexLock lock(&mu_);
  return released_ ? 0 : holding_;
}

std::vector<pid_t> GrpcCallbackThreadHold::held_thread_ids() const {
  absl::MutexLock lock(&mu_);
  return held_ids_;
}

}  // namespace llmgw
