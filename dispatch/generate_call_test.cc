// GenerateCall on a manual-clock loop with scripted providers: no sockets,
// no threads, time moves only when the test says so.
#include "dispatch/generate_call.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "audit/audit_log.h"
#include "budget/in_memory_ledger.h"
#include "common/error_details.h"
#include "dispatch/call_observers.h"
#include "dispatch/testing/fake_provider.h"
#include "dispatch/testing/manual_event_loop.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

using testing::FakeProvider;
using testing::FakeProviderOf;
using testing::FakeReply;
using testing::ManualEventLoop;

// Records what the call reports, in order.
class RecordingObserver : public CallObserver {
 public:
  void AttemptSkipped(const CallInfo&, const AttemptRecord& a) override {
    events.push_back("skipped " + a.provider);
  }
  void AttemptFinished(const CallInfo&, const AttemptRecord& a,
                       absl::string_view) override {
    events.push_back(absl::StrCat("attempt ", a.provider, " ",
                                  AttemptOutcomeName(a.outcome)));
  }
  void RetryScheduled(const CallInfo&, const RetryEvent& r) override {
    events.push_back(absl::StrCat("retry ", r.retry, "/", r.max_retries));
    delays.push_back(r.delay);
  }
  void FellBack(const CallInfo&, const FallbackEvent& f) override {
    events.push_back(absl::StrCat("fallback ", f.from, " -> ", f.provider));
  }
  void CallSettled(const CallInfo&, const CallObservation& o) override {
    ++settled;
    last_ok = o.ok;
  }
  std::vector<std::string> events;
  std::vector<absl::Duration> delays;
  int settled = 0;
  bool last_ok = false;
};

class GenerateCallTest : public ::testing::Test {
 protected:
  // Builds the gateway's pieces: `env` says which fakes are configured.
  GenerateCallTest() {
    // Circuits stay closed unless a test lowers the threshold.
    config_.resilience.circuit.failure_threshold = 100;
  }

  void Build(std::map<std::string, std::string> env) {
    registry_ =
        *ProviderRegistry::Create(config_, FixedEnvironment(env), nullptr);
    health_ = std::make_unique<HealthBoard>();
    for (const auto& entry : registry_->entries()) {
      if (!entry->configured) continue;
      health_->Add(std::make_shared<ProviderHealth>(
          entry->spec.name, entry->key_fingerprints, config_.resilience,
          &audit_));
      FakeProviderOf(*registry_, entry->spec.name)->set_loop(&loop_);
    }
    ledger_ = std::make_unique<InMemoryLedger>(config_.budget,
                                               [this] { return loop_.Now(); });
    observers_.push_back(std::make_unique<RecordingObserver>());
    recorder_ = static_cast<RecordingObserver*>(observers_.back().get());
    observers_.push_back(std::make_unique<AuditCallObserver>(&audit_));
    observer_ = std::make_unique<CallObserverList>(std::move(observers_));
    deps_.registry = registry_.get();
    deps_.ledger = ledger_.get();
    deps_.observer = observer_.get();
    deps_.loop = &loop_;
    deps_.budget = config_.budget;
    deps_.health = health_.get();
    deps_.resilience = config_.resilience;
  }
  void BuildAll() {
    Build({{"ALPHA_API_KEYS", "alpha-key-1,alpha-key-2"},
           {"BETA_API_KEY", "beta-key"},
           {"GAMMA_API_KEY", "gamma-key"}});
  }
  FakeProvider& Fake(absl::string_view name) {
    return *FakeProviderOf(*registry_, name);
  }

  GenerateInput Input(absl::Duration timeout = absl::InfiniteDuration(),
                      bool stream = false) {
    GenerateInput input;
    input.request.messages.push_back({MessageRole::kUser, "hello there"});
    input.request.max_tokens = 100;
    input.request.request_id = "req_test";
    input.arrival = loop_.Now();
    if (timeout != absl::InfiniteDuration()) {
      input.deadline = input.arrival + timeout;
    }
    input.stream = stream;
    return input;
  }

