// The gateway's observers: what reaches the metrics and the audit log.
#include "dispatch/call_observers.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

// Records the GatewayMetrics calls as strings.
class RecordingMetrics : public GatewayMetrics {
 public:
  void DeclareProvider(absl::string_view,
                       const std::vector<std::string>&) override {}
  void RequestStarted(absl::string_view) override {}
  void RequestFinished(absl::string_view, absl::string_view,
                       absl::Duration) override {}
  void UpstreamAttempt(absl::string_view provider, absl::string_view model,
                       absl::string_view outcome,
                       absl::Duration latency) override {
    calls.push_back(absl::StrCat("attempt ", provider, "/", model, " ", outcome,
                                 " ", absl::FormatDuration(latency)));
  }
  void UpstreamSkipped(absl::string_view provider, absl::string_view model,
                       absl::string_view reason) override {
    calls.push_back(
        absl::StrCat("skipped ", provider, "/", model, " ", reason));
  }
  void Retry(absl::string_view from, absl::string_view reason) override {
    calls.push_back(absl::StrCat("retry ", from, " ", reason));
  }
  void Fallback(absl::string_view from, absl::string_view reason) override {
    calls.push_back(absl::StrCat("fallback ", from, " ", reason));
  }
  void CallSettled(const CallObservation& o) override {
    calls.push_back(absl::StrCat("settled ", o.ok, " ", o.cost_nano_usd));
  }
  std::vector<std::string> calls;
};

AttemptRecord Attempt(AttemptOutcome outcome) {
  return AttemptRecord{
      "openai", "gpt-4o", "key:1c2e", outcome, absl::Milliseconds(12),
      503,      "busy"};
}

TEST(CallObserversTest, MetricsAndAuditHearEveryEvent) {
  RecordingMetrics metrics;
  RecordingAuditLog audit;
  std::unique_ptr<CallObserver> observer =
      NewGatewayCallObserver(&metrics, &audit);
  const CallInfo call{"req_1"};
  AttemptRecord skipped = Attempt(AttemptOutcome::kSkipped);
  skipped.detail = "circuit open";
  observer->AttemptSkipped(call, skipped);
  observer->AttemptFinished(call, Attempt(AttemptOutcome::kTransientError),
                            "transient_error HTTP 503: busy");
  RetryEvent retry;
  retry.provider = "openai";
  retry.model = "gpt-4o";
  retry.from = "openai/gpt-4o";
  retry.reason = "transient_error HTTP 503: busy";
  retry.retry = 1;
  retry.max_retries = 3;
  retry.delay = absl::Milliseconds(750);
  observer->RetryScheduled(call, retry);
  observer->FellBack(call, FallbackEvent{"openai/gpt-4o", "fireworks", "m", "",
                                         "transient_error HTTP 503: busy"});
  CallObservation settled;
  settled.ok = true;
  settled.cost_nano_usd = 42;
  observer->CallSettled(call, settled);
  EXPECT_EQ(metrics.calls,
            std::vector<std::string>(
                {"skipped openai/gpt-4o circuit open",
                 "attempt openai/gpt-4o transient_error 12ms",
                 "retry openai/gpt-4o transient_error HTTP 503: busy",
                 "fallback openai/gpt-4o transient_error HTTP 503: busy",
                 "settled 1 42"}));
  const auto errors = audit.EventsOfType("llm_error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["request_id"], "req_1");
  EXPECT_EQ(errors[0]["outcome"], "transient_error");
  EXPECT_EQ(errors[0]["http_status"], 503);
  EXPECT_EQ(errors[0]["latency_ms"], 12);
  EXPECT_EQ(errors[0]["key"], "key:1c2e");
  const auto retries = audit.EventsOfType("llm_retry");
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0]["delay_ms"], 750);
  EXPECT_EQ(retries[0]["retry"], 1);
  const auto cascades = audit.EventsOfType("cascade");
  ASSERT_EQ(cascades.size(), 1u);
  EXPECT_EQ(cascades[0]["from"], "openai/gpt-4o");
  EXPECT_EQ(cascades[0]["provider"], "fireworks");
}

TEST(CallObserversTest, NoLlmErrorForSuccessOrTheCallersCancel) {
  RecordingAuditLog audit;
  AuditCallObserver observer(&audit);
  observer.AttemptFinished({"r"}, Attempt(AttemptOutcome::kSuccess), "");
  observer.AttemptFinished({"r"}, Attempt(AttemptOutcome::kCancelled),
                           "cancelled");
  EXPECT_TRUE(audit.Events().empty());
  observer.AttemptFinished({"r"}, Attempt(AttemptOutcome::kTimeout), "timeout");
  EXPECT_EQ(audit.EventsOfType("llm_error").size(), 1u);
}

TEST(CallObserversTest, EmbedCallsSayTheirOperation) {
  RecordingAuditLog audit;
  AuditCallObserver observer(&audit);
  observer.AttemptFinished({"r1", /*embed=*/true},
                           Attempt(AttemptOutcome::kTimeout), "timeout");
  observer.AttemptFinished({"r2"}, Attempt(AttemptOutcome::kTimeout),
                           "timeout");
  const auto errors = audit.EventsOfType("llm_error");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["operation"], "embed");
  // Chat events keep their fields as they were.
  EXPECT_FALSE(errors[1].contains("operation"));
}

TEST(CallObserversTest, MissingSinksAreLeftOut) {
  std::unique_ptr<CallObserver> none = NewGatewayCallObserver(nullptr, nullptr);
  none->AttemptFinished({"r"}, Attempt(AttemptOutcome::kTimeout), "timeout");
  none->CallSettled({"r"}, CallObservation());
}

}  // namespace
}  // namespace llmgw
