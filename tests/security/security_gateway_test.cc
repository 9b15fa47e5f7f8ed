// Callers and tenants through the real in-process gateway and generated
// stubs: client keys (UNAUTHENTICATED), the tenant as budget scope (no
// escape through x-llmgw-client-id), allowed models, in-process rate limits,
// Budget and Status visibility, and no client key in any audit event.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"
#include "tests/gateway_process.h"
#include "tests/grpc_health/health.grpc.pb.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;

constexpr char kKeyA[] = "sk-client-team-a-0f3e9c1d7b";
constexpr char kKeyB[] = "sk-client-team-b-8a2d4c6e1f";
constexpr char kKeyOps[] = "sk-client-ops-5b7d9f1a3c";

std::map<std::string, std::string> Env() {
  return {{"OPENAI_API_KEY", "sk-test-key-0123456789"},
          {"LLMGW_CLIENT_KEYS",
           absl::StrCat("team-a:", kKeyA, ",team-b:", kKeyB, ",ops:", kKeyOps)},
          {"LLMGW_ADMIN_TENANTS", "ops"}};
}

GatewayConfig Tenants() {
  GatewayConfig config;
  TenantPolicy a;
  a.allowed_models = {"gpt-4o-mini"};
  a.requests_per_minute = 3;
  config.auth.tenants["team-a"] = a;
  // team-b's budget cannot cover one call.
  config.budget.scope_budgets["client:team-b"] = 1;
  return config;
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& key) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) context->AddMetadata("authorization", "Bearer " + key);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  return context;
}

grpc::Status Call(GatewayHarness& h, const std::string& key,
                  const pb::GenerateRequest& request,
                  const std::string& client_id = "") {
  auto context = Context(key);
  if (!client_id.empty()) context->AddMetadata("x-llmgw-client-id", client_id);
  pb::GenerateResponse response;
  return h.stub().Generate(context.get(), request, &response);
}

