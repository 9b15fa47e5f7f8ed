// The rich-contract options of the built llmgw binary (tools, structured
// output, images, --messages, embed) against an in-process fake LlmGateway
// server: what reached the server, and what the binary printed.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cli/run_binary.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/gateway.grpc.pb.h"

namespace llmgw {
namespace {

namespace v1 = ::llmgateway::v1;
using cli::testing::RunLlmgw;
using cli::testing::RunResult;
using ::testing::HasSubstr;

// Model "tools" answers with tool calls, "refuse" with a refusal and a block
// reason; anything else with text.
class ContractGateway final : public v1::LlmGateway::Service {
 public:
  grpc::Status Generate(grpc::ServerContext*, const v1::GenerateRequest* req,
                        v1::GenerateResponse* response) override {
    Record(*req);
    response->set_provider("openai");
    response->set_model("gpt-4o");
    response->add_attempts()->set_outcome(v1::ATTEMPT_OUTCOME_SUCCESS);
    v1::Usage* usage = response->mutable_usage();
    usage->set_input_tokens(1200);
    usage->set_cached_input_tokens(1000);
    usage->set_output_tokens(30);
    usage->set_reasoning_tokens(12);
    response->set_cost_nano_usd(987);
    if (req->model() == "tools") {
      response->set_finish_reason(v1::FINISH_REASON_TOOL_CALLS);
      v1::ToolCall* call = response->add_tool_calls();
      call->set_id("call_1");
      call->set_name("get_weather");
      call->set_arguments_json(R"({"city":"Paris"})");
    } else if (req->model() == "refuse") {
      response->set_finish_reason(v1::FINISH_REASON_CONTENT_FILTER);
      response->set_refusal("I can't help with that.");
      response->set_block_reason("SAFETY");
    } else {
      response->set_text("It is 18C in Paris.");
      response->set_finish_reason(v1::FINISH_REASON_STOP);
    }
    return grpc::Status::OK;
  }

  grpc::Status GenerateStream(
      grpc::ServerContext*, const v1::GenerateRequest* req,
      grpc::ServerWriter<v1::GenerateStreamEvent>* writer) override {
    Record(*req);
    v1::GenerateStreamEvent e;
    e.mutable_delta()->set_text("Checking.");
    writer->Write(e);
    auto tool_delta = [&](int index, const char* id, const char* name,
                          const char* args) {
      v1::GenerateStreamEvent t;
      v1::ToolCallDelta* d = t.mutable_tool_call_delta();
      d->set_index(index);
      d->set_id(id);
      d->set_name(name);
      d->set_arguments_json_delta(args);
      writer->Write(t);
    };
    tool_delta(0, "call_1", "get_weather", "");
    tool_delta(0, "", "", R"({"city":)");
    tool_delta(0, "", "", R"("Paris"})");
    tool_delta(1, "call_2", "now", "{}");
    v1::GenerateStreamEvent last;
    v1::StreamSummary* s = last.mutable_summary();
    s->set_provider("anthropic");
    s->set_model("claude");
    s->set_finish_reason(v1::FINISH_REASON_TOOL_CALLS);
    s->mutable_usage()->set_input_tokens(50);
    s->mutable_usage()->set_cache_write_input_tokens(40);
    s->mutable_usage()->set_output_tokens(20);
    s->add_attempts()->set_outcome(v1::ATTEMPT_OUTCOME_SUCCESS);
    writer->Write(last);
    return grpc::Status::OK;
  }

