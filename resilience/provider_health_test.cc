// ProviderHealth: admission (key choice, circuit), audit events, snapshots.
#include "resilience/provider_health.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace llmgw {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

ResilienceConfig Small() {
  ResilienceConfig c;
  c.circuit.failure_threshold = 2;
  c.circuit.cooldown = absl::Seconds(30);
  return c;
}

TEST(ProviderHealthTest, InvalidKeyLeavesRotationAndIsAudited) {
  RecordingAuditLog audit;
  ProviderHealth h("openai", {"key:aaaa", "key:bbbb"}, Small(), &audit);
  Admission a = h.Admit(kT0, {}, "gpt-4o-mini");
  ASSERT_TRUE(a.admitted);
  EXPECT_EQ(a.key, 0u);
  h.Record(HealthOutcome::kKeyInvalid, 0, kT0, std::nullopt, "gpt-4o-mini",
           "auth_error HTTP 401");
  a = h.Admit(kT0, {}, "gpt-4o-mini");
  ASSERT_TRUE(a.admitted);
  EXPECT_EQ(a.key, 1u);
  h.Record(HealthOutcome::kSuccess, 1, kT0, std::nullopt, "gpt-4o-mini", "ok");
  auto events = audit.EventsOfType("key_failed");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["provider"], "openai");
  EXPECT_EQ(events[0]["key"], "key:aaaa");
  EXPECT_EQ(events[0]["model"], "gpt-4o-mini");
  EXPECT_EQ(events[0]["reason"], "auth_error HTTP 401");
  ProviderHealthSnapshot s = h.Snapshot(kT0);
  EXPECT_TRUE(s.available);
  EXPECT_EQ(s.keys[0].health, KeyHealth::kFailedPermanently);
  EXPECT_EQ(s.keys[1].health, KeyHealth::kHealthy);
}

TEST(ProviderHealthTest, NoHealthyKeyMakesTheProviderUnavailable) {
  RecordingAuditLog audit;
  ProviderHealth h("openai", {"key:aaaa"}, Small(), &audit);
  ASSERT_TRUE(h.Admit(kT0, {}, "m").admitted);
  h.Record(HealthOutcome::kRateLimited, 0, kT0, absl::Seconds(12), "m",
           "rate_limited HTTP 429");
  Admission a = h.Admit(kT0 + absl::Seconds(2), {}, "m");
  EXPECT_FALSE(a.admitted);
  EXPECT_EQ(
      a.reason,
      "no healthy key: key:aaaa cooling down 10s (rate_limited HTTP 429)");
  ProviderHealthSnapshot s = h.Snapshot(kT0 + absl::Seconds(2));
  EXPECT_FALSE(s.available);
  EXPECT_EQ(s.unavailable_reason, a.reason);
  EXPECT_EQ(s.keys[0].cooldown_remaining, absl::Seconds(10));
  auto events = audit.EventsOfType("key_cooldown");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["cooldown_ms"], 12000);
  EXPECT_EQ(events[0]["key"], "key:aaaa");
  EXPECT_TRUE(h.Admit(kT0 + absl::Seconds(12), {}, "m").admitted);
}

TEST(ProviderHealthTest, CircuitTransitionsAreAudited) {
  RecordingAuditLog audit;
  ProviderHealth h("local", {}, Small(), &audit);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(h.Admit(kT0, {}, "llama").admitted);
    h.Record(HealthOutcome::kTransient, std::nullopt, kT0, std::nullopt,
             "llama", "transient_error HTTP 503");
  }
  Admission a = h.Admit(kT0 + absl::Seconds(1), {}, "llama");
  EXPECT_FALSE(a.admitted);
  EXPECT_EQ(a.reason,
            "circuit open after 2 consecutive failures; next probe in 29s");
  EXPECT_EQ(h.Snapshot(kT0).circuit, CircuitState::kOpen);
  ASSERT_TRUE(h.Admit(kT0 + absl::Seconds(30), {}, "llama").admitted);
  EXPECT_FALSE(h.Admit(kT0 + absl::Seconds(30), {}, "llama").admitted);
  h.Record(HealthOutcome::kSuccess, std::nullopt, kT0 + absl::Seconds(31),
           std::nullopt, "llama", "success");
  std::vector<std::string> types;
  for (const auto& e : audit.Events()) types.push_back(e["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{
                       "circuit_open", "circuit_half_open", "circuit_closed"}));
  EXPECT_EQ(audit.Events()[0]["provider"], "local");
  EXPECT_EQ(audit.Events()[0]["reason"], "transient_error HTTP 503");
}

