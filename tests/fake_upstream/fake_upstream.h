// FakeUpstream: a real HTTP/1.1 server on loopback that speaks LLM provider
// wire formats (OpenAI chat completions, ...) for the gateway's tests and
// benchmarks, with switches to misbehave.
//
//   FakeUpstream fake;
//   ASSERT_TRUE(fake.Start().ok());
//   fake.Enqueue(Behavior::HttpError(429));   // next chat call: 429
//   fake.Enqueue(Behavior::Ok());             // the retry: normal answer
//   ... point the gateway at fake.base_url() ("http://127.0.0.1:N/v1") ...
//   EXPECT_TRUE(fake.WaitForRequests(2, absl::Seconds(5)));
//   EXPECT_EQ(fake.Requests()[1].Header("authorization"), "Bearer sk-test");
//
// Deterministic answers: the reply text is "Echo: " + the last user
// message's text; usage.prompt_tokens is the number of whitespace-separated
// words across all message contents and usage.completion_tokens the number
// of words in the reply. A max-tokens limit below the reply's word count
// truncates the reply to that many words (finish reason "length" in OpenAI
// terms). Streams send the reply word by word, each word keeping the
// whitespace that follows it, so the deltas concatenate to the full text:
//   "Echo: hi there" -> "Echo: ", "hi ", "there".
//
// Scripting: every generation (chat) request takes the front Behavior of a
// FIFO queue (see behavior.h), or the default behaviour when the queue is
// empty. Other routes (model lists, control endpoints) never consume it.
//
// Recording: every request except the control endpoints is recorded
// (method, path, raw query, lower-cased headers, body, arrival time, and the
// behaviour kind it got). Nothing is ever compressed: Accept-Encoding is
// recorded but ignored.
//
// Control over HTTP, for a gateway or test driver in another process (these
// paths are never recorded and never consume behaviours):
//   POST /__fake/behaviors  body: a Behavior JSON object or an array of them;
//                           appended to the queue. -> {"queued": <size>}
//   GET  /__fake/behaviors  -> {"default": {...}, "queue": [{...}, ...]}
//   POST /__fake/default    body: a Behavior object. -> {"ok": true}
//   POST /__fake/reset      clears queue, recordings and counters and
//                           restores the default behaviour. -> {"ok": true}
//   GET  /__fake/requests   -> [{"seq": 1, "method": "POST",
//                                "path": "/v1/chat/completions",
//                                "query": "", "headers": {"name": "value"},
//                                "body": "...", "arrival_unix_micros": 1.7e15,
//                                "behavior": "ok"}, ...]
//                           (repeated header names are joined with ", ").
//   GET  /__fake/stats      -> {"requests": N, "disconnects": N,
//                               "queued_behaviors": N}
// Bad control input gets 400 {"error": "<message>"}.
//
// Unknown paths are recorded and get 404 with an OpenAI-style body
// {"error": {"message": "Invalid URL (POST /x)", ...}}.
//
// Threading: all methods are thread-safe. Requests are served concurrently,
// one worker thread per open connection (created on demand).
//
// Wire formats plug in through wire_format.h; every format linked into the
// binary is served unless FakeUpstreamOptions::formats narrows the set.

#ifndef LLMGW_TESTS_FAKE_UPSTREAM_FAKE_UPSTREAM_H_
#define LLMGW_TESTS_FAKE_UPSTREAM_FAKE_UPSTREAM_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/behavior.h"

namespace httplib {
struct Request;
}  // namespace httplib

namespace llmgw::fake_upstream {

namespace internal {
class RoutingServer;
class SocketServer;
}  // namespace internal

class Exchange;
class Routes;
class WireFormat;

// One request as the fake received it.
struct RecordedRequest {
  // 1, 2, ... in arrival order; unique for the server's lifetime (Reset()
  // does not restart it).
  int64_t seq = 0;
  std::string method;
  // Decoded path, e.g. "/v1/chat/completions".
  std::string path;
  // Raw query string without the '?', e.g. "alt=sse&key=k".
  std::string query;
  // Names lower-cased, sorted by name, values as sent.
  HeaderList headers;
  std::string body;
  // When the request headers had been read.
  absl::Time arrival;
  // KindName() of the behaviour applied; empty for routes that run none.
  std::string behavior;