TEST(SecurityGatewayTest, MissingMalformedAndWrongKeysAreUnauthenticated) {
  GatewayHarness h(Env(), Tenants());
  const pb::GenerateRequest request =
      GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  for (const std::string& header :
       {std::string(""), std::string(kKeyA), std::string("Bearer sk-wrong"),
        absl::StrCat("Basic ", kKeyA)}) {
    grpc::ClientContext context;
    if (!header.empty()) context.AddMetadata("authorization", header);
    pb::GenerateResponse response;
    grpc::Status s = h.stub().Generate(&context, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << header;
    EXPECT_FALSE(absl::StrContains(s.error_message(), kKeyA));
  }
  // Streams, Status and Budget too; nothing reached the upstream.
  {
    grpc::ClientContext context;
    auto reader = h.stub().GenerateStream(&context, request);
    pb::GenerateStreamEvent event;
    while (reader->Read(&event)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    pb::StatusResponse response;
    EXPECT_EQ(
        h.stub().Status(&context, pb::StatusRequest(), &response).error_code(),
        grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    pb::BudgetResponse response;
    EXPECT_EQ(
        h.stub().Budget(&context, pb::BudgetRequest(), &response).error_code(),
        grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(h.upstream().RequestCount(), 0);
  // Health stays open for probes.
  auto health = grpc::health::v1::Health::NewStub(h.channel());
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(
      health->Check(&context, grpc::health::v1::HealthCheckRequest(), &response)
          .ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // The right key works.
  EXPECT_TRUE(Call(h, kKeyA, request).ok());
}

TEST(SecurityGatewayTest, TenantIsTheKeyNotTheHeader) {
  GatewayHarness h(Env(), Tenants());
  const pb::GenerateRequest request =
      GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  // team-b is over its budget: another client id does not help.
  pb::GenerateRequest with_meta = request;
  (*with_meta.mutable_metadata())["client_id"] = "someone-else";
  for (const pb::GenerateRequest& r : {request, with_meta}) {
    grpc::Status s = Call(h, kKeyB, r, "someone-else");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "client:team-b"))
        << s.error_message();
  }
  // team-a's spend lands on client:team-a whatever header it sends.
  ASSERT_TRUE(Call(h, kKeyA, request, "someone-else").ok());
  auto context = Context(kKeyOps);
  pb::BudgetRequest budget;
  budget.set_scope("client:someone-else");
  pb::BudgetResponse response;
  ASSERT_TRUE(h.stub().Budget(context.get(), budget, &response).ok());
  EXPECT_EQ(response.spent_nano_usd(), 0);
  context = Context(kKeyA);
  ASSERT_TRUE(
      h.stub().Budget(context.get(), pb::BudgetRequest(), &response).ok());
  EXPECT_EQ(response.scope(), "client:team-a");
  EXPECT_GT(response.spent_nano_usd(), 0);
}

TEST(SecurityGatewayTest, DisallowedModelIsPermissionDenied) {
  GatewayHarness h(Env(), Tenants());
  grpc::Status s = Call(h, kKeyA, GatewayHarness::UserRequest("hi", "gpt-4o"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "openai/gpt-4o"))
      << s.error_message();
  pb::GenerateRequest fallback =
      GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  fallback.add_fallback_models("gpt-4o");
  EXPECT_EQ(Call(h, kKeyA, fallback).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(h.upstream().RequestCount(), 0);
  EXPECT_TRUE(
      Call(h, kKeyA, GatewayHarness::UserRequest("hi", "gpt-4o-mini")).ok());
  // team-b has no model restriction.
  EXPECT_NE(
      Call(h, kKeyB, GatewayHarness::UserRequest("hi", "gpt-4o")).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST(SecurityGatewayTest, RequestsPerMinuteInProcess) {
  GatewayHarness h(Env(), Tenants());
  const pb::GenerateRequest request =
      GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  int ok = 0;
  grpc::Status refused;
  for (int i = 0; i < 4; ++i) {
    grpc::Status s = Call(h, kKeyA, request);
    if (s.ok()) {
      ++ok;
    } else {
      refused = s;
    }
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "retry in"))
      << refused.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), 3);
  // Other tenants are not affected.
  EXPECT_TRUE(Call(h, kKeyOps, request).ok());
}

TEST(SecurityGatewayTest, BudgetAndStatusVisibility) {
  GatewayHarness h(Env(), Tenants());
  pb::BudgetResponse budget;
  for (const std::string& scope :
       {"client:team-b", "global", "provider:openai"}) {
    auto context = Context(kKeyA);
    pb::BudgetRequest request;
    request.set_scope(scope);
    EXPECT_EQ(h.stub().Budget(context.get(), request, &budget).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << scope;
  }
  for (const std::string& scope : {"client:team-b", "global"}) {
    auto context = Context(kKeyOps);
    pb::BudgetRequest request;
    request.set_scope(scope);
    EXPECT_TRUE(h.stub().Budget(context.get(), request, &budget).ok());
  }
  pb::StatusResponse status;
  auto context = Context(kKeyA);
  ASSERT_TRUE(
      h.stub().Status(context.get(), pb::StatusRequest(), &status).ok());
  EXPECT_EQ(status.state(), pb::SERVING_STATE_SERVING);
  EXPECT_EQ(status.providers_size(), 0);
  EXPECT_EQ(status.fallback_chain_size(), 0);
  context = Context(kKeyOps);
  ASSERT_TRUE(
      h.stub().Status(context.get(), pb::StatusRequest(), &status).ok());
  EXPECT_GT(status.providers_size(), 0);
  bool fingerprint = false;
  for (const auto& p : status.providers()) {
    fingerprint |= p.keys_size() > 0 && !p.keys(0).fingerprint().empty();
  }
  EXPECT_TRUE(fingerprint);
}

TEST(SecurityGatewayTest, NoClientKeyInAuditEvents) {
  GatewayHarness h(Env(), Tenants());
  const pb::GenerateRequest request =
      GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  EXPECT_TRUE(Call(h, kKeyA, request).ok());
  Call(h, kKeyB, request);
  Call(h, "sk-wrong-key-guess-1234", request);
  Call(h, kKeyA, GatewayHarness::UserRequest("hi", "gpt-4o"));
  std::string all;
  for (const auto& e : h.audit().Events()) all += e.dump() + "\n";
  EXPECT_FALSE(all.empty());
  for (const char* key : {kKeyA, kKeyB, kKeyOps, "sk-wrong-key-guess-1234"}) {
    EXPECT_FALSE(absl::StrContains(all, key)) << key;
  }
}

TEST(SecurityGatewayTest, RefusalsAreCountedInMetrics) {
  GatewayHarness h(Env(), Tenants(), /*serve_metrics=*/true);
  const pb::GenerateRequest request =
      GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  Call(h, "sk-wrong-key", request);
  Call(h, "", request);
  for (int i = 0; i < 4; ++i) Call(h, kKeyA, request);
  Call(h, kKeyA, GatewayHarness::UserRequest("hi", "gpt-4o"));
  absl::StatusOr<std::string> metrics =
      HttpGet(h.server().metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_TRUE(absl::StrContains(
      *metrics, "llmgw_auth_failures_total{reason=\"invalid_key\"} 1"))
      << *metrics;
  EXPECT_TRUE(absl::StrContains(
      *metrics, "llmgw_auth_failures_total{reason=\"missing\"} 1"));
  EXPECT_TRUE(absl::StrContains(
      *metrics, "llmgw_rate_limited_total{limit=\"rpm\",tenant=\"team-a\"} 1"));
  EXPECT_TRUE(absl::StrContains(
      *metrics, "llmgw_permission_denied_total{tenant=\"team-a\"} 1"));
  EXPECT_FALSE(absl::StrContains(*metrics, kKeyA));
}

}  // namespace
}  // namespace llmgw::testing
