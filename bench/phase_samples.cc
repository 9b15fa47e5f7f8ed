#include "bench/phase_samples.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace llmgw::bench {

void PhaseSamples::Add(const CallStamps& call) {
  absl::MutexLock lock(&mu_);
  if (calls_.size() >= kMaxCalls) {
    ++dropped_;
    return;
  }
  calls_.push_back(call);
}

std::string PhaseSamples::ReportAndReset() {
  std::vector<CallStamps> calls;
  int64_t dropped = 0;
  {
    absl::MutexLock lock(&mu_);
    calls.swap(calls_);
    std::swap(dropped, dropped_);
  }
  using Stamp = int64_t CallStamps::*;
  struct Phase {
    const char* name;
    Stamp from;
    Stamp to;
  };
  constexpr Phase kPhases[] = {
      {"queued", &CallStamps::arrival, &CallStamps::loop},
      {"dispatch", &CallStamps::loop, &CallStamps::sent},
      {"upstream", &CallStamps::sent, &CallStamps::answered},
      {"commit", &CallStamps::answered, &CallStamps::committed},
      {"reply", &CallStamps::committed, &CallStamps::replied},
  };
  std::string out = absl::StrCat("{\"calls\":", calls.size(),
                                 ",\"dropped\":", dropped, ",\"phases\":{");
  std::vector<int64_t> ns;
  bool first = true;
  for (const Phase& phase : kPhases) {
    ns.clear();
    for (const CallStamps& c : calls) {
      if (c.*phase.from != 0 && c.*phase.to != 0) {
        ns.push_back(c.*phase.to - c.*phase.from);
      }
    }
    if (ns.empty()) continue;
    std::sort(ns.begin(), ns.end());
    absl::StrAppendFormat(&out, "%s\"%s\":{\"p50_us\":%.1f,\"p90_us\":%.1f}",
                          first ? "" : ",", phase.name, ns[ns.size() / 2] / 1e3,
                          ns[ns.size() * 9 / 10] / 1e3);
    first = false;
  }
  out += "}}";
  return out;
}

}  // namespace llmgw::bench
