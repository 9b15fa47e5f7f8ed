// The real server binary: grpc.health.v1 follows provider availability
// (circuits open -> NOT_SERVING, recovery -> SERVING, drain -> not serving),
// and the configuration reloads without a restart (SIGHUP and a change of the
// config file): a provider added, a bad config refused while the old one
// serves, a call in flight finishing on the config it started with.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>

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
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr char kService[] = "llmgateway.v1.LlmGateway";

pb::GenerateRequest Hello(const std::string& model, const std::string& text) {
  pb::GenerateRequest request;
  request.set_model(model);
  pb::ChatMessage* m = request.add_messages();
  m->set_role(pb::ROLE_USER);
  m->set_content(text);
  return request;
}

// The health status of `service`, or -1 if the call failed.
int HealthOf(const GatewayProcess& gateway, const std::string& service) {
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway.grpc_port()),
                          grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok()) return -1;
  return response.status();
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return condition();
}

bool BothAre(const GatewayProcess& gateway, int status) {
  return HealthOf(gateway, "") == status &&
         HealthOf(gateway, kService) == status;
}

void WriteFile(const std::string& path, const std::string& text) {
  // Rename over the file, as editors and Kubernetes do.
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << text;
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

std::string TempPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmp ? tmp : "/tmp", "/", name);
}

TEST(HealthTest, NotServingWhileEveryCircuitIsOpenServingAfterRecovery) {
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  upstream.SetDefault(Behavior::HttpError(500));
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start({{"OPENAI_API_KEY", "sk-health"},
                          {"OPENAI_API_BASE", upstream.base_url("openai")},
                          {"LLMGW_FAILURE_THRESHOLD", "2"},
                          {"LLMGW_CIRCUIT_COOLDOWN", "2"},
                          {"LLMGW_MAX_RETRIES", "0"}})
                  .ok());
  EXPECT_TRUE(BothAre(gateway, HealthCheckResponse::SERVING));
  auto stub = gateway.NewStub();
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    pb::GenerateResponse response;
    EXPECT_FALSE(
        stub->Generate(&context, Hello("gpt-4o-mini", "fail"), &response).ok());
  }
  EXPECT_TRUE(WaitFor(
      [&] { return BothAre(gateway, HealthCheckResponse::NOT_SERVING); },
      absl::Seconds(20)))
      << gateway.Stderr();
  EXPECT_NE(gateway.Stderr().find("health_not_serving"), std::string::npos);
  // The upstream recovers; after the circuit's cooldown a probe is admitted
  // again, so the gateway can serve.
  upstream.SetDefault(Behavior::Ok());
  EXPECT_TRUE(
      WaitFor([&] { return BothAre(gateway, HealthCheckResponse::SERVING); },
              absl::Seconds(6)))
      << gateway.Stderr();
  {
    grpc::ClientContext context;
    pb::GenerateResponse response;
    EXPECT_TRUE(
        stub->Generate(&context, Hello("gpt-4o-mini", "back"), &response).ok());
  }
  // Draining: a slow call in flight, SIGTERM, health no longer SERVING.
  upstream.Enqueue(Behavior::Ok().WithDelay(absl::Milliseconds(1500)));
  grpc::ClientContext context;
  pb::GenerateResponse response;
  absl::Notification done;
  grpc::Status status;
  pb::GenerateRequest request = Hello("gpt-4o-mini", "slow");
  stub->async()->Generate(&context, &request, &response, [&](grpc::Status s) {
    status = s;
    done.Notify();
  });
  ASSERT_TRUE(upstream.WaitForRequests(4, absl::Seconds(20)));
  kill(gateway.pid(), SIGTERM);
  EXPECT_TRUE(WaitFor(
      [&] { return HealthOf(gateway, "") != HealthCheckResponse::SERVING; },
      absl::Seconds(1)));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(status.ok()) << status.error_message();
  auto exit_code = gateway.StopWith(0, absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0);
}

TEST(HealthTest, NoProviderIsNotServingForBothNames) {
  GatewayProcess gateway;
  ASSERT_TRUE(gateway.Start({}).ok());
  EXPECT_TRUE(BothAre(gateway, HealthCheckResponse::NOT_SERVING));
  // The process itself is alive: the liveness probe's name says so.
  EXPECT_EQ(HealthOf(gateway, "liveness"), HealthCheckResponse::SERVING);
}