  grpc::Status Embed(grpc::ServerContext*, const v1::EmbedRequest* req,
                     v1::EmbedResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      embeds_.push_back(*req);
    }
    if (req->model() == "chat-only") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "chat-only on openai does not support embeddings");
    }
    for (int i = 0; i < req->inputs_size(); ++i) {
      v1::Embedding* e = response->add_embeddings();
      e->set_index(i);
      for (int d = 0; d < 3; ++d) e->add_values(0.25f * (i + 1) + d);
    }
    response->set_provider("openai");
    response->set_model("text-embedding-3-small");
    response->mutable_usage()->set_input_tokens(7);
    response->set_cost_nano_usd(140);
    response->set_latency_ms(12);
    response->add_attempts()->set_outcome(v1::ATTEMPT_OUTCOME_SUCCESS);
    response->set_request_id("emb-1");
    return grpc::Status::OK;
  }

  grpc::Status Status(grpc::ServerContext*, const v1::StatusRequest*,
                      v1::StatusResponse* response) override {
    v1::ProviderStatus* p = response->add_providers();
    p->set_name("anthropic");
    v1::ModelInfo* m = p->add_models();
    m->set_name("claude-sonnet");
    m->set_context_window(200000);
    m->set_input_nano_usd_per_million(3'000'000'000);
    m->set_output_nano_usd_per_million(15'000'000'000);
    m->set_cached_input_nano_usd_per_million(300'000'000);
    m->set_cache_write_nano_usd_per_million(3'750'000'000);
    for (const char* f : {"chat", "tools", "vision"}) m->add_features(f);
    v1::ProviderStatus* o = response->add_providers();
    o->set_name("openai");
    v1::ModelInfo* e = o->add_models();
    e->set_name("text-embedding-3-small");
    e->set_input_nano_usd_per_million(20'000'000);
    e->add_features("embeddings");
    o->add_models()->set_name("legacy");
    return grpc::Status::OK;
  }

  v1::GenerateRequest LastGenerate() {
    std::lock_guard<std::mutex> lock(mu_);
    return generates_.empty() ? v1::GenerateRequest() : generates_.back();
  }
  size_t Generates() {
    std::lock_guard<std::mutex> lock(mu_);
    return generates_.size();
  }
  v1::EmbedRequest LastEmbed() {
    std::lock_guard<std::mutex> lock(mu_);
    return embeds_.empty() ? v1::EmbedRequest() : embeds_.back();
  }

 private:
  void Record(const v1::GenerateRequest& r) {
    std::lock_guard<std::mutex> lock(mu_);
    generates_.push_back(r);
  }
  std::mutex mu_;
  std::vector<v1::GenerateRequest> generates_;
  std::vector<v1::EmbedRequest> embeds_;
};

class LlmgwContractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new ContractGateway();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
    ASSERT_NE(server_, nullptr);
  }
  static void TearDownTestSuite() {
    server_->Shutdown();
    delete server_;
    delete service_;
  }
  static RunResult Run(std::vector<std::string> args,
                       const std::string& input = "") {
    args.insert(args.begin(), {"--addr", "127.0.0.1:" + std::to_string(port_)});
    return RunLlmgw(args, input);
  }
  static std::string File(const std::string& name, const std::string& bytes) {
    const std::string path =
        std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  static ContractGateway* service_;
  static grpc::Server* server_;
  static int port_;
};

ContractGateway* LlmgwContractTest::service_ = nullptr;
grpc::Server* LlmgwContractTest::server_ = nullptr;
int LlmgwContractTest::port_ = 0;

TEST_F(LlmgwContractTest, GenerateSendsToolsSchemaImagesAndSeed) {
  const std::string png("\x89PNG\r\n\x1a\n\0\0IHDR", 14);
  RunResult run =
      Run({"generate",
           "--tool",
           R"(get_weather:Weather for a city:{"type":"object","properties":)"
           R"({"city":{"type":"string"}},"required":["city"]})",
           "--tools-file",
           File("tools.json", R"([{"type": "function", "function": {"name":
         "now", "description": "The time", "parameters": {"type":
         "object"}}}])"),
           "--tool-choice",
           "get_weather",
           "--json-schema",
           File("schema.json", R"({"type": "object", "properties": {"temp":
         {"type": "number"}}})"),
           "--schema-name",
           "weather",
           "--strict",
           "--image",
           File("cat.png", png),
           "--image",
           "https://example.com/dog.jpg",
           "--seed",
           "42",
           "What",
           "is",
           "this?"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const v1::GenerateRequest r = service_->LastGenerate();
  ASSERT_EQ(r.tools_size(), 2);
  EXPECT_EQ(r.tools(0).name(), "get_weather");
  EXPECT_EQ(r.tools(0).description(), "Weather for a city");
  EXPECT_THAT(r.tools(0).parameters_json_schema(),
              HasSubstr(R"("required":["city"])"));
  EXPECT_EQ(r.tools(1).name(), "now");
  EXPECT_EQ(r.tools(1).parameters_json_schema(), R"({"type":"object"})");
  EXPECT_EQ(r.tool_choice().mode(), v1::ToolChoice::MODE_NAMED);
  EXPECT_EQ(r.tool_choice().name(), "get_weather");
  EXPECT_EQ(r.response_format().type(), v1::ResponseFormat::TYPE_JSON_SCHEMA);
  EXPECT_EQ(r.response_format().schema_name(), "weather");
  EXPECT_TRUE(r.response_format().strict());
  EXPECT_EQ(r.response_format().json_schema(),
            R"({"properties":{"temp":{"type":"number"}},"type":"object"})");
  ASSERT_TRUE(r.has_seed());
  EXPECT_EQ(r.seed(), 42);
  ASSERT_EQ(r.messages_size(), 1);
  const v1::ChatMessage& user = r.messages(0);
  EXPECT_EQ(user.content(), "");
  ASSERT_EQ(user.parts_size(), 3);
  EXPECT_EQ(user.parts(0).text(), "What is this?");
  EXPECT_EQ(user.parts(1).image().data(), png);
  EXPECT_EQ(user.parts(1).image().mime_type(), "image/png");
  EXPECT_EQ(user.parts(2).image().url(), "https://example.com/dog.jpg");
}

