#include "tests/gateway_harness.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "budget/pricing.h"
#include "gtest/gtest.h"
#include "registry/key_fingerprint.h"

namespace llmgw::testing {

namespace pb = ::llmgateway::v1;

GatewayHarness::GatewayHarness(
    std::map<std::string, std::string> env, GatewayConfig config,
    bool serve_metrics, fake_upstream::FakeUpstreamOptions upstream_options)
    : upstream_(std::move(upstream_options)) {
  absl::Status started = upstream_.Start();
  EXPECT_TRUE(started.ok()) << started;
  for (auto& [name, value] : env) {
    if (value == kFakeBaseUrl) {
      value = upstream_.base_url("openai");
    } else if (absl::StartsWith(value, "{fake_base_url:") &&
               absl::EndsWith(value, "}")) {
      value = upstream_.base_url(value.substr(15, value.size() - 16));
    }
  }
  // Retries, key cooldowns and circuit breaking are off unless a test turns
  // them on ({"LLMGW_RESILIENCE", "on"}): most tests check one exchange.
  env.emplace("LLMGW_RESILIENCE", "off");
  if (env.find("OPENAI_API_BASE") == env.end()) {
    env["OPENAI_API_BASE"] = upstream_.base_url("openai");
  }
  ServerOptions options;
  options.grpc_address = "127.0.0.1:0";
  options.metrics_address = serve_metrics ? "127.0.0.1:0" : "";
  options.http_address = "127.0.0.1:0";  // the OpenAI-compatible front
  const EnvLookup lookup = FixedEnvironment(env);
  absl::Status overridden = ApplyEnvironmentOverrides(lookup, config);
  EXPECT_TRUE(overridden.ok()) << overridden;
  auto audit = std::make_unique<RecordingAuditLog>();
  audit_ = audit.get();
  auto server = GatewayServer::Start(config, lookup, options, std::move(audit));
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return;
  server_ = *std::move(server);
  channel_ =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->grpc_port()),
                          grpc::InsecureChannelCredentials());
  stub_ = pb::LlmGateway::NewStub(channel_);
}

GatewayHarness::~GatewayHarness() {
  if (server_) server_->Shutdown(absl::Seconds(1));
  server_.reset();
  upstream_.Stop();
}

std::string GatewayHarness::metrics_url() const {
  return absl::StrCat("http://127.0.0.1:", server_->metrics_port());
}

pb::GenerateRequest GatewayHarness::UserRequest(const std::string& text,
                                                const std::string& model) {
  pb::GenerateRequest request;
  pb::ChatMessage* m = request.add_messages();
  m->set_role(pb::ROLE_USER);
  m->set_content(text);
  request.set_model(model);
  return request;
}

pb::ChatMessage* GatewayHarness::AddMessage(pb::GenerateRequest* request,
                                            pb::Role role,
                                            const std::string& text) {
  pb::ChatMessage* m = request->add_messages();
  m->set_role(role);
  m->set_content(text);
  return m;
}

int64_t GatewayHarness::CatalogCost(const std::string& provider,
                                    const std::string& model, int64_t in,
                                    int64_t out) {
  const ProviderEntry* e = server_->core().registry().Find(provider);
  if (e == nullptr) return 0;
  return CallCostNanoUsd(e->spec.FindModel(model), TokenUsage{in, out, true});
}

int64_t GatewayHarness::ExpectAnswer(const pb::GenerateResponse& response,
                                     const ExpectedAnswer& expected) {
  EXPECT_EQ(response.text(), expected.text);
  EXPECT_EQ(response.finish_reason(), pb::FINISH_REASON_STOP);
  EXPECT_EQ(response.usage().input_tokens(), expected.input_tokens);
  EXPECT_EQ(response.usage().output_tokens(), expected.output_tokens);
  EXPECT_FALSE(response.usage().estimated());
  EXPECT_EQ(response.provider(), expected.provider);
  EXPECT_EQ(response.model(), expected.model);
  EXPECT_EQ(response.request_id(), expected.request_id);
  const int64_t cost =
      CatalogCost(expected.provider, expected.model, expected.input_tokens,
                  expected.output_tokens);
  EXPECT_GT(cost, 0) << expected.model << " must be priced in the catalog";
  EXPECT_EQ(response.cost_nano_usd(), cost);
  EXPECT_EQ(response.attempts_size(), 1);
  if (response.attempts_size() == 1) {
    const pb::Attempt& attempt = response.attempts(0);
    EXPECT_EQ(attempt.provider(), expected.provider);
    EXPECT_EQ(attempt.model(), expected.model);
    EXPECT_EQ(attempt.outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);
    EXPECT_EQ(attempt.key_fingerprint(), KeyFingerprint(expected.api_key));
  }
  return cost;
}

grpc::Status GatewayHarness::Generate(const pb::GenerateRequest& request,
                                      pb::GenerateResponse* response,
                                      absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  pb::GenerateResponse ignored;
  return stub_->Generate(&context, request,
                         response != nullptr ? response : &ignored);
}

GatewayHarness::StreamResult GatewayHarness::Stream(
    const pb::GenerateRequest& request, absl::Duration timeout) {
  StreamResult result;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  auto reader = stub_->GenerateStream(&context, request);
  pb::GenerateStreamEvent event;
  while (reader->Read(&event)) {
    if (event.has_delta()) {
      result.deltas.push_back(event.delta().text());
      result.text += event.delta().text();
    } else if (event.has_summary()) {
      result.has_summary = true;
      result.summary = event.summary();
    }
  }
  result.status = reader->Finish();
  for (const auto& [k, v] : context.GetServerTrailingMetadata()) {
    result.trailer_map[std::string(k.data(), k.size())] =
        std::string(v.data(), v.size());
  }
  return result;
}

pb::BudgetResponse GatewayHarness::Budget() {
  grpc::ClientContext context;
  pb::BudgetResponse response;
  grpc::Status status = stub_->Budget(&context, pb::BudgetRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

pb::StatusResponse GatewayHarness::Status() {
  grpc::ClientContext context;
  pb::StatusResponse response;
  grpc::Status status = stub_->Status(&context, pb::StatusRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

llmgateway::v1::BudgetResponse GatewayHarness::SettledBudget(
    absl::Duration wait) {
  const absl::Time until = absl::Now() + wait;
  llmgateway::v1::BudgetResponse budget = Budget();
  while (budget.reserved_nano_usd() != 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
    budget = Budget();
  }
  return budget;
}

}  // namespace llmgw::testing
