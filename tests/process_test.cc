// The real server binary: start-up line, NOT_SERVING without providers,
// serving with only OPENAI_API_KEY + OPENAI_API_BASE, /metrics accepted by
// promtool, and SIGTERM draining in-flight calls before exit 0.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/gateway.grpc.pb.h"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/gateway_process.h"
#include "tests/grpc_health/health.grpc.pb.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;

pb::GenerateRequest Hello(const std::string& text) {
  pb::GenerateRequest request;
  request.set_model("gpt-4o-mini");
  pb::ChatMessage* m = request.add_messages();
  m->set_role(pb::ROLE_USER);
  m->set_content(text);
  return request;
}

TEST(ProcessTest, WithoutProvidersStartsNotServingAndSaysWhatToSet) {
  GatewayProcess gateway;
  ASSERT_TRUE(gateway.Start({}).ok());
  EXPECT_GT(gateway.grpc_port(), 0);
  EXPECT_GT(gateway.metrics_port(), 0);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway.grpc_port()),
                          grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_NE(gateway.Stderr().find("OPENAI_API_KEY"), std::string::npos)
      << gateway.Stderr();
  auto exit_code = gateway.StopWith(SIGTERM, absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0);
}

TEST(ProcessTest, ServesFromAnOpenAiCompatibleUpstreamAndExportsMetrics) {
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  GatewayProcess gateway;
  const std::string key = "sk-process-test-secret-value";
  ASSERT_TRUE(gateway
                  .Start({{"OPENAI_API_KEY", key},
                          {"OPENAI_API_BASE", upstream.base_url("openai")}})
                  .ok());
  auto stub = gateway.NewStub();
  {
    grpc::ClientContext context;
    pb::GenerateResponse response;
    grpc::Status s =
        stub->Generate(&context, Hello("hello process"), &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.text(), "Echo: hello process");
    EXPECT_EQ(response.provider(), "openai");
  }
  {
    grpc::ClientContext context;
    auto reader = stub->GenerateStream(&context, Hello("stream it"));
    pb::GenerateStreamEvent event;
    std::string text;
    bool summary = false;
    while (reader->Read(&event)) {
      text += event.delta().text();
      summary = summary || event.has_summary();
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(text, "Echo: stream it");
    EXPECT_TRUE(summary);
  }
  {
    grpc::ClientContext context;
    pb::StatusResponse status;
    ASSERT_TRUE(stub->Status(&context, pb::StatusRequest(), &status).ok());
    EXPECT_EQ(status.state(), pb::SERVING_STATE_SERVING);
    EXPECT_EQ(status.primary_provider(), "openai");
  }
  auto metrics = HttpGet(gateway.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_NE(
      metrics->find("llmgw_requests_total{code=\"OK\",method=\"Generate\"} 1"),
      std::string::npos)
      << *metrics;
  EXPECT_NE(metrics->find("llmgw_upstream_requests_total"), std::string::npos);
  EXPECT_NE(metrics->find("llmgw_cost_nano_usd_total"), std::string::npos);
  CommandResult promtool = RunCommand("promtool check metrics", *metrics);
  EXPECT_EQ(promtool.exit_code, 0) << promtool.output;
  // Secrets stay secret: not in metrics, not in logs.
  EXPECT_EQ(metrics->find(key), std::string::npos);
  EXPECT_EQ(gateway.Stderr().find(key), std::string::npos);
  EXPECT_NE(gateway.Stderr().find("key:"), std::string::npos);
}

TEST(ProcessTest, SigtermDrainsInFlightCallsThenExitsZero) {
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start({{"OPENAI_API_KEY", "sk-drain"},
                          {"OPENAI_API_BASE", upstream.base_url("openai")}})
                  .ok());
  upstream.Enqueue(Behavior::Ok().WithDelay(absl::Milliseconds(1500)));
  auto stub = gateway.NewStub();
  grpc::ClientContext context;
  pb::GenerateResponse response;
  grpc::Status status;
  absl::Notification done;
  pb::GenerateRequest request = Hello("in flight");
  stub->async()->Generate(&context, &request, &response, [&](grpc::Status s) {
    status = s;
    done.Notify();
  });
  ASSERT_TRUE(upstream.WaitForRequests(1, absl::Seconds(5)));
  const absl::Time sent = absl::Now();
  kill(gateway.pid(), SIGTERM);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "Echo: in flight");
  auto exit_code = gateway.StopWith(0, absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_LT(absl::Now() - sent, absl::Seconds(10));
  EXPECT_NE(gateway.Stderr().find("draining"), std::string::npos);
}

}  // namespace
}  // namespace llmgw::testing