  // First value of header `name` (any case), if present.
  std::optional<std::string> Header(absl::string_view name) const;
  // The body parsed as JSON (a discarded value if it is not JSON).
  nlohmann::json JsonBody() const;
  nlohmann::json ToJson() const;
};

struct FakeUpstreamOptions {
  // false: like a local Ollama/vLLM/TGI server, accept requests that carry no
  // API key (a key that is sent is still checked).
  bool require_api_key = true;
  // Wire formats to serve, by registered name ("openai", ...); empty = all
  // formats linked into the binary. Start() fails on an unknown name.
  std::vector<std::string> formats;
  // Recordings kept (oldest dropped first); RequestCount() still counts all.
  size_t max_recorded_requests = 100000;
  // Worker threads are created per open connection up to this many; later
  // connections wait for a free worker.
  int max_threads = 1024;
  // Idle keep-alive connections are closed after this.
  absl::Duration keep_alive_timeout = absl::Seconds(60);
  // Longest wait for request bytes, and for the client to accept response
  // bytes, before the connection is dropped.
  absl::Duration io_timeout = absl::Seconds(10);
};

struct FakeUpstreamStats {
  int64_t requests = 0;
  int64_t disconnects = 0;
  int64_t queued_behaviors = 0;
};

class FakeUpstream {
 public:
  using Options = FakeUpstreamOptions;

  FakeUpstream();
  explicit FakeUpstream(Options options);
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;
  // Stops the server.
  ~FakeUpstream();

  // Binds host:port (port 0 = a free port) and serves on background
  // threads. Once per object.
  absl::Status Start(const std::string& host = "127.0.0.1", int port = 0);
  // Stops accepting, ends every connection (including hanging, trickling
  // and idle keep-alive ones) and joins all threads. Returns promptly;
  // idempotent.
  void Stop();

  const Options& options() const { return options_; }

  // The bound port (0 before Start()).
  int port() const;
  // "http://127.0.0.1:<port>" (brackets for IPv6; a wildcard host becomes
  // loopback).
  std::string url() const;
  // url() + the base path of `format`, e.g. "http://127.0.0.1:N/v1" for
  // "openai"; url() if that format is not served.
  std::string base_url(absl::string_view format = "openai") const;
  // Names of the formats being served.
  std::vector<std::string> formats() const;

  // Behaviour script.
  void Enqueue(Behavior behavior);
  void Enqueue(std::vector<Behavior> behaviors);
  void SetDefault(Behavior behavior);
  Behavior default_behavior() const;
  std::vector<Behavior> QueuedBehaviors() const;
  // Clears queue, recordings and counters; restores the default (kOk).
  void Reset();

  // Recordings.
  std::vector<RecordedRequest> Requests() const;
  std::optional<RecordedRequest> LastRequest() const;
  int64_t RequestCount() const;
  // True once RequestCount() >= n; false on timeout.
  bool WaitForRequests(int64_t n, absl::Duration timeout) const;
  // Responses the client abandoned before their end: a failed write while
  // streaming or trickling, or the client closing while the fake hangs,
  // stalls or delays.
  int64_t Disconnects() const;
  bool WaitForDisconnects(int64_t n, absl::Duration timeout) const;
  FakeUpstreamStats Stats() const;

 private:
  friend class Exchange;
  friend class Routes;
  struct Format;

  void RegisterControlRoutes();
  void RegisterFallbackRoutes();
  // Records `req` and returns its seq.
  int64_t Record(const httplib::Request& req);
  void NoteBehavior(int64_t seq, Behavior::Kind kind);
  // Takes the behaviour for a generation request carrying `api_key`.
  Behavior TakeBehavior(absl::string_view api_key,
                        absl::string_view authorization);
  void CountDisconnect();

  const Options options_;
  std::unique_ptr<internal::RoutingServer> routes_;
  std::unique_ptr<internal::SocketServer> sockets_;
  std::vector<std::unique_ptr<Format>> formats_;
  std::string host_;

  // std::mutex rather than absl::Mutex: Debian's absl is not instrumented,
  // and tests linking the fake must stay clean under --config=tsan.
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::deque<Behavior> queue_ ABSL_GUARDED_BY(mu_);
  Behavior default_ ABSL_GUARDED_BY(mu_);
  std::deque<RecordedRequest> records_ ABSL_GUARDED_BY(mu_);
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t request_count_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t disconnects_ ABSL_GUARDED_BY(mu_) = 0;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace llmgw::fake_upstream

#endif  // LLMGW_TESTS_FAKE_UPSTREAM_FAKE_UPSTREAM_H_
