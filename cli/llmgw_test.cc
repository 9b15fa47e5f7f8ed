// Runs the built llmgw binary against an in-process fake LlmGateway server
// and checks what reached the server and what the binary printed.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/run_binary.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/gateway.grpc.pb.h"

namespace llmgw {
namespace {

namespace v1 = ::llmgateway::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A test double: fixed answers, and a record of the requests it got.
// Model names pick behaviours: "missing" -> NOT_FOUND, "slow" -> waits for
// the caller's deadline, "broken" -> stream fails after one delta.
class FakeGateway final : public v1::LlmGateway::Service {
 public:
  grpc::Status Generate(grpc::ServerContext* context,
                        const v1::GenerateRequest* request,
                        v1::GenerateResponse* response) override {
    Record(*request);
    if (request->model() == "missing") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "no provider serves model missing");
    }
    if (request->model() == "slow") {
      while (!context->IsCancelled()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    response->set_text("Paris is the capital of France.");
    response->set_finish_reason(v1::FINISH_REASON_STOP);
    response->mutable_usage()->set_input_tokens(12);
    response->mutable_usage()->set_output_tokens(7);
    response->set_cost_nano_usd(1234);
    response->set_provider("openai");
    response->set_model("gpt-4o-mini");
    response->set_latency_ms(321);
    v1::Attempt* skipped = response->add_attempts();
    skipped->set_provider("anthropic");
    skipped->set_model("claude-3-5-haiku-latest");
    skipped->set_outcome(v1::ATTEMPT_OUTCOME_RATE_LIMITED);
    skipped->set_http_status(429);
    skipped->set_latency_ms(40);
    skipped->set_detail("rate limited");
    v1::Attempt* success = response->add_attempts();
    success->set_provider("openai");
    success->set_model("gpt-4o-mini");
    success->set_outcome(v1::ATTEMPT_OUTCOME_SUCCESS);
    success->set_http_status(200);
    success->set_latency_ms(280);
    response->set_request_id(
        request->request_id().empty() ? "generated-1" : request->request_id());
    return grpc::Status::OK;
  }

  grpc::Status GenerateStream(
      grpc::ServerContext* context, const v1::GenerateRequest* request,
      grpc::ServerWriter<v1::GenerateStreamEvent>* writer) override {
    Record(*request);
    if (request->model() == "broken") {
      WriteDelta(writer, "partial");
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "upstream reset");
    }
    for (const char* text : {"Hel", "lo, ", "world"}) WriteDelta(writer, text);
    v1::GenerateStreamEvent last;
    v1::StreamSummary* summary = last.mutable_summary();
    summary->set_finish_reason(v1::FINISH_REASON_LENGTH);
    summary->mutable_usage()->set_input_tokens(5);
    summary->mutable_usage()->set_output_tokens(3);
    summary->mutable_usage()->set_estimated(true);
    summary->set_cost_nano_usd(42);
    summary->set_provider("gemini");
    summary->set_model("gemini-2.0-flash");
    summary->set_latency_ms(99);
    summary->add_attempts()->set_outcome(v1::ATTEMPT_OUTCOME_SUCCESS);
    summary->set_request_id("stream-1");
    summary->set_time_to_first_token_ms(15);
    writer->Write(last);
    return grpc::Status::OK;
  }