  // Starts a call and runs the loop until nothing is left to do now.
  std::shared_ptr<GenerateCall> Start(GenerateInput input) {
    result_.reset();
    deltas_.clear();
    call_ = GenerateCall::Create(
        deps_, std::move(input),
        [this](absl::string_view d) { deltas_.push_back(std::string(d)); },
        [this](GenerateResult r) { result_ = std::move(r); });
    call_->Start();
    loop_.RunUntilIdle();
    return call_;
  }
  // Runs timers until the call is settled (at most `limit` of them).
  const GenerateResult& Settle(int limit = 50) {
    while (!result_ && limit-- > 0 && loop_.FireNextTimer()) {
    }
    EXPECT_TRUE(result_.has_value()) << "the call did not settle";
    return *result_;
  }
  // The budget after the call: nothing may stay reserved.
  BudgetSnapshot Budget() {
    absl::StatusOr<BudgetSnapshot> s = ledger_->Snapshot("global");
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(s->reserved_nano_usd, 0) << "a reservation leaked";
    EXPECT_EQ(s->open_reservations, 0);
    return *s;
  }
  std::vector<std::string> Outcomes() const {
    std::vector<std::string> out;
    for (const AttemptRecord& a : result_->attempts) {
      out.push_back(
          absl::StrCat(a.provider, ":", AttemptOutcomeName(a.outcome)));
    }
    return out;
  }
  KeyHealth KeyHealthOf(absl::string_view provider, size_t key) {
    return health_->Find(provider)->Snapshot(loop_.Now()).keys.at(key).health;
  }

  GatewayConfig config_;
  ManualEventLoop loop_;
  RecordingAuditLog audit_;
  std::unique_ptr<ProviderRegistry> registry_;
  std::unique_ptr<HealthBoard> health_;
  std::unique_ptr<InMemoryLedger> ledger_;
  std::vector<std::unique_ptr<CallObserver>> observers_;
  RecordingObserver* recorder_ = nullptr;
  std::unique_ptr<CallObserver> observer_;
  DispatchDeps deps_;
  std::shared_ptr<GenerateCall> call_;
  std::optional<GenerateResult> result_;
  std::vector<std::string> deltas_;
};

using Strings = std::vector<std::string>;

TEST_F(GenerateCallTest, AnswersFromThePrimaryAndCommitsTheCost) {
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::Answer("hi", absl::Milliseconds(30)));
  Start(Input());
  EXPECT_FALSE(result_.has_value());  // nothing happens before time moves
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.reply.text, "hi");
  EXPECT_EQ(r.provider, "alpha");
  EXPECT_EQ(Outcomes(), Strings({"alpha:success"}));
  EXPECT_EQ(r.attempts[0].latency, absl::Milliseconds(30));
  // 100 input tokens at $1/M + 50 output tokens at $2/M.
  EXPECT_EQ(r.cost_nano_usd, 200'000);
  EXPECT_EQ(Budget().spent_nano_usd, 200'000);
  EXPECT_EQ(recorder_->events, Strings({"attempt alpha success"}));
  EXPECT_EQ(recorder_->settled, 1);
  EXPECT_TRUE(recorder_->last_ok);
  EXPECT_EQ(loop_.PendingTimers(), 0u);
}

TEST_F(GenerateCallTest, TransientFailureFailsOverAlongTheChain) {
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
  Fake("beta").Enqueue(FakeReply::Error(ErrorClass::kTransient, 502, "bad"));
  Fake("gamma").Enqueue(FakeReply::Answer("from gamma"));
  Start(Input());
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.reply.text, "from gamma");
  EXPECT_EQ(Outcomes(), Strings({"alpha:transient_error",
                                 "beta:transient_error", "gamma:success"}));
  EXPECT_EQ(
      recorder_->events,
      Strings({"attempt alpha transient_error", "fallback alpha/a-1 -> beta",
               "attempt beta transient_error", "fallback beta/b-1 -> gamma",
               "attempt gamma success"}));
  EXPECT_EQ(audit_.EventsOfType("llm_error").size(), 2u);
  EXPECT_EQ(audit_.EventsOfType("cascade").size(), 2u);
  // Charged at gamma's prices: 100 x $3/M + 50 x $6/M.
  EXPECT_EQ(Budget().spent_nano_usd, 600'000);
}

TEST_F(GenerateCallTest, AuthErrorRotatesToTheNextKey) {
  BuildAll();
  Fake("alpha").Enqueue(
      FakeReply::Error(ErrorClass::kKeyInvalid, 401, "bad key"));
  Fake("alpha").Enqueue(FakeReply::Answer("second key"));
  Start(Input());
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Outcomes(), Strings({"alpha:auth_error", "alpha:success"}));
  ASSERT_EQ(Fake("alpha").requests().size(), 2u);
  EXPECT_NE(Fake("alpha").requests()[0].api_key,
            Fake("alpha").requests()[1].api_key);
  EXPECT_TRUE(Fake("beta").requests().empty());
  EXPECT_EQ(KeyHealthOf("alpha", 0), KeyHealth::kFailedPermanently);
  // No cascade between two keys of one provider.
  EXPECT_TRUE(audit_.EventsOfType("cascade").empty());
  Budget();
}

