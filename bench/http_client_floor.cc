// http_client_floor: the floor under the upstream half of the gateway's CPU
// per call. It drives the gateway's own http::HttpClient (libcurl multi on
// the http::EventLoop, the same options the providers use) against an
// upstream with N exchanges in flight and nothing else: no gRPC, no JSON, no
// ledger. Prints one JSON line with the exchanges done and this process's CPU
// per exchange (utime+stime / exchanges), which no gateway change can go
// below while it speaks HTTP/1.1 to the upstream through libcurl.
//
//   http_client_floor --url=http://127.0.0.1:PORT/v1/chat/completions
//                     [--concurrency=16] [--duration=3s] [--stream]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "http/event_loop.h"
#include "http/http_client.h"

ABSL_FLAG(std::string, url, "", "Upstream URL to POST to.");
ABSL_FLAG(int, concurrency, 16, "Exchanges kept in flight.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(3), "Measured duration.");
ABSL_FLAG(bool, stream, false,
          "Ask for an SSE reply (Accept: text/event-stream) and take the "
          "body through on_data, as a streamed call does.");

namespace {

using llmgw::http::HttpClient;
using llmgw::http::HttpHandlers;
using llmgw::http::HttpRequest;
using llmgw::http::HttpResult;

constexpr char kBody[] =
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello to the load generator please"}],"max_tokens":64})";

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec +
         u.ru_stime.tv_usec / 1e6;
}

struct Driver {
  HttpClient* client;
  std::string url;
  bool stream;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int> running{0};
  absl::Notification all_stopped;
  // Latencies of completed exchanges, in µs (loop thread only; read after
  // all_stopped). Bounded: at most kMaxSamples are kept.
  static constexpr size_t kMaxSamples = 1 << 20;
  std::vector<int64_t> latencies_us;

  void Next() {
    if (stopping.load()) {
      if (running.fetch_sub(1) == 1) all_stopped.Notify();
      return;
    }
    HttpRequest request;
    request.url = url;
    request.headers = {{"content-type", "application/json"},
                       {"authorization", "Bearer sk-floor"}};
    if (stream) request.headers.push_back({"accept", "text/event-stream"});
    request.body = kBody;
    HttpHandlers handlers;
    if (stream) handlers.on_data = [](absl::string_view) { return true; };
    const absl::Time started = absl::Now();
    handlers.on_complete = [this, started](HttpResult result) {
      if (latencies_us.size() < kMaxSamples) {
        latencies_us.push_back(
            absl::ToInt64Microseconds(absl::Now() - started));
      }
      if (result.error == llmgw::http::TransportError::kNone &&
          result.response.status_code == 200) {
        ok.fetch_add(1);
      } else {
        errors.fetch_add(1);
      }
      Next();
    };
    client->Send(std::move(request), std::move(handlers));
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto loop = llmgw::http::EventLoop::Create("floor-loop");
  if (!loop.ok()) {
    std::fprintf(stderr, "%s\n", loop.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<HttpClient> client = HttpClient::Create(loop->get());
  Driver driver{client.get(), absl::GetFlag(FLAGS_url),
                absl::GetFlag(FLAGS_stream)};
  const int n = absl::GetFlag(FLAGS_concurrency);
  driver.running = n;
  (*loop)->Post([&] {
    for (int i = 0; i < n; ++i) driver.Next();
  });
  absl::SleepFor(absl::Milliseconds(500));  // warm-up: connections open
  const int64_t ok0 = driver.ok.load();
  const double cpu0 = CpuSeconds();
  const absl::Time t0 = absl::Now();
  absl::SleepFor(absl::GetFlag(FLAGS_duration));
  const int64_t done = driver.ok.load() - ok0;
  const double cpu = CpuSeconds() - cpu0;
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  driver.stopping = true;
  driver.all_stopped.WaitForNotificationWithTimeout(absl::Seconds(10));
  // p50 over every exchange, warm-up included (the loop has stopped).
  std::vector<int64_t> latencies;
  absl::Notification swapped;
  (*loop)->Post([&] {
    latencies.swap(driver.latencies_us);
    swapped.Notify();
  });
  swapped.WaitForNotification();
  double p50_ms = 0;
  if (!latencies.empty()) {
    std::nth_element(latencies.begin(),
                     latencies.begin() + latencies.size() / 2, latencies.end());
    p50_ms = latencies[latencies.size() / 2] / 1000.0;
  }
  std::printf(
      "{\"mode\":\"%s\",\"concurrency\":%d,\"ok\":%lld,\"errors\":%lld,"
      "\"rps\":%.0f,\"p50_ms\":%.3f,\"cpu_us_per_call\":%.1f}\n",
      driver.stream ? "stream" : "unary", n, static_cast<long long>(done),
      static_cast<long long>(driver.errors.load()), done / secs, p50_ms,
      done > 0 ? cpu * 1e6 / done : 0.0);
  client.reset();
  return driver.errors.load() == 0 ? 0 : 1;
}
