#ifndef LLMGW_MONITORING_PROCESS_METRICS_H_
#define LLMGW_MONITORING_PROCESS_METRICS_H_

#include <memory>
#include <string>

namespace prometheus {
class Collectable;
}  // namespace prometheus

namespace llmgw {

// prometheus-cpp has no process collector: this one reads /proc/self at
// scrape time (nothing runs between scrapes) and reports the standard
// process metrics every Prometheus client library exports, plus the build:
//   process_cpu_seconds_total            user + system CPU
//   process_resident_memory_bytes, process_virtual_memory_bytes
//   process_open_fds, process_max_fds
//   process_start_time_seconds           Unix time
//   llmgw_process_threads
//   llmgw_build_info{version, compiler}  always 1
std::shared_ptr<prometheus::Collectable> NewProcessCollector(
    const std::string& version);

}  // namespace llmgw

#endif  // LLMGW_MONITORING_PROCESS_METRICS_H_
