// HttpClient: size and rate limits, concurrency, connection reuse,
// shutdown, malformed replies, error names.
#include <sys/resource.h>

#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "http/http_client.h"
#include "http/http_client_test_fixture.h"

namespace llmgw::http {
namespace {

using http_test::CannedServer;
using http_test::Collect;
using http_test::HttpClientTest;
using http_test::kWait;
using http_test::Outcome;
using http_test::RawSocket;

TEST_F(HttpClientTest, ResponseTooLarge) {
  server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(10000, 'b'), "text/plain");
  });
  server_.Get("/big-chunked",
              [](const httplib::Request&, httplib::Response& res) {
                res.set_chunked_content_provider(
                    "text/plain", [](size_t offset, httplib::DataSink& sink) {
                      std::string chunk(1000, 'c');
                      sink.write(chunk.data(), chunk.size());
                      if (offset + chunk.size() >= 10000) sink.done();
                      return true;
                    });
              });
  StartServer();
  MakeClient();

  // Declared by Content-Length: fails before any body is delivered.
  HttpRequest request = Get("/big");
  request.max_response_bytes = 1000;
  Outcome declared;
  client_->Send(request, Collect(&declared, loop_.get()));
  ASSERT_TRUE(declared.Wait());
  EXPECT_EQ(declared.result.error, TransportError::kResponseTooLarge);
  EXPECT_TRUE(declared.result.response.body.empty());

  // Exactly at the limit is fine.
  request.max_response_bytes = 10000;
  Outcome at_limit;
  client_->Send(request, Collect(&at_limit, loop_.get()));
  ASSERT_TRUE(at_limit.Wait());
  EXPECT_EQ(at_limit.result.error, TransportError::kNone);
  EXPECT_EQ(at_limit.result.response.body.size(), 10000u);

  // Chunked, streamed: counted as it arrives.
  request = Get("/big-chunked");
  request.max_response_bytes = 2500;
  Outcome streamed;
  client_->Send(request, Collect(&streamed, loop_.get(), /*stream=*/true));
  ASSERT_TRUE(streamed.Wait());
  EXPECT_EQ(streamed.result.error, TransportError::kResponseTooLarge);
  size_t delivered = 0;
  for (const std::string& chunk : streamed.chunks) delivered += chunk.size();
  EXPECT_LE(delivered, 2500u);

  // Chunked, accumulated.
  Outcome accumulated;
  client_->Send(request, Collect(&accumulated, loop_.get()));
  ASSERT_TRUE(accumulated.Wait());
  EXPECT_EQ(accumulated.result.error, TransportError::kResponseTooLarge);
  EXPECT_LE(accumulated.result.response.body.size(), 2500u);
}

TEST_F(HttpClientTest, ManyConcurrentRequestsOnOneLoop) {
  server_.Get("/id", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.get_param_value("i"), "text/plain");
  });
  StartServer();
  HttpClientOptions options;
  // cpp-httplib listens with a backlog of 5 and holds a thread per keep-alive
  // connection: more parallel connects would overflow the accept queue and
  // wait for a SYN retransmit (1 s). The client still has all 200 exchanges
  // in flight at once; curl queues them onto the 4 connections.
  options.max_connections_per_host = 4;
  MakeClient(options);
  constexpr int kRequests = 200;
  std::vector<Outcome> outcomes(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    client_->Send(Get(absl::StrCat("/id?i=", i)),
                  Collect(&outcomes[i], loop_.get()));
  }
  EXPECT_GT(client_->InFlight(), 0u);
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(outcomes[i].Wait()) << i;
    EXPECT_TRUE(outcomes[i].completed_on_loop_thread);
    EXPECT_EQ(outcomes[i].result.error, TransportError::kNone)
        << outcomes[i].result.error_message;
    EXPECT_EQ(outcomes[i].result.response.body, std::to_string(i));
  }
  EXPECT_EQ(client_->InFlight(), 0u);
}