TEST_F(GenerateCallTest, RateLimitOnEveryKeyMovesToTheNextProvider) {
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::RateLimited(absl::Seconds(30)));
  Fake("alpha").Enqueue(FakeReply::RateLimited(absl::Seconds(30)));
  Start(Input());
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Outcomes(), Strings({"alpha:rate_limited", "alpha:rate_limited",
                                 "beta:success"}));
  EXPECT_EQ(KeyHealthOf("alpha", 0), KeyHealth::kCoolingDown);
  EXPECT_EQ(KeyHealthOf("alpha", 1), KeyHealth::kCoolingDown);
  // The next call skips alpha (no healthy key) without a request.
  Start(Input());
  Settle();
  EXPECT_EQ(Outcomes(), Strings({"alpha:skipped", "beta:success"}));
  EXPECT_EQ(Fake("alpha").requests().size(), 2u);
  Budget();
}

TEST_F(GenerateCallTest, InvalidRequestEndsTheCallWithoutRetryOrCharge) {
  BuildAll();
  Fake("alpha").Enqueue(
      FakeReply::Error(ErrorClass::kInvalidRequest, 400, "messages[0] bad"));
  Start(Input());
  const GenerateResult& r = Settle();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(r.status), "INVALID_REQUEST");
  EXPECT_TRUE(Fake("beta").requests().empty());
  EXPECT_EQ(Budget().spent_nano_usd, 0);
  EXPECT_EQ(loop_.PendingTimers(), 0u);
}