std::string Config(const FakeUpstream& upstream, bool anthropic,
                   bool openai = true) {
  return absl::StrCat(
      "providers:\n  openai:\n    enabled: ", openai ? "true" : "false",
      "\n    base_url: ", upstream.base_url("openai"),
      "\n  anthropic:\n    enabled: ", anthropic ? "true" : "false",
      "\n    base_url: ", upstream.base_url("anthropic"), "\n");
}

bool HasAvailableProvider(GatewayProcess& gateway, const std::string& name) {
  auto stub = gateway.NewStub();
  grpc::ClientContext context;
  pb::StatusResponse status;
  if (!stub->Status(&context, pb::StatusRequest(), &status).ok()) return false;
  for (const auto& p : status.providers()) {
    if (p.name() == name) return p.available();
  }
  return false;
}

TEST(ReloadTest, SighupAndFileChangesReloadBadConfigIsRefused) {
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  const std::string path = TempPath("reload-gateway.yaml");
  WriteFile(path, Config(upstream, /*anthropic=*/false));
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start({{"OPENAI_API_KEY", "sk-reload-openai"},
                          {"ANTHROPIC_API_KEY", "sk-reload-anthropic"}},
                         {absl::StrCat("--config=", path)})
                  .ok());
  EXPECT_FALSE(HasAvailableProvider(gateway, "anthropic"));

  // 1. A file change adds a provider.
  WriteFile(path, Config(upstream, /*anthropic=*/true));
  EXPECT_TRUE(
      WaitFor([&] { return HasAvailableProvider(gateway, "anthropic"); },
              absl::Seconds(20)))
      << gateway.Stderr();
  auto stub = gateway.NewStub();
  {
    grpc::ClientContext context;
    pb::GenerateResponse response;
    grpc::Status s = stub->Generate(
        &context, Hello("anthropic/claude-haiku-5-5", "new one"), &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.provider(), "anthropic");
  }

  // 2. A bad config is refused; the old one serves.
  WriteFile(path, "providers:\n  openai:\n    no_such_setting: 1\n");
  EXPECT_TRUE(WaitFor(
      [&] {
        return gateway.Stderr().find("config_reload_refused") !=
               std::string::npos;
      },
      absl::Seconds(20)));
  EXPECT_NE(gateway.Stderr().find("no_such_setting"), std::string::npos);
  auto metrics = HttpGet(gateway.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->find("llmgw_config_reloads_total{result=\"error\"} 1"),
            std::string::npos)
      << *metrics;
  EXPECT_NE(metrics->find("llmgw_config_reloads_total{result=\"ok\"} 1"),
            std::string::npos);
  EXPECT_TRUE(HasAvailableProvider(gateway, "anthropic"));

  // 3. A slow call in flight finishes on the config it started with, while
  // SIGHUP (which must not kill the process) reloads a config without
  // openai: new openai calls fail, the old one completes.
  upstream.Enqueue(Behavior::Ok().WithDelay(absl::Milliseconds(1500)));
  const int64_t before = upstream.RequestCount();
  grpc::ClientContext slow_context;
  pb::GenerateResponse slow_response;
  absl::Notification done;
  grpc::Status slow_status;
  pb::GenerateRequest slow = Hello("openai/gpt-4o-mini", "in flight");
  stub->async()->Generate(&slow_context, &slow, &slow_response,
                          [&](grpc::Status s) {
                            slow_status = s;
                            done.Notify();
                          });
  ASSERT_TRUE(upstream.WaitForRequests(before + 1, absl::Seconds(20)));
  {
    // Written in place (no rename), then SIGHUP.
    std::ofstream(path) << Config(upstream, true, /*openai=*/false);
  }
  kill(gateway.pid(), SIGHUP);
  EXPECT_TRUE(WaitFor([&] { return !HasAvailableProvider(gateway, "openai"); },
                      absl::Seconds(20)));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
  EXPECT_EQ(slow_response.text(), "Echo: in flight");
  EXPECT_EQ(slow_response.provider(), "openai");
  {
    grpc::ClientContext context;
    pb::GenerateResponse response;
    grpc::Status s = stub->Generate(
        &context, Hello("openai/gpt-4o-mini", "after"), &response);
    // openai is gone from the new config: the call never reaches it.
    EXPECT_TRUE(!s.ok() || response.provider() != "openai")
        << response.provider();
  }
  EXPECT_EQ(kill(gateway.pid(), 0), 0) << "SIGHUP killed the gateway";
  EXPECT_NE(gateway.Stderr().find("\"trigger\":\"SIGHUP\""), std::string::npos)
      << gateway.Stderr();
  auto exit_code = gateway.StopWith(SIGTERM, absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0);
}