TEST_F(LlmgwContractTest, PlainGenerateSetsNoContractFields) {
  ASSERT_EQ(Run({"generate", "hi"}).exit_code, 0);
  const v1::GenerateRequest r = service_->LastGenerate();
  EXPECT_EQ(r.tools_size(), 0);
  EXPECT_FALSE(r.has_tool_choice());
  EXPECT_FALSE(r.has_response_format());
  EXPECT_FALSE(r.has_seed());
  EXPECT_EQ(r.messages(0).content(), "hi");
  EXPECT_EQ(r.messages(0).parts_size(), 0);
}

TEST_F(LlmgwContractTest, JsonObjectAndBadOptionsAreUsageErrors) {
  ASSERT_EQ(Run({"generate", "--json_object", "list three colours"}).exit_code,
            0);
  EXPECT_EQ(service_->LastGenerate().response_format().type(),
            v1::ResponseFormat::TYPE_JSON_OBJECT);
  const size_t before = service_->Generates();
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"generate", "--json_object", "--json_schema", "{}", "x"},
           {"generate", "--json_schema", "{not json", "x"},
           {"generate", "--strict", "x"},
           {"generate", "--tool", "f:d:{oops", "x"},
           {"generate", "--image", File("notes.txt", "hi"), "x"},
           {"generate", "--image", "/nonexistent/cat.png", "x"},
           {"generate", "--seed", "abc", "x"},
           {"generate", "--messages", File("bad.json", "{}")}}) {
    RunResult run = Run(args);
    EXPECT_EQ(run.exit_code, 2) << args[1] << ": " << run.err;
    EXPECT_THAT(run.err, HasSubstr("--")) << run.err;
  }
  EXPECT_EQ(service_->Generates(), before) << "a bad command line was sent";
}

TEST_F(LlmgwContractTest, ToolRoundTripWithMessagesFile) {
  RunResult first =
      Run({"generate", "--model", "tools", "--tool",
           R"(get_weather:Weather:{"type":"object"})", "Weather in Paris?"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "tool_call call_1 get_weather {\"city\":\"Paris\"}\n");
  EXPECT_THAT(first.err, HasSubstr("finish tool_calls"));
  EXPECT_THAT(first.err, HasSubstr("tokens 1200 in (1000 cached) / 30 out (12 "
                                   "reasoning)"));
  const std::string turns = File("turns.json", R"([
    {"role": "ROLE_USER", "content": "Weather in Paris?"},
    {"role": "ROLE_ASSISTANT", "toolCalls": [{"id": "call_1",
      "name": "get_weather", "argumentsJson": "{\"city\":\"Paris\"}"}]},
    {"role": "ROLE_TOOL", "toolCallId": "call_1", "toolName": "get_weather",
     "content": "{\"temp\": 18}"}])");
  RunResult second =
      Run({"generate", "--tool", R"(get_weather:Weather:{"type":"object"})",
           "--messages", turns, "--system", "Be brief."});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, "It is 18C in Paris.\n");
  const v1::GenerateRequest r = service_->LastGenerate();
  ASSERT_EQ(r.messages_size(), 4);  // system + the three turns, no prompt
  EXPECT_EQ(r.messages(0).role(), v1::ROLE_SYSTEM);
  EXPECT_EQ(r.messages(2).tool_calls(0).id(), "call_1");
  EXPECT_EQ(r.messages(3).role(), v1::ROLE_TOOL);
  EXPECT_EQ(r.messages(3).tool_call_id(), "call_1");
  EXPECT_EQ(r.messages(3).content(), "{\"temp\": 18}");
}

