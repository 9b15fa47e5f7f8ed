// Key pools through the real gateway: a rate-limited key cools down for at
// least Retry-After while its sibling serves; an invalid key leaves rotation
// and Status shows it, by fingerprint only.
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "registry/key_fingerprint.h"
#include "tests/gateway_harness.h"
#include "tests/resilience/resilience_env.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

constexpr char kKeyA[] = "sk-alpha-0123456789";
constexpr char kKeyB[] = "sk-bravo-0123456789";

const pb::ProviderStatus& Provider(const pb::StatusResponse& status,
                                   const std::string& name) {
  for (const auto& p : status.providers()) {
    if (p.name() == name) return p;
  }
  static const pb::ProviderStatus kNone;
  ADD_FAILURE() << "no provider " << name;
  return kNone;
}

int64_t RequestsWithKey(GatewayHarness& h, const std::string& key) {
  int64_t n = 0;
  for (const auto& r : h.upstream().Requests()) {
    if (r.Header("authorization") == "Bearer " + key) ++n;
  }
  return n;
}

TEST(KeyPoolTest, RateLimitedKeyCoolsDownForRetryAfterWhileTheOtherServes) {
  GatewayHarness h(
      ResilientEnv({{"OPENAI_API_KEYS", std::string(kKeyA) + "," + kKeyB}}));
  h.upstream().Enqueue(
      Behavior::HttpError(429).WithHeader("Retry-After", "30").ForKey(kKeyA));
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.attempts_size(), 2);
  EXPECT_EQ(response.attempts(0).key_fingerprint(), KeyFingerprint(kKeyA));
  EXPECT_EQ(response.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_RATE_LIMITED);
  EXPECT_EQ(response.attempts(0).http_status(), 429);
  EXPECT_EQ(response.attempts(1).key_fingerprint(), KeyFingerprint(kKeyB));
  EXPECT_EQ(response.attempts(1).outcome(), pb::ATTEMPT_OUTCOME_SUCCESS);

  const pb::StatusResponse status = h.Status();
  const pb::ProviderStatus& openai = Provider(status, "openai");
  ASSERT_EQ(openai.keys_size(), 2);
  EXPECT_EQ(openai.keys(0).fingerprint(), KeyFingerprint(kKeyA));
  EXPECT_EQ(openai.keys(0).state(), pb::KEY_STATE_COOLING_DOWN);
  EXPECT_EQ(openai.keys(0).failure_count(), 1);
  EXPECT_GT(openai.keys(0).cooldown_remaining_ms(), 28000);
  EXPECT_LE(openai.keys(0).cooldown_remaining_ms(), 30000);
  EXPECT_EQ(openai.keys(1).state(), pb::KEY_STATE_HEALTHY);
  EXPECT_EQ(openai.keys(1).failure_count(), 0);
  EXPECT_TRUE(openai.available());
  EXPECT_EQ(status.state(), pb::SERVING_STATE_SERVING);

  // While A cools down, requests go straight to B.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response)
            .ok());
    ASSERT_EQ(response.attempts_size(), 1);
    EXPECT_EQ(response.attempts(0).key_fingerprint(), KeyFingerprint(kKeyB));
  }
  EXPECT_EQ(RequestsWithKey(h, kKeyA), 1);
  EXPECT_EQ(RequestsWithKey(h, kKeyB), 4);

  auto cooldowns = h.audit().EventsOfType("key_cooldown");
  ASSERT_EQ(cooldowns.size(), 1u);
  EXPECT_EQ(cooldowns[0]["provider"], "openai");
  EXPECT_EQ(cooldowns[0]["model"], "gpt-4o-mini");
  EXPECT_EQ(cooldowns[0]["key"], KeyFingerprint(kKeyA));
  EXPECT_EQ(cooldowns[0]["cooldown_ms"], 30000);
  for (const auto& e : h.audit().Events()) {
    EXPECT_FALSE(absl::StrContains(e.dump(), "0123456789")) << e.dump();
  }
}

TEST(KeyPoolTest, EveryKeyCoolingDownMakesTheProviderUnavailable) {
  GatewayHarness h(ResilientEnv({{"OPENAI_API_KEY", kKeyA}}));
  h.upstream().Enqueue(
      Behavior::HttpError(429).WithHeader("Retry-After", "60"));
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  // The only key must wait 60 s (Retry-After), longer than the caller's
  // 10 s deadline allows: no retry, and the message says so.
  EXPECT_TRUE(absl::StrContains(
      s.error_message(),
      "rate_limited HTTP 429: rate_limit_exceeded: Rate limit reached for "
      "gpt-4o-mini"))
      << s.error_message();
  EXPECT_TRUE(absl::StrContains(
      s.error_message(),
      "(no retry: a 1m backoff plus another attempt would not finish before "
      "the deadline in "))
      << s.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), 1);
  const pb::StatusResponse status = h.Status();
  const pb::ProviderStatus& openai = Provider(status, "openai");
  EXPECT_FALSE(openai.available());
  EXPECT_TRUE(absl::StartsWith(openai.unavailable_reason(), "no healthy key: "))
      << openai.unavailable_reason();
  EXPECT_EQ(status.state(), pb::SERVING_STATE_NOT_SERVING);
}

TEST(KeyPoolTest, InvalidKeyLeavesRotationAndStatusShowsIt) {
  GatewayHarness h(
      ResilientEnv({{"OPENAI_API_KEYS", std::string(kKeyA) + "," + kKeyB}}));
  h.upstream().Enqueue(Behavior::HttpError(401).ForKey(kKeyA));
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.attempts_size(), 2);
  EXPECT_EQ(response.attempts(0).outcome(), pb::ATTEMPT_OUTCOME_AUTH_ERROR);
  EXPECT_EQ(response.attempts(0).key_fingerprint(), KeyFingerprint(kKeyA));
  EXPECT_EQ(response.attempts(1).key_fingerprint(), KeyFingerprint(kKeyB));

  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(
        h.Generate(GatewayHarness::UserRequest("hi", "gpt-4o-mini"), &response)
            .ok());
    ASSERT_EQ(response.attempts_size(), 1);
    EXPECT_EQ(response.attempts(0).key_fingerprint(), KeyFingerprint(kKeyB));
  }
  EXPECT_EQ(RequestsWithKey(h, kKeyA), 1);

  const pb::StatusResponse status = h.Status();
  const pb::ProviderStatus& openai = Provider(status, "openai");
  ASSERT_EQ(openai.keys_size(), 2);
  EXPECT_EQ(openai.keys(0).state(), pb::KEY_STATE_FAILED_PERMANENTLY);
  EXPECT_EQ(openai.keys(0).failure_count(), 1);
  EXPECT_EQ(openai.keys(0).cooldown_remaining_ms(), 0);
  EXPECT_EQ(openai.keys(1).state(), pb::KEY_STATE_HEALTHY);
  EXPECT_TRUE(openai.available());
  EXPECT_FALSE(absl::StrContains(status.DebugString(), "0123456789"));

  auto failed = h.audit().EventsOfType("key_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["key"], KeyFingerprint(kKeyA));
  EXPECT_EQ(failed[0]["provider"], "openai");
  EXPECT_TRUE(absl::StartsWith(failed[0]["reason"].get<std::string>(),
                               "auth_error HTTP 401"));
}

}  // namespace
}  // namespace llmgw::testing