  grpc::Status Status(grpc::ServerContext* context,
                      const v1::StatusRequest* request,
                      v1::StatusResponse* response) override {
    response->set_state(v1::SERVING_STATE_DEGRADED);
    response->set_state_reason("gemini is not configured");
    response->set_primary_provider("anthropic");
    response->set_version("1.2.3");
    response->set_uptime_seconds(3600);
    response->add_fallback_chain("anthropic");
    response->add_fallback_chain("openai");
    v1::ProviderStatus* anthropic = response->add_providers();
    anthropic->set_name("anthropic");
    anthropic->set_available(true);
    anthropic->set_confidence_score(0.85);
    anthropic->set_in_fallback_chain(true);
    anthropic->set_circuit_state(v1::CIRCUIT_STATE_CLOSED);
    anthropic->add_models()->set_name("claude-3-5-sonnet-20241022");
    anthropic->add_models()->set_name("claude-3-5-haiku-20241022");
    v1::KeyStatus* healthy = anthropic->add_keys();
    healthy->set_fingerprint("sk-ant-…3f9a#1c2e4b");
    healthy->set_state(v1::KEY_STATE_HEALTHY);
    v1::KeyStatus* cooling = anthropic->add_keys();
    cooling->set_fingerprint("sk-ant-…77aa#99ff00");
    cooling->set_state(v1::KEY_STATE_COOLING_DOWN);
    cooling->set_cooldown_remaining_ms(12'400);
    v1::ProviderStatus* gemini = response->add_providers();
    gemini->set_name("gemini");
    gemini->set_available(false);
    gemini->set_unavailable_reason("set GEMINI_API_KEY or GEMINI_API_KEYS");
    gemini->set_confidence_score(0.8);
    gemini->set_circuit_state(v1::CIRCUIT_STATE_OPEN);
    for (const char* name : {"gemini-1.5-pro", "gemini-1.5-flash",
                             "gemini-2.0-flash", "gemini-2.5-pro"}) {
      gemini->add_models()->set_name(name);
    }
    return grpc::Status::OK;
  }

  grpc::Status Budget(grpc::ServerContext* context,
                      const v1::BudgetRequest* request,
                      v1::BudgetResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      budget_scopes_.push_back(request->scope());
    }
    response->set_scope(request->scope());
    response->set_limit_nano_usd(5'000'000'000);
    response->set_spent_nano_usd(1'234'567'890);
    response->set_reserved_nano_usd(1'000);
    response->set_remaining_nano_usd(3'765'431'110);
    response->set_window_start_unix_ms(1'700'000'000'000);
    response->set_window_length_seconds(86'400);
    response->set_lifetime_spent_nano_usd(9'000'000'001);
    response->set_open_reservations(1);
    v1::SpendBreakdown* row = response->add_breakdown();
    row->set_provider("openai");
    row->set_model("gpt-4o-mini");
    row->set_spent_nano_usd(1'234'567'890);
    row->set_calls(17);
    return grpc::Status::OK;
  }

  std::vector<v1::GenerateRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<std::string> budget_scopes() {
    std::lock_guard<std::mutex> lock(mu_);
    return budget_scopes_;
  }

 private:
  void Record(const v1::GenerateRequest& request) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
  }
  static void WriteDelta(grpc::ServerWriter<v1::GenerateStreamEvent>* writer,
                         const char* text) {
    v1::GenerateStreamEvent event;
    event.mutable_delta()->set_text(text);
    writer->Write(event);
  }

  std::mutex mu_;
  std::vector<v1::GenerateRequest> requests_;
  std::vector<std::string> budget_scopes_;
};

using cli::testing::ReadFile;
using cli::testing::RunResult;

// Column (in code points) where `word` starts on the first line that starts
// with `line_prefix`; -1 if there is none.
int ColumnOf(const std::string& text, const std::string& line_prefix,
             const std::string& word) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(line_prefix, 0) != 0) continue;
    size_t at = line.rfind(word);
    if (at == std::string::npos) return -1;
    int column = 0;
    for (size_t i = 0; i < at; ++i) {
      if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++column;
    }
    return column;
  }
  return -1;
}

class LlmgwTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new FakeGateway();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }

  static void TearDownTestSuite() {
    server_->Shutdown();
    delete server_;
    delete service_;
  }

  static std::string Addr() { return "127.0.0.1:" + std::to_string(port_); }

  // Runs llmgw with `args` (no --addr added), `input` on stdin and
  // LLMGW_ADDR removed from the environment unless given in `env`.
  static RunResult RunRaw(const std::vector<std::string>& args,
                          const std::string& input = "",
                          const std::vector<std::string>& env = {}) {
    return cli::testing::RunLlmgw(args, input, env);
  }

  // Runs llmgw pointed at the fake server.
  static RunResult Run(std::vector<std::string> args,
                       const std::string& input = "") {
    args.insert(args.begin(), {"--addr", Addr()});
    return RunRaw(args, input);
  }

  static FakeGateway* service_;
  static grpc::Server* server_;
  static int port_;
};

FakeGateway* LlmgwTest::service_ = nullptr;
grpc::Server* LlmgwTest::server_ = nullptr;
int LlmgwTest::port_ = 0;

TEST_F(LlmgwTest, GenerateSendsEveryFlag) {
  const size_t before = service_->requests().size();
  RunResult run = Run({"generate",
                       "--model",
                       "openai/gpt-4o-mini",
                       "--system",
                       "Answer briefly.",
                       "--max_tokens",
                       "64",
                       "--temperature",
                       "0.25",
                       "--top_p=0.9",
                       "--stop",
                       "END",
                       "--stop",
                       "STOP,HALT",
                       "--fallback",
                       "anthropic/claude-3-5-haiku-latest,gemini-2.0-flash",
                       "--request_id",
                       "req-42",
                       "--metadata",
                       "team=search",
                       "--metadata",
                       "feature=qa=1",
                       "--min_confidence",
                       "0.75",
                       "What",
                       "is the",
                       "capital?"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<v1::GenerateRequest> requests = service_->requests();
  ASSERT_EQ(requests.size(), before + 1);
  const v1::GenerateRequest& request = requests.back();
  ASSERT_EQ(request.messages_size(), 2);
  EXPECT_EQ(request.messages(0).role(), v1::ROLE_SYSTEM);
  EXPECT_EQ(request.messages(0).content(), "Answer briefly.");
  EXPECT_EQ(request.messages(1).role(), v1::ROLE_USER);
  EXPECT_EQ(request.messages(1).content(), "What is the capital?");
  EXPECT_EQ(request.model(), "openai/gpt-4o-mini");
  EXPECT_EQ(request.max_tokens(), 64);
  ASSERT_TRUE(request.has_temperature());
  EXPECT_FLOAT_EQ(request.temperature(), 0.25f);
  ASSERT_TRUE(request.has_top_p());
  EXPECT_FLOAT_EQ(request.top_p(), 0.9f);
  EXPECT_THAT(request.stop(), ElementsAre("END", "STOP", "HALT"));
  EXPECT_THAT(
      request.fallback_models(),
      ElementsAre("anthropic/claude-3-5-haiku-latest", "gemini-2.0-flash"));
  EXPECT_EQ(request.request_id(), "req-42");
  ASSERT_EQ(request.metadata_size(), 2);
  EXPECT_EQ(request.metadata().at("team"), "search");
  EXPECT_EQ(request.metadata().at("feature"), "qa=1");
  EXPECT_DOUBLE_EQ(request.min_confidence(), 0.75);

  EXPECT_EQ(run.out, "Paris is the capital of France.\n");
  EXPECT_EQ(run.err,
            "openai/gpt-4o-mini | finish stop | tokens 12 in / 7 out | cost "
            "$0.000001234 | 321 ms | 2 attempts | request req-42\n"
            "  attempt 1: anthropic/claude-3-5-haiku-latest rate_limited "
            "http 429 40 ms: rate limited\n"
            "  attempt 2: openai/gpt-4o-mini success http 200 280 ms\n");
}

TEST_F(LlmgwTest, UnsetOptionsStayUnset) {
  RunResult run = Run({"generate", "hello"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const v1::GenerateRequest request = service_->requests().back();
  ASSERT_EQ(request.messages_size(), 1);
  EXPECT_EQ(request.messages(0).content(), "hello");
  EXPECT_EQ(request.model(), "");
  EXPECT_EQ(request.max_tokens(), 0);
  EXPECT_FALSE(request.has_temperature());
  EXPECT_FALSE(request.has_top_p());
  EXPECT_EQ(request.stop_size(), 0);
  EXPECT_EQ(request.fallback_models_size(), 0);
  EXPECT_EQ(request.metadata_size(), 0);
  EXPECT_EQ(request.min_confidence(), 0);
}

TEST_F(LlmgwTest, PromptFromStdin) {
  RunResult dash = Run({"generate", "-"}, "from stdin\n");
  ASSERT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_EQ(service_->requests().back().messages(0).content(), "from stdin");

  RunResult none = Run({"generate", "--model", "m"}, "two\nlines\n");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(service_->requests().back().messages(0).content(), "two\nlines");
}

TEST_F(LlmgwTest, GlobalFlagsAfterTheCommandAndAddrFromEnvironment) {
  RunResult run = RunRaw({"generate", "--timeout", "5", "hi"}, "",
                         {"LLMGW_ADDR=" + Addr()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "Paris is the capital of France.\n");
}

TEST_F(LlmgwTest, GenerateJsonParses) {
  RunResult run = Run({"--json", "generate", "hi"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  nlohmann::json reply = nlohmann::json::parse(run.out);
  EXPECT_EQ(reply["text"], "Paris is the capital of France.");
  EXPECT_EQ(reply["costNanoUsd"], "1234");
  EXPECT_EQ(reply["finishReason"], "FINISH_REASON_STOP");
  EXPECT_EQ(reply["usage"]["inputTokens"], "12");
  EXPECT_EQ(reply["attempts"].size(), 2u);
  EXPECT_EQ(reply["requestId"], "generated-1");
}

TEST_F(LlmgwTest, StreamPrintsDeltasThenSummaryOnStderr) {
  RunResult run = Run({"stream", "--model", "gemini-2.0-flash", "hi"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(service_->requests().back().model(), "gemini-2.0-flash");
  EXPECT_EQ(run.out, "Hello, world\n");
  EXPECT_EQ(run.err,
            "gemini/gemini-2.0-flash | finish length | tokens 5 in / 3 out "
            "(estimated) | cost $0.000000042 | 99 ms | 1 attempt | request "
            "stream-1 | first token 15 ms\n");
}

TEST_F(LlmgwTest, StreamJsonIsOneEventPerLine) {
  RunResult run = Run({"stream", "--json", "hi"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<nlohmann::json> events;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    events.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["delta"]["text"], "Hel");
  EXPECT_EQ(events[3]["summary"]["costNanoUsd"], "42");
}

TEST_F(LlmgwTest, StreamErrorAfterOutput) {
  RunResult run = Run({"stream", "--model", "broken", "hi"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "partial\n");
  EXPECT_EQ(run.err, "error: UNAVAILABLE: upstream reset\n");
}

TEST_F(LlmgwTest, RpcErrorExitsOneWithCodeName) {
  RunResult run = Run({"generate", "--model", "missing", "hi"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "error: NOT_FOUND: no provider serves model missing\n");
}

TEST_F(LlmgwTest, TimeoutSetsTheDeadline) {
  auto start = std::chrono::steady_clock::now();
  RunResult run =
      Run({"--timeout", "0.3", "generate", "--model", "slow", "hi"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, StartsWith("error: DEADLINE_EXCEEDED: "));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(LlmgwTest, UnreachableServerIsAnRpcError) {
  RunResult run = RunRaw({"--addr", "127.0.0.1:1", "--timeout", "5", "status"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, StartsWith("error: UNAVAILABLE: "));
}

TEST_F(LlmgwTest, UsageErrorsExitTwoWithoutCalling) {
  const size_t before = service_->requests().size();
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {{"generate", "--nope", "x"}, "unknown flag --nope for generate"},
           {{"generate", "--max_tokens", "abc", "x"},
            "--max_tokens wants an integer, got \"abc\""},
           {{"generate", "--temperature", "warm", "x"},
            "--temperature wants a number"},
           {{"generate", "--metadata", "novalue", "x"},
            "--metadata wants key=value"},
           {{"generate", "--model"}, "--model needs a value"},
           {{}, "missing command"},
           {{"frobnicate"}, "unknown command \"frobnicate\""},
           {{"status", "extra"}, "status takes no arguments"},
           {{"status", "--scope", "x"}, "unknown flag --scope for status"},
           {{"--timeout", "0", "status"}, "--timeout must be positive"},
           {{"-v", "status"}, "unknown flag -v"},
       }) {
    RunResult run = Run(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.message;
    EXPECT_THAT(run.err, HasSubstr(c.message));
    EXPECT_EQ(run.out, "");
  }
  RunResult empty_prompt = Run({"generate"}, "");
  EXPECT_EQ(empty_prompt.exit_code, 2);
  EXPECT_THAT(empty_prompt.err, HasSubstr("the prompt is empty"));
  EXPECT_EQ(service_->requests().size(), before);
}

TEST_F(LlmgwTest, HelpExitsZero) {
  RunResult run = Run({"help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, StartsWith("usage: llmgw"));
  EXPECT_THAT(run.out, HasSubstr("exit codes: 0 ok, 1 RPC error"));
}

TEST_F(LlmgwTest, StatusTable) {
  RunResult run = Run({"status"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith("state: DEGRADED (gemini is not configured)\n"
                                  "primary: anthropic\n"
                                  "version: 1.2.3, up 3600 s\n\n"));
  EXPECT_THAT(run.out, HasSubstr("PROVIDER   AVAILABLE"));
  EXPECT_THAT(run.out, HasSubstr("anthropic  yes  "));
  EXPECT_THAT(
      run.out,
      HasSubstr("claude-3-5-sonnet-20241022,claude-3-5-haiku-20241022"));
  EXPECT_THAT(
      run.out,
      HasSubstr("sk-ant-…3f9a#1c2e4b,sk-ant-…77aa#99ff00 (cooling 12s)"));
  EXPECT_THAT(run.out, HasSubstr("no: set GEMINI_API_KEY or GEMINI_API_KEYS"));
  EXPECT_THAT(
      run.out,
      HasSubstr("gemini-1.5-pro,gemini-1.5-flash,gemini-2.0-flash +1 more"));
  EXPECT_THAT(run.out, HasSubstr("0.85"));
  // Columns line up although fingerprints contain multi-byte "…".
  EXPECT_GT(ColumnOf(run.out, "anthropic  ", "closed"), 100);
  EXPECT_EQ(ColumnOf(run.out, "anthropic  ", "closed"),
            ColumnOf(run.out, "gemini  ", "open"));
  EXPECT_THAT(run.out, HasSubstr("\nfallback chain: anthropic -> openai\n"));
}

TEST_F(LlmgwTest, StatusJsonParses) {
  RunResult run = Run({"status", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json status = nlohmann::json::parse(run.out);
  EXPECT_EQ(status["state"], "SERVING_STATE_DEGRADED");
  EXPECT_EQ(status["providers"].size(), 2u);
  EXPECT_EQ(status["fallbackChain"][1], "openai");
}

TEST_F(LlmgwTest, BudgetInUsd) {
  RunResult run = Run({"budget", "--scope", "provider:openai"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(service_->budget_scopes().back(), "provider:openai");
  EXPECT_THAT(run.out, HasSubstr("scope:           provider:openai\n"));
  EXPECT_THAT(run.out, HasSubstr("limit:           $5.000000000\n"));
  EXPECT_THAT(run.out, HasSubstr("spent:           $1.234567890\n"));
  EXPECT_THAT(
      run.out,
      HasSubstr("reserved:        $0.000001000 (open reservations: 1)\n"));
  EXPECT_THAT(run.out, HasSubstr("remaining:       $3.765431110\n"));
  EXPECT_THAT(run.out,
              HasSubstr("window:          2023-11-14 22:13:20 UTC, 86400 s\n"));
  EXPECT_THAT(run.out, HasSubstr("hard cap:        none\n"));
  EXPECT_THAT(run.out, HasSubstr("lifetime spent:  $9.000000001\n"));
  EXPECT_THAT(run.out, HasSubstr("openai    gpt-4o-mini  $1.234567890  17\n"));

  RunResult global = Run({"budget"});
  ASSERT_EQ(global.exit_code, 0) << global.err;
  EXPECT_EQ(service_->budget_scopes().back(), "");
  EXPECT_THAT(global.out, HasSubstr("scope:           global\n"));
}

}  // namespace
}  // namespace llmgw