TEST_F(HttpClientTest, ReusesConnectionAcrossSequentialRequests) {
  absl::Mutex mu;
  std::set<int> client_ports;
  server_.Get("/port",
              [&](const httplib::Request& req, httplib::Response& res) {
                absl::MutexLock lock(&mu);
                client_ports.insert(req.remote_port);
                res.set_content("ok", "text/plain");
              });
  StartServer();
  MakeClient();
  for (int i = 0; i < 5; ++i) {
    Outcome out;
    client_->Send(Get("/port"), Collect(&out, loop_.get()));
    ASSERT_TRUE(out.Wait());
    ASSERT_EQ(out.result.error, TransportError::kNone)
        << out.result.error_message;
  }
  absl::MutexLock lock(&mu);
  EXPECT_EQ(client_ports.size(), 1u);
}

// Calls that finish one at a time leave few transfers in progress; curl's
// own automatic cache size (4x those) then closed idle connections that the
// next wave reopened. The client keeps at least kMinAutoCachedConnections.
TEST_F(HttpClientTest, StaggeredCompletionsKeepConnectionsForTheNextWave) {
  constexpr int kWave = 6;  // below cpp-httplib's 8 server threads
  absl::Mutex mu;
  std::set<int> client_ports;
  int arrived = 0;
  server_.Get("/staggered",
              [&](const httplib::Request& req, httplib::Response& res) {
                int order;
                {
                  absl::MutexLock lock(&mu);
                  client_ports.insert(req.remote_port);
                  order = arrived++ % kWave;
                  auto all_here = [&] { return arrived % kWave == 0; };
                  mu.AwaitWithTimeout(absl::Condition(&all_here), kWait);
                }
                // Replies leave one by one, 30 ms apart.
                absl::SleepFor(absl::Milliseconds(30 * order));
                res.set_content("ok", "text/plain");
              });
  StartServer();
  MakeClient();
  for (int wave = 0; wave < 2; ++wave) {
    std::vector<Outcome> outcomes(kWave);
    for (Outcome& out : outcomes) {
      client_->Send(Get("/staggered"), Collect(&out, loop_.get()));
    }
    for (Outcome& out : outcomes) {
      ASSERT_TRUE(out.Wait());
      ASSERT_EQ(out.result.error, TransportError::kNone)
          << out.result.error_message;
    }
  }
  absl::MutexLock lock(&mu);
  EXPECT_EQ(client_ports.size(), static_cast<size_t>(kWave))
      << "the second wave opened new connections";
  const HttpClientStats stats = client_->Stats();
  EXPECT_EQ(stats.connections_opened, static_cast<uint64_t>(kWave));
  EXPECT_EQ(stats.multi_handles, 1u);
  EXPECT_EQ(stats.exchanges_in_flight, 0u);
}

TEST_F(HttpClientTest, OnDataReturningFalseCancels) {
  server_.Get("/chunks", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/plain", [](size_t offset, httplib::DataSink& sink) {
          sink.write("abc", 3);
          if (offset >= 30) sink.done();
          return true;
        });
  });
  StartServer();
  MakeClient();
  Outcome out;
  int calls = 0;
  HttpHandlers handlers = Collect(&out, loop_.get());
  handlers.on_data = [&calls](absl::string_view) {
    ++calls;
    return false;
  };
  client_->Send(Get("/chunks"), std::move(handlers));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(HttpClientTest, DestroyingClientCancelsInFlight) {
  absl::Notification in_handler;
  server_.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    in_handler.Notify();
    release_.WaitForNotificationWithTimeout(kWait);
    res.set_content("late", "text/plain");
  });
  StartServer();
  MakeClient();
  Outcome out;
  std::shared_ptr<RequestHandle> handle =
      client_->Send(Get("/stall"), Collect(&out, loop_.get()));
  ASSERT_TRUE(in_handler.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(client_->InFlight(), 1u);
  client_.reset();
  // on_complete ran before the destructor returned.
  EXPECT_TRUE(out.done.HasBeenNotified());
  EXPECT_EQ(out.result.error, TransportError::kCancelled);
  // The handle outlives the client; cancelling it is harmless.
  handle->Cancel();
  Release();
}

