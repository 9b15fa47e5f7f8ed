// The upstream proxy named by curl's environment variables (http_proxy,
// https_proxy, all_proxy): read when a client is made. A client made without
// one tells every handle "no proxy", so curl skips the five getenv calls per
// transfer (docs/configuration.md, "Environment").

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "http/http_client.h"
#include "http/http_client_test_fixture.h"

namespace llmgw::http::http_test {
namespace {

class HttpClientProxyTest : public HttpClientTest {
 protected:
  void SetUp() override {
    HttpClientTest::SetUp();
    for (const char* name :
         {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
          "no_proxy", "NO_PROXY"}) {
      unsetenv(name);
    }
    // The fixture's server plays both roles: an origin answers "origin" to
    // a path; a proxy receives the absolute URL as the request target.
    server_.Get(
        ".*", [this](const httplib::Request& req, httplib::Response& res) {
          absl::MutexLock lock(&mu_);
          targets_.push_back(req.path);
          res.set_content(
              absl::StartsWith(req.path, "http://") ? "proxy" : "origin",
              "text/plain");
        });
    StartServer();
  }

  void TearDown() override {
    unsetenv("http_proxy");
    unsetenv("all_proxy");
    HttpClientTest::TearDown();
  }

  HttpResult Fetch(const std::string& url) {
    HttpRequest request;
    request.method = "GET";
    request.url = url;
    Outcome out;
    client_->Send(std::move(request), Collect(&out, loop_.get()));
    EXPECT_TRUE(out.Wait());
    return std::move(out.result);
  }

  std::vector<std::string> Targets() {
    absl::MutexLock lock(&mu_);
    return targets_;
  }

  absl::Mutex mu_;
  std::vector<std::string> targets_ ABSL_GUARDED_BY(mu_);
};

TEST_F(HttpClientProxyTest, ProxyInTheEnvironmentCarriesEveryRequest) {
  setenv("http_proxy", Url("").c_str(), 1);
  MakeClient();
  // A host that does not resolve: only the proxy can answer for it.
  for (int i = 0; i < 2; ++i) {
    HttpResult result = Fetch("http://upstream.invalid/v1/models");
    ASSERT_EQ(result.error, TransportError::kNone) << result.error_message;
    EXPECT_EQ(result.response.status_code, 200);
    EXPECT_EQ(result.response.body, "proxy");
  }
  EXPECT_EQ(Targets(),
            std::vector<std::string>(2, "http://upstream.invalid/v1/models"));
}

TEST_F(HttpClientProxyTest, ClientMadeWithoutAProxyNeverLooksAgain) {
  MakeClient();
  // Set after the client was made: curl would read it on the next transfer
  // if the handles did not say "no proxy".
  setenv("http_proxy", "http://127.0.0.1:9", 1);
  HttpResult result = Fetch(Url("/v1/models"));
  ASSERT_EQ(result.error, TransportError::kNone) << result.error_message;
  EXPECT_EQ(result.response.body, "origin");
  EXPECT_EQ(Targets(), std::vector<std::string>{"/v1/models"});
}

TEST_F(HttpClientProxyTest, AllProxyCounts) {
  setenv("all_proxy", Url("").c_str(), 1);
  MakeClient();
  HttpResult result = Fetch("http://upstream.invalid/v1/models");
  ASSERT_EQ(result.error, TransportError::kNone) << result.error_message;
  EXPECT_EQ(result.response.body, "proxy");
}

}  // namespace
}  // namespace llmgw::http::http_test
