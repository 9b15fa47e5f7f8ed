// The real //service:llm_gateway binary as child processes: rate limits
// shared by two replicas through one real redis-server, the open-gateway
// warning and default bind, keyed fingerprints across secrets, and no client
// key in stderr or the audit log.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/gateway.grpc.pb.h"
#include "tests/budget/redis_server.h"
#include "tests/fake_upstream/fake_upstream.h"
#include "tests/gateway_process.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;

constexpr char kKeyA[] = "sk-client-rl-a-4d1c9e7f2b";
constexpr char kKeyB[] = "sk-client-rl-b-7e3a5c9d1f";
constexpr char kAdminKey[] = "sk-client-admin-2f6b8d0a4c";

std::string FreshDir(const std::string& name) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/", name);
  std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::string WriteConfig(const std::string& dir) {
  const std::string path = dir + "/gateway.yaml";
  std::ofstream out(path);
  out << "tenants:\n"
         "  rpm-tenant:\n"
         "    requests_per_minute: 3\n"
         "  tpm-tenant:\n"
         "    tokens_per_minute: 80\n";
  return path;
}

grpc::Status Generate(pb::LlmGateway::Stub& stub, const std::string& key) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", key));
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  pb::GenerateRequest request;
  pb::ChatMessage* m = request.add_messages();
  m->set_role(pb::ROLE_USER);
  m->set_content("hello");
  request.set_model("gpt-4o-mini");
  pb::GenerateResponse response;
  return stub.Generate(&context, request, &response);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SecurityProcessTest, RateLimitsAreSharedAcrossReplicasThroughRedis) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  Behavior usage = Behavior::Ok();
  usage.usage = fake_upstream::Usage{30, 20};  // 50 tokens a call
  usage.times = 1000;
  upstream.SetDefault(usage);
  const std::string dir = FreshDir("rl");
  const std::map<std::string, std::string> env = {
      {"OPENAI_API_KEY", "sk-provider-rl-test"},
      {"OPENAI_API_BASE", upstream.base_url("openai")},
      {"LLMGW_BUDGET_REDIS", redis.address()},
      {"LLMGW_FINGERPRINT_SECRET", "shared-deployment-secret"},
      {"LLMGW_CLIENT_KEYS", absl::StrCat("rpm-tenant:", kKeyA, ",tpm-tenant:",
                                         kKeyB, ",ops:", kAdminKey)},
      {"LLMGW_ADMIN_TENANTS", "ops"}};
  const std::string config = WriteConfig(dir);
  mkdir((dir + "/1").c_str(), 0755);
  mkdir((dir + "/2").c_str(), 0755);
  GatewayProcess one, two;
  ASSERT_TRUE(
      one.Start(env, {"--config=" + config, "--data_dir=" + dir + "/1"}).ok())
      << one.Stderr();
  ASSERT_TRUE(
      two.Start(env, {"--config=" + config, "--data_dir=" + dir + "/2"}).ok())
      << two.Stderr();
  auto a = one.NewStub();
  auto b = two.NewStub();
  // Requests per minute: 3 across both replicas.
  EXPECT_TRUE(Generate(*a, kKeyA).ok());
  EXPECT_TRUE(Generate(*b, kKeyA).ok());
  EXPECT_TRUE(Generate(*a, kKeyA).ok());
  grpc::Status refused = Generate(*b, kKeyA);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "3 requests"))
      << refused.error_message();
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "retry in"));
  EXPECT_EQ(Generate(*a, kKeyA).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Tokens per minute: 80; each call reports 50 tokens.
  EXPECT_TRUE(Generate(*a, kKeyB).ok());
  EXPECT_TRUE(Generate(*b, kKeyB).ok());
  // Token records are posted after the reply; let them land.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  grpc::Status tpm = Generate(*a, kKeyB);
  EXPECT_EQ(tpm.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << tpm.error_message();
  EXPECT_TRUE(absl::StrContains(tpm.error_message(), "80 tokens"))
      << tpm.error_message();
  // Other tenants are not limited.
  EXPECT_TRUE(Generate(*b, kAdminKey).ok());

  // Same secret, same fingerprints across replicas (admin Status).
  auto fingerprints = [](pb::LlmGateway::Stub& stub) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kAdminKey));
    pb::StatusResponse status;
    EXPECT_TRUE(stub.Status(&context, pb::StatusRequest(), &status).ok());
    for (const auto& p : status.providers()) {
      if (p.name() == "openai" && p.keys_size() > 0) {
        return p.keys(0).fingerprint();
      }
    }
    return std::string();
  };
  const std::string fp = fingerprints(*a);
  EXPECT_FALSE(fp.empty());
  EXPECT_EQ(fp, fingerprints(*b));
  GatewayProcess other;
  std::map<std::string, std::string> other_env = env;
  other_env["LLMGW_FINGERPRINT_SECRET"] = "another-deployment-secret";
  ASSERT_TRUE(other.Start(other_env, {"--config=" + config}).ok());
  EXPECT_NE(fingerprints(*other.NewStub()), fp);

  // No client key in any log line or audit event.
  ASSERT_TRUE(one.StopWith(SIGTERM, absl::Seconds(20)).ok());
  ASSERT_TRUE(two.StopWith(SIGTERM, absl::Seconds(20)).ok());
  const std::string logs = one.Stderr() + two.Stderr() + other.Stderr() +
                           ReadFile(dir + "/1/audit.jsonl") +
                           ReadFile(dir + "/2/audit.jsonl");
  EXPECT_TRUE(absl::StrContains(logs, "\"event\":\"security\""));
  EXPECT_GT(ReadFile(dir + "/1/audit.jsonl").size(), 0u);
  for (const char* key : {kKeyA, kKeyB, kAdminKey, "sk-provider-rl-test"}) {
    EXPECT_FALSE(absl::StrContains(logs, key)) << key;
  }
}

