#ifndef LLMGW_TESTS_GATEWAY_HARNESS_H_
#define LLMGW_TESTS_GATEWAY_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "llmgateway/v1/gateway.grpc.pb.h"
#include "service/gateway_server.h"
#include "tests/fake_upstream/fake_upstream.h"

namespace llmgw::testing {

// A real gateway (in-process gRPC server on 127.0.0.1, real event loop and
// HTTP client) in front of a real fake upstream on loopback, and a client
// stub generated from the public proto.
class GatewayHarness {
 public:
  // Starts the fake upstream, then the gateway with `env` plus
  // OPENAI_API_BASE pointing at the fake (unless `env` sets it). Fails the
  // current test on error. Resilience (retries, key cooldowns, circuit
  // breakers) is off unless `env` sets LLMGW_RESILIENCE=on. Metrics are
  // served only when asked: stopping prometheus-cpp's exposer takes ~2 s.
  // An env value equal to this is replaced by the fake's OpenAI base URL;
  // "{fake_base_url:<format>}" by that wire format's base URL (FakeBaseUrl()).
  static constexpr char kFakeBaseUrl[] = "{fake_base_url}";
  static std::string FakeBaseUrl(const std::string& format) {
    return "{fake_base_url:" + format + "}";
  }

  explicit GatewayHarness(
      std::map<std::string, std::string> env = {{"OPENAI_API_KEY",
                                                 "sk-test-key-0123456789"}},
      GatewayConfig config = {}, bool serve_metrics = false,
      fake_upstream::FakeUpstreamOptions upstream_options = {});
  ~GatewayHarness();

  fake_upstream::FakeUpstream& upstream() { return upstream_; }
  // Every audit event the gateway wrote.
  RecordingAuditLog& audit() { return *audit_; }
  GatewayServer& server() { return *server_; }
  llmgateway::v1::LlmGateway::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  // http://127.0.0.1:<metrics port> (serve_metrics only)
  std::string metrics_url() const;

  // A one-user-message request.
  static llmgateway::v1::GenerateRequest UserRequest(
      const std::string& text, const std::string& model = "");
  // Appends a message to `request`.
  static llmgateway::v1::ChatMessage* AddMessage(
      llmgateway::v1::GenerateRequest* request, llmgateway::v1::Role role,
      const std::string& text);

  // What `in` input and `out` output tokens of `provider`'s `model` cost at
  // the gateway's catalog prices (0 for an uncatalogued model).
  int64_t CatalogCost(const std::string& provider, const std::string& model,
                      int64_t in, int64_t out);

  // What a successful answer must say.
  struct ExpectedAnswer {
    std::string text;
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
    std::string provider;
    std::string model;
    std::string request_id;
    // The key the single successful attempt must have used.
    std::string api_key;
  };
  // Checks (with gtest expectations) text, finish reason STOP, provider-
  // reported usage, provider, model, request id, the cost at catalog prices,
  // and a single successful attempt by `api_key`'s fingerprint. Returns the
  // expected cost.
  int64_t ExpectAnswer(const llmgateway::v1::GenerateResponse& response,
                       const ExpectedAnswer& expected);

  // Calls Generate with a deadline `timeout` from now. `response` may be
  // null when only the status matters.
  grpc::Status Generate(const llmgateway::v1::GenerateRequest& request,
                        llmgateway::v1::GenerateResponse* response = nullptr,
                        absl::Duration timeout = absl::Seconds(10));

  // Calls GenerateStream and collects every event.
  struct StreamResult {
    std::vector<std::string> deltas;
    std::string text;
    bool has_summary = false;
    llmgateway::v1::StreamSummary summary;
    grpc::Status status;
    std::multimap<grpc::string_ref, grpc::string_ref> trailers;
    std::map<std::string, std::string> trailer_map;
  };
  StreamResult Stream(const llmgateway::v1::GenerateRequest& request,
                      absl::Duration timeout = absl::Seconds(10));

  llmgateway::v1::BudgetResponse Budget();
  // Budget() once no reservation is open, or after `wait` if one stays open.
  // Settlement runs on the event loop after the caller has its answer (a
  // caller's own deadline can fire first), so tests that check "nothing
  // stays reserved" right after a cancelled call read it this way.
  llmgateway::v1::BudgetResponse SettledBudget(
      absl::Duration wait = absl::Seconds(3));
  llmgateway::v1::StatusResponse Status();

 private:
  fake_upstream::FakeUpstream upstream_;
  RecordingAuditLog* audit_ = nullptr;  // owned by the server's core
  std::unique_ptr<GatewayServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<llmgateway::v1::LlmGateway::Stub> stub_;
};

}  // namespace llmgw::testing

#endif  // LLMGW_TESTS_GATEWAY_HARNESS_H_
