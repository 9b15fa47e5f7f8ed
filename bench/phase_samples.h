#ifndef LLMGW_BENCH_PHASE_SAMPLES_H_
#define LLMGW_BENCH_PHASE_SAMPLES_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace llmgw::bench {

// The request-path floor's counterpart of the gateway's
// llmgw_call_phase_seconds: when each call reached each point of the path,
// turned into the gateway's phases and reported as quantiles on request, so
// bench/compare can set the floor's phases beside the gateway's.
//
// Thread-safe. Keeps at most kMaxCalls calls between reports (later ones
// are counted as dropped), so memory stays bounded under any load.
class PhaseSamples {
 public:
  static constexpr size_t kMaxCalls = 200'000;

  // absl::GetCurrentTimeNanos() at each point of one call (0: not reached).
  struct CallStamps {
    int64_t arrival = 0;    // the gRPC handler ran
    int64_t loop = 0;       // the event loop took the call
    int64_t sent = 0;       // the upstream request was handed to libcurl
    int64_t answered = 0;   // the upstream reply was complete
    int64_t committed = 0;  // the commit was recorded (the answer starts)
    int64_t replied = 0;    // Finish returned
  };

  void Add(const CallStamps& call);

  // One JSON line: {"calls":N,"dropped":D,"phases":{"queued":{"p50_us":..,
  // "p90_us":..},...}} over the calls since the last report, then forgets
  // them. Phases as the gateway names them: queued, dispatch, upstream,
  // commit, reply (the floor has no settle work).
  std::string ReportAndReset();

 private:
  absl::Mutex mu_;
  std::vector<CallStamps> calls_ ABSL_GUARDED_BY(mu_);
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace llmgw::bench

#endif  // LLMGW_BENCH_PHASE_SAMPLES_H_