TEST_F(HttpClientTest, SendFromLoopThreadCallbacks) {
  server_.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  StartServer();
  MakeClient();
  Outcome from_data;
  Outcome from_complete;
  Outcome first;
  HttpHandlers handlers;
  bool sent_from_data = false;
  // Starting a request from inside curl's write callback must not re-enter
  // curl; from on_complete it must work too.
  handlers.on_data = [&](absl::string_view) {
    if (!sent_from_data) {
      sent_from_data = true;
      client_->Send(Get("/ok"), Collect(&from_data, loop_.get()));
    }
    return true;
  };
  handlers.on_complete = [&](HttpResult result) {
    client_->Send(Get("/ok"), Collect(&from_complete, loop_.get()));
    first.result = std::move(result);
    first.done.Notify();
  };
  client_->Send(Get("/ok"), std::move(handlers));
  ASSERT_TRUE(first.Wait());
  ASSERT_TRUE(from_data.Wait());
  ASSERT_TRUE(from_complete.Wait());
  EXPECT_EQ(first.result.error, TransportError::kNone);
  EXPECT_EQ(from_data.result.response.body, "ok");
  EXPECT_EQ(from_complete.result.response.body, "ok");
}

TEST_F(HttpClientTest, InformationalResponseResetsHeaders) {
  CannedServer canned(
      "HTTP/1.1 103 Early Hints\r\n"
      "Link: </style.css>; rel=preload\r\n"
      "\r\n"
      "HTTP/1.1 200 OK\r\n"
      "Content-Length: 2\r\n"
      "X-Final:   yes \r\n"
      "\r\n"
      "ok");
  MakeClient();
  HttpRequest request = Get("/");
  request.url = canned.Url();
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kNone)
      << out.result.error_message;
  EXPECT_EQ(out.headers_calls, 1);
  EXPECT_EQ(out.status_at_headers, 200);
  EXPECT_EQ(out.result.response.Header("link"), std::nullopt);
  EXPECT_EQ(out.result.response.Header("x-final"), "yes");
  EXPECT_EQ(out.result.response.body, "ok");
}

TEST_F(HttpClientTest, PeerClosingMidBodyIsConnectionReset) {
  CannedServer canned(
      "HTTP/1.1 200 OK\r\n"
      "Content-Length: 100\r\n"
      "\r\n"
      "partial");
  MakeClient();
  HttpRequest request = Get("/");
  request.url = canned.Url();
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kConnectionReset)
      << out.result.error_message;
  EXPECT_EQ(out.result.response.status_code, 200);
  EXPECT_EQ(out.result.response.body, "partial");
}

TEST_F(HttpClientTest, EmptyReplyIsConnectionReset) {
  CannedServer canned("");
  MakeClient();
  HttpRequest request = Get("/");
  request.url = canned.Url();
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kConnectionReset)
      << out.result.error_message;
}

TEST_F(HttpClientTest, InvalidHeaderValueIsRejectedWithoutEchoingIt) {
  MakeClient();
  HttpRequest request = Get("/");
  request.url = "http://127.0.0.1:1/";
  request.headers = {{"Authorization", "Bearer sk-secret\r\nX-Evil: 1"}};
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  EXPECT_EQ(out.result.error, TransportError::kOther);
  EXPECT_FALSE(absl::StrContains(out.result.error_message, "sk-secret"));
  EXPECT_TRUE(absl::StrContains(out.result.error_message, "Authorization"));
}

// Serves `path` as `bytes` bytes of "x", one every 100 ms (until released).
void ServeDrip(httplib::Server& server, absl::Notification& release,
               const std::string& path, size_t bytes) {
  server.Get(path, [&release, bytes](const httplib::Request&,
                                     httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/plain",
        [&release, bytes](size_t offset, httplib::DataSink& sink) {
          if (release.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
            return false;
          }
          sink.write("x", 1);
          if (offset + 1 >= bytes) sink.done();
          return true;
        });
  });
}

// Issue 11: a drip (a byte every 100 ms here) kept the read timer alive
// forever; the minimum rate cuts it after one window.
TEST_F(HttpClientTest, DripIsCutByTheMinimumRate) {
  ServeDrip(server_, release_, "/drip", 101);
  StartServer();
  MakeClient();
  HttpRequest request = Get("/drip");
  request.read_timeout = absl::Milliseconds(300);
  request.min_bytes_per_second = 100;
  request.min_rate_window = absl::Milliseconds(500);
  Outcome out;
  const absl::Time start = absl::Now();
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  Release();
  EXPECT_EQ(out.result.error, TransportError::kTooSlow)
      << out.result.error_message;
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(absl::StrContains(out.result.error_message,
                                "below the minimum rate of 100 bytes/s"))
      << out.result.error_message;
}

