// Machine-readable error details through the real gateway: every failed call
// carries a google.rpc.Status in grpc-status-details-bin whose ErrorInfo,
// RetryInfo, BadRequest and llmgateway.v1.AttemptTrail decode with the right
// values; the status always fits the client's metadata limit; invalid UTF-8
// is INVALID_ARGUMENT naming the field.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/match.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/error_details.pb.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

// The details of a failed call, decoded.
struct Details {
  bool decoded = false;
  google::rpc::Status status;
  std::optional<google::rpc::ErrorInfo> info;
  std::optional<google::rpc::RetryInfo> retry;
  std::optional<google::rpc::BadRequest> bad_request;
  std::optional<pb::AttemptTrail> trail;
};

Details Decode(const grpc::Status& s) {
  Details d;
  d.decoded = d.status.ParseFromString(s.error_details());
  for (const google::protobuf::Any& any : d.status.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) {
      any.UnpackTo(&d.info.emplace());
    } else if (any.Is<google::rpc::RetryInfo>()) {
      any.UnpackTo(&d.retry.emplace());
    } else if (any.Is<google::rpc::BadRequest>()) {
      any.UnpackTo(&d.bad_request.emplace());
    } else if (any.Is<pb::AttemptTrail>()) {
      any.UnpackTo(&d.trail.emplace());
    }
  }
  return d;
}

grpc::Status Call(GatewayHarness& h, const pb::GenerateRequest& request) {
  pb::GenerateResponse response;
  return h.Generate(request, &response);
}

TEST(ErrorDetailsTest, InvalidFieldHasReasonAndFieldViolation) {
  GatewayHarness h;
  pb::GenerateRequest request = GatewayHarness::UserRequest("hi");
  request.set_max_tokens(-5);
  grpc::Status s = Call(h, request);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Details d = Decode(s);
  ASSERT_TRUE(d.decoded);
  EXPECT_EQ(d.status.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(d.status.message(), s.error_message());
  ASSERT_TRUE(d.info.has_value());
  EXPECT_EQ(d.info->reason(), "INVALID_REQUEST");
  EXPECT_EQ(d.info->domain(), "llmgateway.v1");
  ASSERT_TRUE(d.bad_request.has_value());
  ASSERT_EQ(d.bad_request->field_violations_size(), 1);
  EXPECT_EQ(d.bad_request->field_violations(0).field(), "max_tokens");
  EXPECT_TRUE(absl::StrContains(
      d.bad_request->field_violations(0).description(), "max_tokens must"));
  EXPECT_FALSE(d.retry.has_value());
  EXPECT_FALSE(d.trail.has_value());
}

TEST(ErrorDetailsTest, CapsOnFallbackModelsAndMessages) {
  GatewayHarness h;
  pb::GenerateRequest many = GatewayHarness::UserRequest("hi", "gpt-4o-mini");
  for (int i = 0; i < 1000; ++i) {
    many.add_fallback_models("unknown-model-" + std::to_string(i));
  }
  grpc::Status s = Call(h, many);
  // Not the misleading RESOURCE_EXHAUSTED of a status too large to receive.
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  Details d = Decode(s);
  ASSERT_TRUE(d.bad_request.has_value());
  EXPECT_EQ(d.bad_request->field_violations(0).field(), "fallback_models");
  EXPECT_TRUE(absl::StrContains(s.error_message(), "at most 16"));

  pb::GenerateRequest chatty = GatewayHarness::UserRequest("hi");
  for (int i = 0; i < 300; ++i) {
    GatewayHarness::AddMessage(&chatty, pb::ROLE_USER, "more");
  }
  s = Call(h, chatty);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Decode(s).bad_request->field_violations(0).field(), "messages");

  pb::GenerateRequest big =
      GatewayHarness::UserRequest(std::string((8 << 20) + 1, 'a'));
  s = Call(h, big);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Decode(s).bad_request->field_violations(0).field(),
            "messages[0].content");
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

TEST(ErrorDetailsTest, ModelNotFoundNamesTheModelAndFitsWithSixteenFallbacks) {
  GatewayHarness h;
  // Long names, each unknown to the fake upstream (404 model_not_found).
  const std::string model = "unknown-" + std::string(240, 'm');
  pb::GenerateRequest request = GatewayHarness::UserRequest("hi", model);
  for (int i = 0; i < 16; ++i) {
    request.add_fallback_models("unknown-" + std::string(240, 'a' + i));
  }
  grpc::Status s = Call(h, request);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_LE(s.error_message().size(), 1024u);
  Details d = Decode(s);
  ASSERT_TRUE(d.info.has_value());
  EXPECT_EQ(d.info->reason(), "MODEL_NOT_FOUND");
  EXPECT_EQ(d.info->metadata().at("model"), model);
  ASSERT_TRUE(d.trail.has_value());
  EXPECT_GT(d.trail->attempts_size(), 0);
  // Every target was tried; the trail keeps what fits in 2 KiB and counts
  // the rest.
  EXPECT_GE(d.trail->attempts_size() + d.trail->truncated(), 16)
      << d.trail->DebugString();
  EXPECT_GT(d.trail->truncated(), 0);
  EXPECT_LE(d.trail->ByteSizeLong(), 2048u + 64);
  EXPECT_LE(s.error_details().size(), 4096u);
}

