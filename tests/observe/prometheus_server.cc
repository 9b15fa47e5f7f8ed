#include "tests/observe/prometheus_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace llmgw::testing {
namespace {

constexpr char kPrometheus[] = "/usr/bin/prometheus";

// A port that was free a moment ago (Prometheus cannot report the port it
// bound for :0).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

absl::Status PrometheusServer::Start(int target_port,
                                     const std::string& rule_file) {
  if (access(kPrometheus, X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        kPrometheus,
        " not found: run scripts/install-deps.sh (apt prometheus)"));
  }
  const char* tmp = std::getenv("TEST_TMPDIR");
  dir_ = absl::StrCat(tmp ? tmp : "/tmp", "/prometheus-", getpid());
  std::filesystem::create_directories(dir_ + "/data");
  {
    std::ofstream config(dir_ + "/prometheus.yml");
    config << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n";
    if (!rule_file.empty()) config << "rule_files: ['" << rule_file << "']\n";
    config << "scrape_configs:\n  - job_name: llmgw\n"
           << "    static_configs:\n      - targets: ['127.0.0.1:"
           << target_port << "']\n";
  }
  port_ = FreePort();
  if (port_ == 0) return absl::InternalError("no free port");
  const std::string log = dir_ + "/prometheus.log";
  pid_ = fork();
  if (pid_ < 0) return absl::InternalError("fork failed");
  if (pid_ == 0) {
    FILE* out = freopen(log.c_str(), "w", stdout);
    (void)out;
    dup2(fileno(stdout), STDERR_FILENO);
    const std::string config_flag =
        absl::StrCat("--config.file=", dir_, "/prometheus.yml");
    const std::string data_flag =
        absl::StrCat("--storage.tsdb.path=", dir_, "/data");
    const std::string listen_flag =
        absl::StrCat("--web.listen-address=127.0.0.1:", port_);
    execl(kPrometheus, kPrometheus, config_flag.c_str(), data_flag.c_str(),
          listen_flag.c_str(), "--log.level=warn", nullptr);
    _exit(127);
  }
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (absl::Now() < until) {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(1, 0);
    auto res = client.Get("/-/ready");
    if (res && res->status == 200) return absl::OkStatus();
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(
          absl::StrCat("prometheus exited at start: ", Log()));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("prometheus not ready after 20s: ", Log()));
}

absl::Status PrometheusServer::WaitForScrapes(int scrapes,
                                              absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    absl::StatusOr<nlohmann::json> data =
        Query("sum_over_time(up{job=\"llmgw\"}[5m])");
    if (data.ok() && !(*data)["result"].empty()) {
      const double n =
          std::stod((*data)["result"][0]["value"][1].get<std::string>());
      if (n >= scrapes) return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("fewer than ", scrapes, " successful scrapes: ", Log()));
}

absl::StatusOr<nlohmann::json> PrometheusServer::Query(
    const std::string& expr) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  auto res = client.Get("/api/v1/query", httplib::Params{{"query", expr}},
                        httplib::Headers{});
  if (!res) return absl::UnavailableError("prometheus did not answer");
  nlohmann::json body = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200 || body.is_discarded() ||
      body.value("status", "") != "success") {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP ", res->status, ": ", res->body));
  }
  return body["data"];
}

std::string PrometheusServer::Log() const {
  std::ifstream in(dir_ + "/prometheus.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

QueryVerdict Judge(const nlohmann::json& data) {
  QueryVerdict v;
  auto judge_value = [&v](const nlohmann::json& pair) {
    ++v.samples;
    const double x = std::strtod(pair[1].get<std::string>().c_str(), nullptr);
    if (std::isfinite(x) && x != 0) v.any_nonzero = true;
  };
  const std::string type = data.value("resultType", "");
  if (type == "scalar") {
    judge_value(data["result"]);
  } else if (type == "vector") {
    for (const auto& s : data["result"]) judge_value(s["value"]);
  } else if (type == "matrix") {
    for (const auto& s : data["result"]) {
      for (const auto& p : s["values"]) judge_value(p);
    }
  }
  return v;
}

}  // namespace llmgw::testing