// An empty minimum-rate window is no limit: the exchange completes, and the
// loop does not re-arm its limit timer at once, over and over, while the
// reply trickles in (it did, burning a core, before the window was checked).
TEST_F(HttpClientTest, EmptyRateWindowIsNoLimitAndDoesNotSpin) {
  ServeDrip(server_, release_, "/trickle", 4);
  StartServer();
  MakeClient();
  HttpRequest request = Get("/trickle");
  request.min_bytes_per_second = 1000;
  request.min_rate_window = absl::ZeroDuration();
  Outcome out;
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  Release();
  EXPECT_EQ(out.result.error, TransportError::kNone)
      << out.result.error_message;
  EXPECT_EQ(out.result.response.body, "xxxx");
  // ~400 ms of trickle: a spinning loop would spend about that much CPU.
  auto cpu = [](const rusage& r) {
    return absl::DurationFromTimeval(r.ru_utime) +
           absl::DurationFromTimeval(r.ru_stime);
  };
  EXPECT_LT(cpu(after) - cpu(before), absl::Milliseconds(150));
}

TEST_F(HttpClientTest, AttemptTimeoutIsNotTheDeadline) {
  server_.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    release_.WaitForNotificationWithTimeout(kWait);
    res.set_content("late", "text/plain");
  });
  StartServer();
  MakeClient();
  HttpRequest request = Get("/stall");
  request.attempt_timeout = absl::Milliseconds(200);
  request.deadline = absl::Now() + absl::Seconds(30);
  Outcome out;
  client_->Send(request, Collect(&out, loop_.get()));
  ASSERT_TRUE(out.Wait());
  Release();
  EXPECT_EQ(out.result.error, TransportError::kAttemptTimeout);
  EXPECT_EQ(TransportErrorName(out.result.error), "attempt_timeout");
}

TEST_F(HttpClientTest, BufferedBodiesShareOneBudgetAcrossCalls) {
  server_.Get("/held", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/plain", [&](size_t offset, httplib::DataSink& sink) {
          if (offset > 0) {
            release_.WaitForNotificationWithTimeout(kWait);
            sink.done();
            return true;
          }
          std::string chunk(10000, 'h');
          sink.write(chunk.data(), chunk.size());
          return true;
        });
  });
  StartServer();
  HttpClientOptions options;
  options.max_buffered_body_bytes = 15000;
  MakeClient(options);
  Outcome first, second;
  client_->Send(Get("/held"), Collect(&first, loop_.get()));
  // Pacing only: let the first body's bytes arrive and be held.
  absl::SleepFor(absl::Milliseconds(300));
  client_->Send(Get("/held"), Collect(&second, loop_.get()));
  ASSERT_TRUE(second.Wait());
  EXPECT_EQ(second.result.error, TransportError::kResponseTooLarge);
  EXPECT_TRUE(
      absl::StrContains(second.result.error_message, "budget across all calls"))
      << second.result.error_message;
  Release();
  ASSERT_TRUE(first.Wait());
  EXPECT_EQ(first.result.error, TransportError::kNone)
      << first.result.error_message;
  EXPECT_EQ(first.result.response.body.size(), 10000u);
  // The budget was given back: the next call fits again.
  Outcome third;
  client_->Send(Get("/held"), Collect(&third, loop_.get()));
  ASSERT_TRUE(third.Wait());
  EXPECT_EQ(third.result.error, TransportError::kNone);
}

TEST(TransportErrorNameTest, Names) {
  EXPECT_EQ(TransportErrorName(TransportError::kNone), "none");
  EXPECT_EQ(TransportErrorName(TransportError::kReadTimeout), "read_timeout");
  EXPECT_EQ(TransportErrorName(TransportError::kConnectFailed),
            "connect_failed");
  EXPECT_EQ(TransportErrorName(TransportError::kResponseTooLarge),
            "response_too_large");
}

}  // namespace
}  // namespace llmgw::http
