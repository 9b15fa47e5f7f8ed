// Environment overrides of the resilience settings.
#include "config/resilience_config.h"

#include <yaml-cpp/yaml.h>

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(ResilienceConfigTest, DefaultsAreTheReferences) {
  ResilienceConfig c;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.keys.max_failures_before_cooldown, 3);
  EXPECT_EQ(c.keys.default_cooldown, absl::Seconds(60));
  EXPECT_EQ(c.keys.max_cooldown, absl::Seconds(3600));
  EXPECT_EQ(c.keys.max_key_attempts, 3);
  EXPECT_EQ(c.circuit.failure_threshold, 5);
  // Circuit probes back off from seconds (issue 11), not a fixed 300 s.
  EXPECT_EQ(c.circuit.cooldown, absl::Seconds(5));
  EXPECT_EQ(c.circuit.max_cooldown, absl::Seconds(300));
  EXPECT_EQ(c.retry.max_retries, 3);
  EXPECT_EQ(c.retry.base_delay, absl::Seconds(1));
  EXPECT_EQ(c.retry.max_delay, absl::Seconds(30));
}

TEST(ResilienceConfigTest, EnvironmentOverridesEverySetting) {
  ResilienceConfig c;
  ASSERT_TRUE(ApplyResilienceEnvironment(
                  FixedEnvironment({{"LLMGW_RESILIENCE", "off"},
                                    {"LLMGW_MAX_FAILURES_BEFORE_COOLDOWN", "2"},
                                    {"LLMGW_DEFAULT_COOLDOWN", "1.5"},
                                    {"LLMGW_MAX_COOLDOWN_SECONDS", "90"},
                                    {"LLMGW_MAX_KEY_ATTEMPTS", "4"},
                                    {"LLMGW_FAILURE_THRESHOLD", "7"},
                                    {"LLMGW_CIRCUIT_COOLDOWN", "12"},
                                    {"LLMGW_CIRCUIT_MAX_COOLDOWN", "48"},
                                    {"LLMGW_MAX_RETRIES", "0"},
                                    {"LLMGW_BASE_DELAY", "0.25"},
                                    {"LLMGW_MAX_DELAY", "4"},
                                    {"LLMGW_STREAM_IDLE_TIMEOUT", "5"},
                                    {"LLMGW_FIRST_TOKEN_TIMEOUT", "8"}}),
                  c)
                  .ok());
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.keys.max_failures_before_cooldown, 2);
  EXPECT_EQ(c.keys.default_cooldown, absl::Milliseconds(1500));
  EXPECT_EQ(c.keys.max_cooldown, absl::Seconds(90));
  EXPECT_EQ(c.keys.max_key_attempts, 4);
  EXPECT_EQ(c.circuit.failure_threshold, 7);
  EXPECT_EQ(c.circuit.cooldown, absl::Seconds(12));
  EXPECT_EQ(c.circuit.max_cooldown, absl::Seconds(48));
  EXPECT_EQ(c.retry.max_retries, 0);
  EXPECT_EQ(c.retry.base_delay, absl::Milliseconds(250));
  EXPECT_EQ(c.retry.max_delay, absl::Seconds(4));
  EXPECT_EQ(c.stream_idle_timeout, absl::Seconds(5));
  EXPECT_EQ(c.first_token_timeout, absl::Seconds(8));
}

TEST(ResilienceConfigTest, MalformedValuesNameTheVariable) {
  ResilienceConfig c;
  absl::Status s = ApplyResilienceEnvironment(
      FixedEnvironment({{"LLMGW_MAX_RETRIES", "three"}}), c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "LLMGW_MAX_RETRIES='three' must be a non-negative whole number");
  s = ApplyResilienceEnvironment(
      FixedEnvironment({{"LLMGW_RESILIENCE", "maybe"}}), c);
  EXPECT_EQ(s.message(), "LLMGW_RESILIENCE='maybe' must be on or off");
  s = ApplyResilienceEnvironment(FixedEnvironment({{"LLMGW_BASE_DELAY", "-1"}}),
                                 c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

// Each minimum-rate window ends on an event-loop timer: a window of a
// microsecond would wake the loop constantly, so the settings refuse it.
TEST(ResilienceConfigTest, MinimumRateWindowIsAtLeastOneSecond) {
  ResilienceConfig c;
  absl::Status s = ApplyResilienceEnvironment(
      FixedEnvironment({{"LLMGW_MIN_RATE_WINDOW", "0.000001"}}), c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "LLMGW_MIN_RATE_WINDOW='0.000001' must be at least 1 second "
            "(each window ends on an event-loop timer)");
  ResilienceConfig ok;
  ASSERT_TRUE(ApplyResilienceEnvironment(
                  FixedEnvironment({{"LLMGW_MIN_RATE_WINDOW", "1"}}), ok)
                  .ok());
  EXPECT_EQ(ok.min_rate_window, absl::Seconds(1));

  ResilienceConfig from_yaml;
  s = ParseResilienceSection(YAML::Load("min_rate_window_seconds: 0.5"),
                             from_yaml);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("min_rate_window_seconds"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("must be at least 1 second"), std::string::npos)
      << s.message();
  ASSERT_TRUE(ParseResilienceSection(YAML::Load("min_rate_window_seconds: 2"),
                                     from_yaml)
                  .ok());
  EXPECT_EQ(from_yaml.min_rate_window, absl::Seconds(2));
}

}  // namespace
}  // namespace llmgw