TEST_F(GenerateCallTest, RetriesAfterABackoffOnALoopTimer) {
  config_.resilience.retry.max_retries = 2;
  Build({{"ALPHA_API_KEY", "alpha-key"}});  // a plan of one target
  Fake("alpha").Enqueue(FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
  Fake("alpha").Enqueue(FakeReply::Answer("second try"));
  Start(Input());
  loop_.AdvanceBy(absl::Milliseconds(10));  // the 503 arrives
  ASSERT_FALSE(result_.has_value());
  ASSERT_EQ(recorder_->delays.size(), 1u);
  const absl::Duration delay = recorder_->delays[0];
  EXPECT_GE(delay, absl::Milliseconds(500));  // base 1 s, equal jitter
  EXPECT_LE(delay, absl::Seconds(1));
  // Nothing is sent during the backoff.
  loop_.AdvanceBy(delay - absl::Milliseconds(1));
  EXPECT_EQ(Fake("alpha").requests().size(), 1u);
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(Fake("alpha").requests().size(), 2u);
  EXPECT_EQ(
      Fake("alpha").requests()[1].started - Fake("alpha").requests()[0].started,
      absl::Milliseconds(10) + delay);
  EXPECT_TRUE(absl::StartsWith(r.attempts[1].detail, "retry 1/2 after"))
      << r.attempts[1].detail;
  EXPECT_EQ(audit_.EventsOfType("llm_retry").size(), 1u);
  Budget();
}

TEST_F(GenerateCallTest, GivesUpWhenTheRetriesAreSpent) {
  config_.resilience.retry.max_retries = 2;
  Build({{"ALPHA_API_KEY", "alpha-key"}});
  for (int i = 0; i < 3; ++i) {
    Fake("alpha").Enqueue(
        FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
  }
  Start(Input());
  const GenerateResult& r = Settle();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(r.status), "ALL_ATTEMPTS_FAILED");
  EXPECT_TRUE(absl::EndsWith(r.status.message(), "(gave up after 2 retries)"))
      << r.status;
  EXPECT_EQ(Fake("alpha").requests().size(), 3u);
  EXPECT_EQ(Budget().spent_nano_usd, 0);
}

TEST_F(GenerateCallTest, NoRetryWhenTheBackoffDoesNotFitTheDeadline) {
  Build({{"ALPHA_API_KEY", "alpha-key"}});
  Fake("alpha").Enqueue(FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
  Start(Input(absl::Milliseconds(400)));
  const GenerateResult& r = Settle();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(r.status.message(), "no retry: a "))
      << r.status;
  EXPECT_EQ(loop_.Now() - r.attempts[0].latency,
            Fake("alpha").requests()[0].started);
  EXPECT_EQ(Fake("alpha").requests().size(), 1u);
  Budget();
}

TEST_F(GenerateCallTest, CallerCancelsDuringAnAttempt) {
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::Hang());
  Start(Input(absl::Seconds(30)));
  loop_.AdvanceBy(absl::Seconds(1));
  call_->Cancel(/*deadline=*/false);
  loop_.RunUntilIdle();
  ASSERT_TRUE(result_.has_value());
  EXPECT_EQ(result_->status.code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(Fake("alpha").requests()[0].cancelled);
  EXPECT_EQ(Fake("alpha").in_flight(), 0);
  EXPECT_TRUE(Fake("beta").requests().empty());  // no failover
  EXPECT_EQ(Outcomes(), Strings({"alpha:cancelled"}));
  EXPECT_TRUE(audit_.EventsOfType("llm_error").empty());
  // Says nothing about alpha's health.
  EXPECT_EQ(health_->Find("alpha")->Snapshot(loop_.Now()).consecutive_failures,
            0);
  EXPECT_EQ(loop_.PendingTimers(), 0u);
  Budget();
}

TEST_F(GenerateCallTest, CancelBeforeTheCallRuns) {
  BuildAll();
  call_ = GenerateCall::Create(deps_, Input(), nullptr,
                               [this](GenerateResult r) { result_ = r; });
  // The reactor saw OnCancel before it started the call.
  call_->Cancel(false);
  call_->Start();
  loop_.RunUntilIdle();
  ASSERT_TRUE(result_.has_value());
  EXPECT_EQ(result_->status.code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(Fake("alpha").requests().empty());
  Budget();
}

TEST_F(GenerateCallTest, DeadlineDuringAnAttemptIsDeadlineExceeded) {
  Build({{"ALPHA_API_KEY", "alpha-key"}});
  Fake("alpha").Enqueue(FakeReply::Hang());
  Start(Input(absl::Seconds(2)));
  const GenerateResult& r = Settle();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDeadlineExceeded) << r.status;
  EXPECT_EQ(loop_.Now(), Fake("alpha").requests()[0].deadline);
  // The caller's deadline is the caller's: "cancelled", not an upstream
  // "timeout", and no llm_error.
  EXPECT_EQ(Outcomes(), Strings({"alpha:cancelled"}));
  EXPECT_TRUE(audit_.EventsOfType("llm_error").empty());
  Budget();
}

// The known bug: a gRPC client whose deadline expires resets the stream, and
// the reset reaches the reactor a few ms before the server's copy of the
// deadline (rounded up by the grpc-timeout encoding), so OnCancel reported
// "not a deadline" and the call was recorded as CANCELLED.
TEST_F(GenerateCallTest, CancelJustBeforeTheDeadlineIsDeadlineExceeded) {
  Build({{"ALPHA_API_KEY", "alpha-key"}});
  Fake("alpha").Enqueue(FakeReply::Hang());
  Start(Input(absl::Milliseconds(1010)));
  loop_.AdvanceBy(absl::Milliseconds(1005));
  call_->Cancel(/*deadline=*/false);
  loop_.RunUntilIdle();
  ASSERT_TRUE(result_.has_value());
  EXPECT_EQ(result_->status.code(), absl::StatusCode::kDeadlineExceeded)
      << result_->status;
  Budget();
}

TEST_F(GenerateCallTest, DeadlineDuringABackoffCancelsTheRetry) {
  config_.resilience.retry.base_delay = absl::Seconds(10);
  config_.resilience.retry.max_delay = absl::Seconds(10);
  Build({{"ALPHA_API_KEY", "alpha-key"}});
  Fake("alpha").Enqueue(FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
  Start(Input(absl::Seconds(60)));
  loop_.AdvanceBy(absl::Seconds(2));  // failed at 10 ms; now in the backoff
  ASSERT_EQ(recorder_->delays.size(), 1u);
  ASSERT_FALSE(result_.has_value());
  EXPECT_EQ(loop_.PendingTimers(), 1u);  // the retry timer
  call_->Cancel(/*deadline=*/true);
  loop_.RunUntilIdle();
  ASSERT_TRUE(result_.has_value());
  EXPECT_EQ(result_->status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(loop_.PendingTimers(), 0u);
  loop_.AdvanceBy(absl::Seconds(20));
  EXPECT_EQ(Fake("alpha").requests().size(), 1u);
  Budget();
}

TEST_F(GenerateCallTest, AttemptBudgetLeavesTheFallbackTime) {
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::Hang());
  Start(Input(absl::Seconds(9)));
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  // A third of 9 s for alpha, then beta answers.
  EXPECT_EQ(Fake("alpha").requests()[0].attempt_timeout, absl::Seconds(3));
  EXPECT_EQ(Outcomes(), Strings({"alpha:timeout", "beta:success"}));
  EXPECT_TRUE(absl::StrContains(r.attempts[0].detail, "share of the caller"))
      << r.attempts[0].detail;
  Budget();
}

TEST_F(GenerateCallTest, StreamFailingBeforeTheFirstTokenFailsOver) {
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
  Fake("beta").Enqueue(FakeReply::Stream({"Hel", "lo"}, FakeReply::Answer("")));
  Start(Input(absl::InfiniteDuration(), /*stream=*/true));
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(deltas_, Strings({"Hel", "lo"}));
  EXPECT_EQ(r.reply.text, "Hello");
  EXPECT_EQ(Outcomes(), Strings({"alpha:transient_error", "beta:success"}));
  Budget();
}

TEST_F(GenerateCallTest, StreamFailingAfterTheFirstTokenDoesNotFailOver) {
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::Stream(
      {"Hel"}, FakeReply::Error(ErrorClass::kTransient, 0, "reset")));
  Start(Input(absl::InfiniteDuration(), /*stream=*/true));
  const GenerateResult& r = Settle();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(r.status), "STREAM_INTERRUPTED");
  EXPECT_EQ(deltas_, Strings({"Hel"}));
  EXPECT_TRUE(Fake("beta").requests().empty());
  // What reached the caller is paid for (estimated from the text).
  EXPECT_GT(r.cost_nano_usd, 0);
  EXPECT_EQ(Budget().spent_nano_usd, r.cost_nano_usd);
}

