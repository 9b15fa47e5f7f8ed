#ifndef LLMGW_TESTS_OBSERVE_PROMETHEUS_SERVER_H_
#define LLMGW_TESTS_OBSERVE_PROMETHEUS_SERVER_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace llmgw::testing {

// A real Prometheus server (apt `prometheus`, /usr/bin/prometheus) on a free
// loopback port, scraping one target every second, with its data in a
// scratch directory. Killed (and its directory removed) on destruction.
class PrometheusServer {
 public:
  PrometheusServer() = default;
  ~PrometheusServer();

  // Starts scraping http://127.0.0.1:<target_port>/metrics as job "llmgw",
  // evaluating the rules of `rule_file` (if any) every second, and waits
  // until the server is ready. FAILED_PRECONDITION naming
  // scripts/install-deps.sh when the binary is missing.
  absl::Status Start(int target_port, const std::string& rule_file = "");

  // Waits until the target has been scraped successfully `scrapes` times.
  absl::Status WaitForScrapes(int scrapes, absl::Duration timeout);

  // GET /api/v1/query?query=<expr>: the "data" member of a successful answer.
  absl::StatusOr<nlohmann::json> Query(const std::string& expr) const;

  int port() const { return port_; }
  // The server's log so far (for failure messages).
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

// Number of samples in a query result ("vector", "matrix", "scalar") and
// whether any of them is a finite non-zero number.
struct QueryVerdict {
  int samples = 0;
  bool any_nonzero = false;
};
QueryVerdict Judge(const nlohmann::json& data);

}  // namespace llmgw::testing

#endif  // LLMGW_TESTS_OBSERVE_PROMETHEUS_SERVER_H_
