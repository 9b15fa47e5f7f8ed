// Runs a FakeUpstream until SIGINT or SIGTERM, for driving a gateway in
// another process (control it through the /__fake/* endpoints).
//
//   fake_upstream [--host=127.0.0.1] [--port=0] [--formats=openai,...]
//
// On start it prints one JSON line to stdout and flushes it:
//   {"fake_upstream":{"port":N,"base_url":"http://127.0.0.1:N/v1",
//                     "formats":{"openai":"http://127.0.0.1:N/v1"}}}
// "base_url" is the OpenAI base URL; "formats" has every served format's.

#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/fake_upstream.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(int, port, 0, "Port to listen on; 0 picks a free one.");
ABSL_FLAG(std::string, formats, "",
          "Comma-separated wire formats to serve; empty = all linked.");
ABSL_FLAG(int64_t, max_recorded_requests, 100000,
          "Recorded requests kept in memory (oldest dropped first).");
ABSL_FLAG(int, max_threads, 1024,
          "Connections served at once (a thread each); beyond that they "
          "queue. Benchmarks of many slow calls in flight raise it.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);

  // Block the stop signals before any thread starts, so that only sigwait()
  // below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  llmgw::fake_upstream::FakeUpstreamOptions options;
  const std::string formats = absl::GetFlag(FLAGS_formats);
  if (!formats.empty()) {
    options.formats = absl::StrSplit(formats, ',', absl::SkipEmpty());
  }
  options.max_recorded_requests = static_cast<size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_max_recorded_requests)));
  options.max_threads = std::max(1, absl::GetFlag(FLAGS_max_threads));
  llmgw::fake_upstream::FakeUpstream fake(options);
  absl::Status status =
      fake.Start(absl::GetFlag(FLAGS_host), absl::GetFlag(FLAGS_port));
  if (!status.ok()) {
    std::cerr << "fake_upstream: " << status << std::endl;
    return 1;
  }

  nlohmann::ordered_json by_format = nlohmann::ordered_json::object();
  for (const std::string& name : fake.formats()) {
    by_format[name] = fake.base_url(name);
  }
  nlohmann::ordered_json line = {{"fake_upstream",
                                  {{"port", fake.port()},
                                   {"base_url", fake.base_url("openai")},
                                   {"formats", std::move(by_format)}}}};
  std::cout << line.dump() << std::endl;  // endl flushes.

  int sig = 0;
  sigwait(&stop_signals, &sig);
  fake.Stop();
  return 0;
}