TEST_F(GenerateCallTest, SilentStreamTimesOutAndFailsOver) {
  config_.resilience.first_token_timeout = absl::Seconds(2);
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::Hang());
  Start(Input(absl::InfiniteDuration(), /*stream=*/true));
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Outcomes(), Strings({"alpha:timeout", "beta:success"}));
  EXPECT_EQ(r.attempts[0].detail, "no first token within 2s");
  EXPECT_EQ(r.attempts[0].latency, absl::Seconds(2));
  // An upstream timeout counts against alpha's circuit.
  EXPECT_EQ(health_->Find("alpha")->Snapshot(loop_.Now()).consecutive_failures,
            1);
  Budget();
}

TEST_F(GenerateCallTest, StreamIdleAfterOutputEndsTheCall) {
  config_.resilience.stream_idle_timeout = absl::Seconds(5);
  BuildAll();
  Fake("alpha").Enqueue(FakeReply::Stream({"Hel"}, FakeReply::Hang()));
  Start(Input(absl::InfiniteDuration(), /*stream=*/true));
  const GenerateResult& r = Settle();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(r.status), "STREAM_INTERRUPTED");
  EXPECT_TRUE(absl::StrContains(r.status.message(), "stream idle for 5s"))
      << r.status;
  EXPECT_TRUE(Fake("beta").requests().empty());
  EXPECT_EQ(Budget().spent_nano_usd, r.cost_nano_usd);
}

