// Unit tests of the pieces of auth/: digests, key parsing from config and
// environment, the authenticator, the in-process rate limiter, and keyed
// fingerprints. End-to-end tests are in tests/security/.
#include <map>
#include <optional>

#include "auth/auth_config.h"
#include "auth/authenticator.h"
#include "auth/digest.h"
#include "auth/rate_limiter.h"
#include "gtest/gtest.h"
#include "registry/key_fingerprint.h"

namespace llmgw {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(DigestTest, Sha256MatchesKnownVector) {
  // printf %s abc | sha256sum
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(AuthConfigTest, EnvironmentKeysAreHashedAndNotKept) {
  AuthConfig auth;
  ASSERT_TRUE(ApplyAuthEnvironment(
                  Env({{"LLMGW_CLIENT_KEYS", "team-a:sk-a-secret, ops:sk-ops"},
                       {"LLMGW_ADMIN_TENANTS", "ops"}}),
                  auth)
                  .ok());
  ASSERT_EQ(auth.client_keys.size(), 2u);
  EXPECT_EQ(auth.client_keys[0].tenant, "team-a");
  EXPECT_EQ(auth.client_keys[0].sha256_hex, Sha256Hex("sk-a-secret"));
  EXPECT_FALSE(auth.client_keys[0].admin);
  EXPECT_TRUE(auth.client_keys[1].admin);
}

TEST(AuthConfigTest, BadEnvironmentEntryDoesNotEchoTheValue) {
  AuthConfig auth;
  absl::Status s =
      ApplyAuthEnvironment(Env({{"LLMGW_CLIENT_KEYS", "sk-no-name"}}), auth);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().find("sk-no-name"), absl::string_view::npos);
}

TEST(AuthConfigTest, YamlRejectsPlainKeys) {
  AuthConfig auth;
  YAML::Node node = YAML::Load(
      "client_keys:\n  - {name: a, sha256: sk-plain-key-not-a-digest}\n");
  absl::Status s = ParseAuthSection(node, auth);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("64 hex digits"), absl::string_view::npos);
}

TEST(AuthenticatorTest, RefusesMissingMalformedAndWrongKeys) {
  Authenticator auth({{"team-a", Sha256Hex("sk-good"), false}});
  EXPECT_FALSE(auth.open());
  for (std::optional<absl::string_view> header :
       {std::optional<absl::string_view>(),
        std::optional<absl::string_view>("sk-good"),
        std::optional<absl::string_view>("Bearer sk-bad"),
        std::optional<absl::string_view>("Bearer ")}) {
    absl::StatusOr<Caller> c = auth.Authenticate(header);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(std::string(*c.status().GetPayload("llmgw/reason")),
              "UNAUTHENTICATED");
  }
  absl::StatusOr<Caller> ok = auth.Authenticate("Bearer sk-good");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->tenant, "team-a");
  EXPECT_FALSE(ok->admin);
  EXPECT_TRUE(Authenticator({}).Authenticate(std::nullopt)->open);
}

TEST(RateLimiterTest, FixedWindowRefusesThenTurns) {
  absl::Time now = absl::FromUnixSeconds(6000);  // a window start
  InProcessRateLimiter limiter([&] { return now; });
  auto admit = [&](RateLimits limits) {
    absl::Status out = absl::UnknownError("not called");
    limiter.Admit("t", limits, [&](absl::Status s) { out = s; });
    return out;
  };
  EXPECT_TRUE(admit({2, 0}).ok());
  EXPECT_TRUE(admit({2, 0}).ok());
  now += absl::Seconds(20);
  absl::Status refused = admit({2, 0});
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(std::string(*refused.GetPayload("llmgw/reason")), "RATE_LIMITED");
  EXPECT_EQ(std::string(*refused.GetPayload("llmgw/retry_after_ms")), "40000");
  now += absl::Seconds(40);
  EXPECT_TRUE(admit({2, 0}).ok());
  limiter.RecordTokens("t", 100);
  EXPECT_EQ(admit({0, 100}).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(admit({0, 101}).ok());
}

TEST(KeyFingerprintTest, KeyedBySecret) {
  SetFingerprintSecret("deployment-one-secret");
  const std::string a = KeyFingerprint("sk-same-key");
  EXPECT_EQ(a, KeyFingerprint("sk-same-key"));
  EXPECT_EQ(a.size(), 4u + 12u);
  SetFingerprintSecret("deployment-two-secret");
  EXPECT_NE(a, KeyFingerprint("sk-same-key"));
  EXPECT_EQ(a.find("same"), std::string::npos);
}

}  // namespace
}  // namespace llmgw