TEST(SecurityProcessTest, OpenGatewayWarnsAndBindsLoopback) {
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.Start().ok());
  const std::map<std::string, std::string> env = {
      {"OPENAI_API_KEY", "sk-provider-open"},
      {"OPENAI_API_BASE", upstream.base_url("openai")}};
  GatewayProcess open;
  // "--host=" overrides the harness's --host: the built-in default applies.
  ASSERT_TRUE(open.Start(env, {"--host="}).ok()) << open.Stderr();
  EXPECT_TRUE(absl::StrContains(open.Stderr(), "OPEN_GATEWAY_NO_CLIENT_KEYS"));
  EXPECT_TRUE(absl::StrContains(open.Stderr(), "\"bind\":\"127.0.0.1\""))
      << open.Stderr();
  EXPECT_TRUE(absl::StrContains(open.Stderr(), "fingerprint_secret_ephemeral"));
  grpc::Status served = Generate(*open.NewStub(), "anything");
  EXPECT_TRUE(served.ok()) << served.error_message() << open.Stderr();
  std::map<std::string, std::string> keyed = env;
  keyed["LLMGW_CLIENT_KEYS"] = absl::StrCat("t:", kKeyA);
  GatewayProcess closed;
  ASSERT_TRUE(closed.Start(keyed, {"--host="}).ok()) << closed.Stderr();
  EXPECT_FALSE(
      absl::StrContains(closed.Stderr(), "OPEN_GATEWAY_NO_CLIENT_KEYS"));
  EXPECT_EQ(Generate(*closed.NewStub(), "sk-guess").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Generate(*closed.NewStub(), kKeyA).ok());
  EXPECT_TRUE(absl::StrContains(closed.Stderr(), "auth_failed"));
  EXPECT_FALSE(absl::StrContains(closed.Stderr(), kKeyA));
  EXPECT_FALSE(absl::StrContains(closed.Stderr(), "sk-guess"));
}

}  // namespace
}  // namespace llmgw::testing