TEST_F(GenerateCallTest, ModelNotFoundEverywhereIsNotFound) {
  BuildAll();
  GenerateInput input = Input();
  input.request.model = "alpha/nope";
  input.fallback_models = {"beta/nope"};
  Fake("alpha").Enqueue(
      FakeReply::Error(ErrorClass::kModelNotFound, 404, "no such model"));
  Fake("beta").Enqueue(
      FakeReply::Error(ErrorClass::kModelNotFound, 404, "no such model"));
  Start(std::move(input));
  const GenerateResult& r = Settle();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kNotFound) << r.status;
  EXPECT_EQ(ErrorReason(r.status), "MODEL_NOT_FOUND");
  Budget();
}

TEST_F(GenerateCallTest, RetryAfterOfARateLimitSetsTheBackoff) {
  config_.resilience.retry.max_retries = 1;
  Build({{"ALPHA_API_KEY", "alpha-key"}});
  Fake("alpha").Enqueue(FakeReply::RateLimited(absl::Seconds(5)));
  Fake("alpha").Enqueue(FakeReply::Answer("after the cooldown"));
  Start(Input(absl::Seconds(30)));
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  // Longer than the 1 s backoff ceiling: the provider's Retry-After wins, and
  // the key's cooldown is over when the retry starts.
  EXPECT_EQ(recorder_->delays, std::vector<absl::Duration>({absl::Seconds(5)}));
  EXPECT_EQ(Outcomes(), Strings({"alpha:rate_limited", "alpha:success"}));
  Budget();
}

TEST_F(GenerateCallTest, TargetsBelowMinConfidenceAreSkippedOnce) {
  BuildAll();
  GenerateInput input = Input();
  input.min_confidence = 0.85;  // alpha 0.9, beta 0.8, gamma 0.5
  Fake("alpha").Enqueue(FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
  Start(std::move(input));
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  // The retry round tries alpha again; the skips are listed once.
  EXPECT_EQ(Outcomes(), Strings({"alpha:transient_error", "beta:skipped",
                                 "gamma:skipped", "alpha:success"}));
  EXPECT_TRUE(absl::StrContains(r.attempts[1].detail, "min_confidence"));
  EXPECT_TRUE(Fake("beta").requests().empty());
  Budget();
}

TEST_F(GenerateCallTest, AnOpenCircuitIsSkippedWithoutARequest) {
  config_.resilience.circuit.failure_threshold = 2;
  config_.resilience.retry.max_retries = 0;
  BuildAll();
  for (int i = 0; i < 2; ++i) {
    Fake("alpha").Enqueue(
        FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
    Start(Input());
    ASSERT_TRUE(Settle().status.ok());
  }
  Start(Input());
  const GenerateResult& r = Settle();
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Outcomes(), Strings({"alpha:skipped", "beta:success"}));
  EXPECT_TRUE(absl::StartsWith(r.attempts[0].detail, "circuit open"))
      << r.attempts[0].detail;
  EXPECT_EQ(Fake("alpha").requests().size(), 2u);
  EXPECT_EQ(audit_.EventsOfType("circuit_open").size(), 1u);
  ASSERT_GE(recorder_->events.size(), 3u);
  EXPECT_EQ(Strings(recorder_->events.end() - 3, recorder_->events.end()),
            Strings({"skipped alpha", "fallback alpha/a-1 -> beta",
                     "attempt beta success"}));
  Budget();
}

TEST_F(GenerateCallTest, BudgetRefusalEndsTheCallBeforeAnyAttempt) {
  config_.budget.hourly_budget_nano_usd = 1000;  // less than any worst case
  BuildAll();
  Start(Input());
  ASSERT_TRUE(result_.has_value());
  EXPECT_EQ(result_->status.code(), absl::StatusCode::kResourceExhausted)
      << result_->status;
  EXPECT_EQ(ErrorReason(result_->status), "BUDGET_EXHAUSTED");
  EXPECT_TRUE(Fake("alpha").requests().empty());
  EXPECT_EQ(recorder_->settled, 1);
  Budget();
}

}  // namespace
}  // namespace llmgw