// Kubernetes' ConfigMap volume layout: gateway.yaml -> ..data/gateway.yaml,
// ..data -> ..<timestamp>/; an update writes a new timestamped directory and
// renames a new ..data symlink over the old one.
TEST(ReloadTest, ConfigMapSymlinkSwapReloads) {
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  const std::string dir = TempPath("configmap");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir + "/..v1").c_str(), 0755), 0);
  std::ofstream(dir + "/..v1/gateway.yaml") << Config(upstream, false);
  ASSERT_EQ(symlink("..v1", (dir + "/..data").c_str()), 0);
  ASSERT_EQ(symlink("..data/gateway.yaml", (dir + "/gateway.yaml").c_str()), 0);
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start({{"OPENAI_API_KEY", "sk-cm-openai"},
                          {"ANTHROPIC_API_KEY", "sk-cm-anthropic"}},
                         {absl::StrCat("--config=", dir, "/gateway.yaml")})
                  .ok());
  EXPECT_FALSE(HasAvailableProvider(gateway, "anthropic"));
  ASSERT_EQ(mkdir((dir + "/..v2").c_str(), 0755), 0);
  std::ofstream(dir + "/..v2/gateway.yaml") << Config(upstream, true);
  ASSERT_EQ(symlink("..v2", (dir + "/..data_tmp").c_str()), 0);
  ASSERT_EQ(
      std::rename((dir + "/..data_tmp").c_str(), (dir + "/..data").c_str()), 0);
  EXPECT_TRUE(
      WaitFor([&] { return HasAvailableProvider(gateway, "anthropic"); },
              absl::Seconds(20)))
      << gateway.Stderr();
  EXPECT_NE(gateway.Stderr().find("\"trigger\":\"file\""), std::string::npos);
}

pb::CircuitState CircuitOf(GatewayProcess& gateway, const std::string& name) {
  auto stub = gateway.NewStub();
  grpc::ClientContext context;
  pb::StatusResponse status;
  if (!stub->Status(&context, pb::StatusRequest(), &status).ok()) {
    return pb::CIRCUIT_STATE_UNSPECIFIED;
  }
  for (const auto& p : status.providers()) {
    if (p.name() == name) return p.circuit_state();
  }
  return pb::CIRCUIT_STATE_UNSPECIFIED;
}

TEST(ReloadTest, CircuitStateSurvivesAReloadAndHealthFollowsTheNewConfig) {
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  const std::string path = TempPath("reload-circuit.yaml");
  WriteFile(path, Config(upstream, /*anthropic=*/false));
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start({{"OPENAI_API_KEY", "sk-circuit-openai"},
                          {"ANTHROPIC_API_KEY", "sk-circuit-anthropic"},
                          {"LLMGW_FAILURE_THRESHOLD", "2"},
                          {"LLMGW_CIRCUIT_COOLDOWN", "300"},
                          {"LLMGW_MAX_RETRIES", "0"}},
                         {absl::StrCat("--config=", path)})
                  .ok());
  upstream.SetDefault(Behavior::HttpError(500));
  auto stub = gateway.NewStub();
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    pb::GenerateResponse response;
    EXPECT_FALSE(
        stub->Generate(&context, Hello("gpt-4o-mini", "fail"), &response).ok());
  }
  EXPECT_EQ(CircuitOf(gateway, "openai"), pb::CIRCUIT_STATE_OPEN);
  EXPECT_TRUE(WaitFor(
      [&] { return BothAre(gateway, HealthCheckResponse::NOT_SERVING); },
      absl::Seconds(20)));
  // Reload adds anthropic: openai keeps its open circuit, and the gateway
  // can serve again (through anthropic), so health says SERVING at once.
  WriteFile(path, Config(upstream, /*anthropic=*/true));
  EXPECT_TRUE(
      WaitFor([&] { return HasAvailableProvider(gateway, "anthropic"); },
              absl::Seconds(20)))
      << gateway.Stderr();
  EXPECT_EQ(CircuitOf(gateway, "openai"), pb::CIRCUIT_STATE_OPEN);
  EXPECT_TRUE(
      WaitFor([&] { return BothAre(gateway, HealthCheckResponse::SERVING); },
              absl::Seconds(20)));
}

}  // namespace
}  // namespace llmgw::testing