TEST(ProviderHealthTest, DisabledTracksNothing) {
  ResilienceConfig c = Small();
  c.enabled = false;
  ProviderHealth h("openai", {"key:aaaa", "key:bbbb"}, c, nullptr);
  for (int i = 0; i < 10; ++i) {
    Admission a = h.Admit(kT0, {}, "m");
    ASSERT_TRUE(a.admitted);
    EXPECT_EQ(a.key, 0u);
    h.Record(HealthOutcome::kKeyInvalid, 0, kT0, std::nullopt, "m", "401");
  }
  EXPECT_EQ(h.Admit(kT0, {0}, "m").key, 1u);
  EXPECT_FALSE(h.Admit(kT0, {0, 1}, "m").admitted);
}

TEST(ProviderHealthTest, ReloadRestoresARevokedKey) {
  RecordingAuditLog audit;
  auto owned = std::make_unique<ProviderHealth>(
      "openai", std::vector<std::string>{"key:aaaa"}, Small(), &audit);
  ProviderHealth& h = *owned;
  HealthBoard board;
  board.Add(std::move(owned));
  ASSERT_TRUE(h.Admit(kT0, {}, "m").admitted);
  h.Record(HealthOutcome::kKeyInvalid, 0, kT0, std::nullopt, "m",
           "auth_error HTTP 401");
  EXPECT_FALSE(h.Admit(kT0 + absl::Hours(5), {}, "m").admitted);
  // What a config reload calls once the key was fixed.
  EXPECT_EQ(board.RestoreKeys(kT0 + absl::Hours(5)), 1);
  Admission a = h.Admit(kT0 + absl::Hours(5), {}, "m");
  ASSERT_TRUE(a.admitted);
  EXPECT_EQ(a.key, 0u);
  h.Record(HealthOutcome::kSuccess, 0, kT0, std::nullopt, "m", "ok");
  EXPECT_EQ(h.Snapshot(kT0 + absl::Hours(5)).keys[0].health,
            KeyHealth::kHealthy);
  EXPECT_EQ(h.Snapshot(kT0 + absl::Hours(5)).keys[0].failure_count, 0);
  auto events = audit.EventsOfType("key_restored");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["key"], "key:aaaa");
  EXPECT_EQ(events[0]["was"], "auth_error HTTP 401");
  // Nothing left to restore.
  EXPECT_EQ(board.RestoreKeys(kT0 + absl::Hours(5)), 0);
}

TEST(ProviderHealthTest, SoleProviderIsProbedBeforeTheCooldown) {
  RecordingAuditLog audit;
  ProviderHealth h("openai", {"key:aaaa"}, Small(), &audit);  // 2 fails, 30 s
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(h.Admit(kT0, {}, "m").admitted);
    h.Record(HealthOutcome::kTransient, 0, kT0, std::nullopt, "m", "HTTP 500");
  }
  const absl::Time soon = kT0 + absl::Seconds(1);
  EXPECT_FALSE(h.Admit(soon, {}, "m").admitted);  // a fallback exists
  Admission probe = h.Admit(soon, {}, "m", /*no_alternative=*/true);
  ASSERT_TRUE(probe.admitted);
  // Only one probe at a time.
  Admission second = h.Admit(soon, {}, "m", true);
  EXPECT_FALSE(second.admitted);
  EXPECT_EQ(second.reason,
            "circuit half_open: a probe call is already in flight");
  h.Record(HealthOutcome::kSuccess, 0, soon, std::nullopt, "m", "ok");
  EXPECT_TRUE(h.Admit(soon, {}, "m").admitted);
  auto half = audit.EventsOfType("circuit_half_open");
  ASSERT_EQ(half.size(), 1u);
  EXPECT_EQ(half[0]["reason"],
            "no alternative target; letting one probe through before the "
            "cooldown");
}

}  // namespace
}  // namespace llmgw
