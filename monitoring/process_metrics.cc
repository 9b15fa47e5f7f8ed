#include "monitoring/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace llmgw {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily One(const char* name, const char* help, MetricType type,
                 double value, std::vector<ClientMetric::Label> labels = {}) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

// Fields of /proc/self/stat after the command name (field 3 is index 0).
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 > line.size()) return {};
  return absl::StrSplit(line.substr(paren + 2), ' ', absl::SkipEmpty());
}

double BootTime() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

int OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  int n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the directory stream itself
}

class ProcessCollector : public prometheus::Collectable {
 public:
  explicit ProcessCollector(std::string version)
      : version_(std::move(version)),
        ticks_(static_cast<double>(sysconf(_SC_CLK_TCK))),
        page_(static_cast<double>(sysconf(_SC_PAGESIZE))),
        boot_time_(BootTime()) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    const std::vector<std::string> f = StatFields();
    // utime 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24
    // (1-based); index = field - 3.
    if (f.size() > 21) {
      const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks_;
      out.push_back(One("process_cpu_seconds_total",
                        "Total user and system CPU time spent in seconds.",
                        MetricType::Counter, cpu));
      out.push_back(One("process_resident_memory_bytes",
                        "Resident memory size in bytes.", MetricType::Gauge,
                        std::stod(f[21]) * page_));
      out.push_back(One("process_virtual_memory_bytes",
                        "Virtual memory size in bytes.", MetricType::Gauge,
                        std::stod(f[20])));
      out.push_back(One("process_start_time_seconds",
                        "Start time of the process since unix epoch in "
                        "seconds.",
                        MetricType::Gauge,
                        boot_time_ + std::stod(f[19]) / ticks_));
      out.push_back(One("llmgw_process_threads", "Threads of the process.",
                        MetricType::Gauge, std::stod(f[17])));
    }
    out.push_back(One("process_open_fds", "Number of open file descriptors.",
                      MetricType::Gauge, OpenFds()));
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      out.push_back(
          One("process_max_fds", "Maximum number of open file descriptors.",
              MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
    }
    out.push_back(One("llmgw_build_info",
                      "The gateway's version and compiler; always 1.",
                      MetricType::Gauge, 1,
                      {{"compiler", kCompiler}, {"version", version_}}));
    return out;
  }

 private:
#if defined(__clang__)
  static constexpr char kCompiler[] = "clang-" __clang_version__;
#elif defined(__GNUC__)
  static constexpr char kCompiler[] = "gcc-" __VERSION__;
#else
  static constexpr char kCompiler[] = "unknown";
#endif
  const std::string version_;
  const double ticks_;
  const double page_;
  const double boot_time_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> NewProcessCollector(
    const std::string& version) {
  return std::make_shared<ProcessCollector>(version);
}

}  // namespace llmgw