TEST_F(LlmgwContractTest, RefusalAndBlockReasonArePrinted) {
  RunResult run = Run({"generate", "--model", "refuse", "x"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "refusal: I can't help with that.\n");
  EXPECT_THAT(run.err, HasSubstr("finish content_filter"));
  EXPECT_THAT(run.err, HasSubstr("blocked: SAFETY\n"));
}

TEST_F(LlmgwContractTest, StreamPrintsToolCallDeltas) {
  RunResult run =
      Run({"stream", "--tool", "get_weather", "--tool", "now", "Weather?"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "Checking.\n"
            "tool_call 0 call_1 get_weather {\"city\":\"Paris\"}\n"
            "tool_call 1 call_2 now {}\n");
  EXPECT_THAT(run.err,
              HasSubstr("anthropic/claude | finish tool_calls | tokens 50 in "
                        "(40 cache write) / 20 out"));
}

TEST_F(LlmgwContractTest, EmbedArgumentsPrintVectorsAndCost) {
  RunResult run = Run({"embed", "--model", "openai/text-embedding-3-small",
                       "--dimensions", "3", "--input-type", "search_query",
                       "--request_id", "emb-1", "first text", "second"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const v1::EmbedRequest r = service_->LastEmbed();
  ASSERT_EQ(r.inputs_size(), 2);
  EXPECT_EQ(r.inputs(0), "first text");
  EXPECT_EQ(r.model(), "openai/text-embedding-3-small");
  EXPECT_EQ(r.dimensions(), 3);
  EXPECT_EQ(r.input_type(), v1::EMBED_INPUT_TYPE_SEARCH_QUERY);
  EXPECT_EQ(r.request_id(), "emb-1");
  EXPECT_EQ(run.out, "0\t0.25 1.25 2.25\n1\t0.5 1.5 2.5\n");
  EXPECT_EQ(run.err,
            "openai/text-embedding-3-small | tokens 7 in | cost $0.000000140 "
            "| 12 ms | 1 attempt | request emb-1\n");
}

TEST_F(LlmgwContractTest, EmbedStdinLinesQuietAndErrors) {
  RunResult run = Run({"embed", "--quiet"}, "alpha\n\nbeta\r\ngamma");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const v1::EmbedRequest r = service_->LastEmbed();
  EXPECT_THAT(std::vector<std::string>(r.inputs().begin(), r.inputs().end()),
              ::testing::ElementsAre("alpha", "beta", "gamma"));
  EXPECT_EQ(r.model(), "");
  EXPECT_EQ(run.out, "3 vectors of 3 dimensions\n");
  EXPECT_EQ(Run({"embed"}, "\n\n").exit_code, 2);
  EXPECT_EQ(Run({"embed", "--input_type", "poetry", "x"}).exit_code, 2);
  EXPECT_EQ(Run({"embed", "--dimensions", "-1", "x"}).exit_code, 2);
  RunResult refused = Run({"embed", "--model", "chat-only", "x"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err,
              HasSubstr("error: FAILED_PRECONDITION: chat-only on openai does "
                        "not support embeddings"));
}

TEST_F(LlmgwContractTest, StatusModelsShowsPricesAndFeatures) {
  RunResult run = Run({"status", "--models"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "PROVIDER   MODEL                   CONTEXT  IN/M   OUT/M   "
            "CACHED/M  CACHE_WRITE/M  REASONING/M  FEATURES\n"
            "anthropic  claude-sonnet           200000   $3.00  $15.00  "
            "$0.30     $3.75          -            chat,tools,vision\n"
            "openai     text-embedding-3-small  -        $0.02  $0.00   "
            "-         -              -            embeddings\n"
            "openai     legacy                  -        $0.00  $0.00   "
            "-         -              -            (not declared)\n");
}

TEST_F(LlmgwContractTest, EmbedJson) {
  RunResult run = Run({"--json", "embed", "x"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"embeddings\""));
  EXPECT_THAT(run.out, HasSubstr("\"costNanoUsd\": \"140\""));
}

}  // namespace
}  // namespace llmgw