TEST(ErrorDetailsTest, AllAttemptsFailedCarriesTheTrailAndProvider) {
  GatewayHarness h;
  h.upstream().Enqueue(Behavior::HttpError(500));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", "gpt-4o-mini"));
  ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  Details d = Decode(s);
  ASSERT_TRUE(d.info.has_value());
  EXPECT_EQ(d.info->reason(), "ALL_ATTEMPTS_FAILED");
  EXPECT_EQ(d.info->metadata().at("provider"), "openai");
  EXPECT_EQ(d.info->metadata().at("model"), "gpt-4o-mini");
  ASSERT_TRUE(d.trail.has_value());
  ASSERT_EQ(d.trail->attempts_size(), 1);
  EXPECT_EQ(d.trail->attempts(0).provider(), "openai");
  EXPECT_EQ(d.trail->attempts(0).http_status(), 500);
  EXPECT_EQ(d.trail->attempts(0).outcome(),
            pb::ATTEMPT_OUTCOME_TRANSIENT_ERROR);
  EXPECT_EQ(d.trail->truncated(), 0);
}

TEST(ErrorDetailsTest, RateLimitGivesRetryInfo) {
  GatewayHarness h;
  h.upstream().Enqueue(
      Behavior::HttpError(429, std::nullopt, {{"Retry-After", "7"}}).Times(5));
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", "gpt-4o-mini"));
  ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  Details d = Decode(s);
  ASSERT_TRUE(d.info.has_value());
  EXPECT_EQ(d.info->reason(), "ALL_ATTEMPTS_FAILED");
  ASSERT_TRUE(d.retry.has_value()) << s.error_message();
  EXPECT_EQ(d.retry->retry_delay().seconds(), 7);
  ASSERT_TRUE(d.trail.has_value());
  EXPECT_EQ(d.trail->attempts(0).outcome(), pb::ATTEMPT_OUTCOME_RATE_LIMITED);
}

TEST(ErrorDetailsTest, BudgetRefusalGivesReasonAndRetryAtWindowEnd) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_HOURLY_BUDGET", "0.000000001"}});
  grpc::Status s = Call(h, GatewayHarness::UserRequest("hi", "gpt-4o-mini"));
  ASSERT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  Details d = Decode(s);
  ASSERT_TRUE(d.info.has_value());
  EXPECT_EQ(d.info->reason(), "BUDGET_EXHAUSTED");
  ASSERT_TRUE(d.retry.has_value());
  EXPECT_GT(d.retry->retry_delay().seconds() + d.retry->retry_delay().nanos(),
            0);
  EXPECT_LE(d.retry->retry_delay().seconds(), 3600);
  EXPECT_EQ(h.upstream().RequestCount(), 0);
}

// A hand-made GenerateRequest: messages[0] = {role: USER, content: `content`}.
std::string RawRequest(const std::string& content) {
  std::string message = "\x08\x02";  // role = 2
  message += '\x12';
  message += static_cast<char>(content.size());
  message += content;
  std::string request = "\x0a";  // messages
  request += static_cast<char>(message.size());
  return request + message;
}

grpc::Status RawCall(GatewayHarness& h, const std::string& method,
                     const std::string& bytes) {
  grpc::GenericStub stub(h.channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return status;
}

TEST(StrictParseTest, InvalidUtf8IsInvalidArgumentNamingTheField) {
  GatewayHarness h;
  // Valid bytes first: the hand-made encoding is right.
  grpc::Status ok =
      RawCall(h, "/llmgateway.v1.LlmGateway/Generate", RawRequest("hello"));
  ASSERT_TRUE(ok.ok()) << ok.error_message();

  ::testing::internal::CaptureStderr();
  grpc::Status s = RawCall(h, "/llmgateway.v1.LlmGateway/Generate",
                           RawRequest("bad \xff\xfe bytes"));
  const std::string stderr_text = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "messages[0].content"))
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "UTF-8"));
  Details d = Decode(s);
  ASSERT_TRUE(d.bad_request.has_value());
  EXPECT_EQ(d.bad_request->field_violations(0).field(), "messages[0].content");
  EXPECT_EQ(d.info->reason(), "INVALID_REQUEST");
  EXPECT_FALSE(absl::StrContains(stderr_text, "UTF-8")) << stderr_text;

  // Bytes that are no protobuf at all.
  grpc::Status garbage = RawCall(h, "/llmgateway.v1.LlmGateway/Generate",
                                 std::string("\x0a\x7f\x01", 3));
  EXPECT_EQ(garbage.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(garbage.error_message(),
                                "not a valid llmgateway.v1.GenerateRequest"))
      << garbage.error_message();
  // Only the valid call reached the upstream; the gateway still serves.
  EXPECT_TRUE(h.Stream(GatewayHarness::UserRequest("hi")).status.ok());
  EXPECT_EQ(h.upstream().RequestCount(), 2);
}

}  // namespace
}  // namespace llmgw::testing
