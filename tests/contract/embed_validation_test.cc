// Embed through the real gateway and the generated stub: every bound of
// EmbedRequest is refused with INVALID_ARGUMENT and a BadRequest violation
// naming the field, before anything reaches an upstream; the calls appear
// in the per-method metrics as method="Embed".
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"
#include "tests/gateway_process.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;

std::string ViolationField(const grpc::Status& s) {
  google::rpc::Status status;
  if (!status.ParseFromString(s.error_details())) return "";
  for (const google::protobuf::Any& any : status.details()) {
    if (any.Is<google::rpc::BadRequest>()) {
      google::rpc::BadRequest bad;
      any.UnpackTo(&bad);
      if (bad.field_violations_size() == 1) {
        return bad.field_violations(0).field();
      }
    }
  }
  return "";
}

grpc::Status Embed(GatewayHarness& h, const pb::EmbedRequest& request,
                   pb::EmbedResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  return h.stub().Embed(&context, request, response);
}

struct Case {
  const char* name;
  std::function<void(pb::EmbedRequest&)> mutate;
  const char* field;
};

const Case kCases[] = {
    {"no inputs", [](pb::EmbedRequest& r) { r.clear_inputs(); }, "inputs"},
    {"too many inputs",
     [](pb::EmbedRequest& r) {
       for (int i = 0; i < 2048; ++i) r.add_inputs("x");
     },
     "inputs"},
    {"empty input", [](pb::EmbedRequest& r) { r.add_inputs(""); }, "inputs[1]"},
    {"input too big",
     [](pb::EmbedRequest& r) { r.add_inputs(std::string((1 << 20) + 1, 'x')); },
     "inputs[1]"},
    {"inputs too big in all",
     [](pb::EmbedRequest& r) {
       for (int i = 0; i < 8; ++i) r.add_inputs(std::string(1 << 20, 'x'));
     },
     "inputs"},
    {"negative dimensions", [](pb::EmbedRequest& r) { r.set_dimensions(-1); },
     "dimensions"},
    {"too many dimensions",
     [](pb::EmbedRequest& r) { r.set_dimensions(65537); }, "dimensions"},
    {"unknown input type",
     [](pb::EmbedRequest& r) {
       r.set_input_type(static_cast<pb::EmbedInputType>(99));
     },
     "input_type"},
    {"model too long",
     [](pb::EmbedRequest& r) { r.set_model(std::string(257, 'm')); }, "model"},
    {"request id too long",
     [](pb::EmbedRequest& r) { r.set_request_id(std::string(129, 'r')); },
     "request_id"},
    {"too many fallbacks",
     [](pb::EmbedRequest& r) {
       for (int i = 0; i < 17; ++i) r.add_fallback_models("m");
     },
     "fallback_models"},
    {"metadata value too long",
     [](pb::EmbedRequest& r) {
       (*r.mutable_metadata())["team"] = std::string(129, 'v');
     },
     "metadata"},
};

TEST(EmbedValidationTest, EveryBoundNamesTheField) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"}}, {},
                   /*serve_metrics=*/true);
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    pb::EmbedRequest request;
    request.add_inputs("hello");
    c.mutate(request);
    pb::EmbedResponse response;
    grpc::Status s = Embed(h, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << s.error_message();
    EXPECT_EQ(ViolationField(s), c.field) << s.error_message();
  }
  EXPECT_FALSE(h.upstream().LastRequest().has_value());
  absl::StatusOr<std::string> metrics =
      HttpGet(h.server().metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_NE(metrics->find("llmgw_requests_total{code=\"INVALID_ARGUMENT\","
                          "method=\"Embed\"} " +
                          std::to_string(std::size(kCases))),
            std::string::npos)
      << *metrics;
}

TEST(EmbedValidationTest, InvalidUtf8IsInvalidArgumentNotUnimplemented) {
  GatewayHarness h;
  // EmbedRequest{inputs: ["\xff\xfe"]}, hand-encoded (field 1, length 2).
  const std::string wire("\x0a\x02\xff\xfe", 4);
  grpc::GenericStub stub(h.channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::Slice slice(wire);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  stub.UnaryCall(&context, "/llmgateway.v1.LlmGateway/Embed",
                 grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_NE(status.error_message().find("UTF-8"), std::string::npos)
      << status.error_message();
}

}  // namespace
}  // namespace llmgw::testing
