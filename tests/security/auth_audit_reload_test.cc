// Refusals in the audit log (UNAUTHENTICATED, PERMISSION_DENIED, rate
// limited: the tenant or the key's keyed fingerprint, never the key), and a
// config reload that swaps client keys and tenants without dropping calls.
// Real in-process gateway, generated stubs, fake upstream on loopback.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "registry/key_fingerprint.h"
#include "tests/fake_upstream/behavior.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

constexpr char kKeyA[] = "sk-client-team-a-0f3e9c1d7b";
constexpr char kKeyB[] = "sk-client-team-b-8a2d4c6e1f";
constexpr char kKeyC[] = "sk-client-team-c-71c0ffee42";
constexpr char kWrong[] = "sk-wrong-key-guess-1234";

std::map<std::string, std::string> Env(const std::string& keys) {
  return {{"OPENAI_API_KEY", "sk-test-key-0123456789"},
          {"LLMGW_CLIENT_KEYS", keys}};
}

GatewayConfig Tenants() {
  GatewayConfig config;
  TenantPolicy a;
  a.allowed_models = {"gpt-4o-mini"};
  a.requests_per_minute = 2;
  config.auth.tenants["team-a"] = a;
  return config;
}

grpc::Status Call(GatewayHarness& h, const std::string& key,
                  const std::string& model = "gpt-4o-mini") {
  grpc::ClientContext context;
  if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  pb::GenerateResponse response;
  return h.stub().Generate(&context, GatewayHarness::UserRequest("hi", model),
                           &response);
}

std::vector<nlohmann::json> AuthEvents(GatewayHarness& h,
                                       const std::string& event) {
  std::vector<nlohmann::json> out;
  for (const auto& e : h.audit().EventsOfType("auth")) {
    if (e.value("event", "") == event) out.push_back(e);
  }
  return out;
}

TEST(AuthAuditTest, EveryRefusalIsAuditedWithoutTheKey) {
  GatewayHarness h(Env(absl::StrCat("team-a:", kKeyA)), Tenants());
  EXPECT_EQ(Call(h, kWrong).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call(h, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call(h, kKeyA, "gpt-4o").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Call(h, kKeyA).ok());
  EXPECT_TRUE(Call(h, kKeyA).ok());
  EXPECT_EQ(Call(h, kKeyA).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  std::vector<nlohmann::json> unauth = AuthEvents(h, "unauthenticated");
  ASSERT_EQ(unauth.size(), 2u);
  EXPECT_EQ(unauth[0]["reason"], "invalid_key");
  EXPECT_EQ(unauth[0]["key"], KeyFingerprint(kWrong));
  EXPECT_EQ(unauth[1]["reason"], "missing");
  EXPECT_FALSE(unauth[1].contains("key"));
  std::vector<nlohmann::json> denied = AuthEvents(h, "permission_denied");
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0]["tenant"], "team-a");
  EXPECT_TRUE(
      absl::StrContains(denied[0]["denied"].get<std::string>(), "gpt-4o"));
  std::vector<nlohmann::json> limited = AuthEvents(h, "rate_limited");
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0]["tenant"], "team-a");
  EXPECT_EQ(limited[0]["limit"], "rpm");
  std::string all;
  for (const auto& e : h.audit().Events()) all += e.dump() + "\n";
  EXPECT_FALSE(absl::StrContains(all, kKeyA));
  EXPECT_FALSE(absl::StrContains(all, kWrong));
}

TEST(AuthAuditTest, AFloodOfRefusalsIsCappedPerSecond) {
  GatewayHarness h(Env(absl::StrCat("team-a:", kKeyA)), Tenants());
  const int n = Gatekeeper::kAuditRefusalsPerSecond + 50;
  for (int i = 0; i < n; ++i) {
    h.server().core().gatekeeper().Authenticate("Bearer sk-flood");
  }
  const size_t audited = AuthEvents(h, "unauthenticated").size();
  EXPECT_GE(audited, static_cast<size_t>(Gatekeeper::kAuditRefusalsPerSecond));
  EXPECT_LT(audited, static_cast<size_t>(n));
}

TEST(AuthReloadTest, ReloadSwapsClientKeysWithoutDroppingCalls) {
  GatewayHarness h(Env(absl::StrCat("team-a:", kKeyA, ",team-b:", kKeyB)),
                   Tenants());
  ASSERT_TRUE(Call(h, kKeyB).ok());
  EXPECT_EQ(Call(h, kKeyC).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // Calls admitted before the reload finish on their own config.
  h.upstream().Enqueue(Behavior::Trickle(absl::Milliseconds(800)).Times(4));
  const int64_t before = h.upstream().RequestCount();
  std::vector<std::thread> in_flight;
  std::vector<grpc::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    in_flight.emplace_back([&h, &results, i] { results[i] = Call(h, kKeyB); });
  }
  // All four are at the upstream (admitted) when the reload happens.
  ASSERT_TRUE(h.upstream().WaitForRequests(before + 4, absl::Seconds(5)));

  // team-b removed, team-c added.
  std::map<std::string, std::string> env =
      Env(absl::StrCat("team-a:", kKeyA, ",team-c:", kKeyC));
  env["OPENAI_API_BASE"] = h.upstream().base_url("openai");
  const EnvLookup lookup = FixedEnvironment(env);
  GatewayConfig config = Tenants();
  ASSERT_TRUE(ApplyEnvironmentOverrides(lookup, config).ok());
  absl::Status reloaded = h.server().Reload(config, lookup);
  ASSERT_TRUE(reloaded.ok()) << reloaded;

  for (std::thread& t : in_flight) t.join();
  for (const grpc::Status& s : results) {
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  }
  EXPECT_TRUE(Call(h, kKeyC).ok());
  EXPECT_EQ(Call(h, kKeyB).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // team-a kept its policy through the reload.
  EXPECT_EQ(Call(h, kKeyA, "gpt-4o").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace llmgw::testing
