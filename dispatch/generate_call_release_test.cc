// GenerateCall::CreateReleasedOffLoop: the reply is filled when the call is
// settled, but released only once its charge is recorded, on the thread
// that learns it; CallSettled follows the release, so the call's latency
// includes the durable write.
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "budget/in_memory_ledger.h"
#include "config/env_lookup.h"
#include "dispatch/generate_call.h"
#include "dispatch/testing/fake_provider.h"
#include "dispatch/testing/manual_event_loop.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

using testing::FakeProviderOf;
using testing::FakeReply;
using testing::ManualEventLoop;

constexpr char kConfig[] = R"yaml(
providers:
  alpha:
    models:
      - {name: a-1, input_usd_per_million: 1, output_usd_per_million: 2}
)yaml";

// An in-memory ledger whose commits are recorded only when the test says
// so, from the thread it chooses (as the SQLite writer thread would).
class HeldCommitLedger : public InMemoryLedger {
 public:
  using InMemoryLedger::InMemoryLedger;
  void CommitAsyncOnAnyThread(CommitRequest request, CommitDone done) override {
    commit_status = Commit(request);
    held = std::move(done);
  }
  absl::Status commit_status;
  CommitDone held;
};

class SettledRecorder : public CallObserver {
 public:
  void CallSettled(const CallInfo&, const CallObservation& o) override {
    ++settled;
    latency = o.latency;
    cost = o.cost_nano_usd;
    phases = o.phases;
  }
  int settled = 0;
  CallObservation::Phases phases;
  absl::Duration latency;
  int64_t cost = 0;
};

class GenerateCallReleaseTest : public ::testing::Test {
 protected:
  GenerateCallReleaseTest() {
    config_ = *ParseGatewayConfig(kConfig);
    registry_ = *ProviderRegistry::Create(
        config_, FixedEnvironment({{"ALPHA_API_KEY", "ka"}}), nullptr);
    FakeProviderOf(*registry_, "alpha")->set_loop(&loop_);
    ledger_ = std::make_unique<HeldCommitLedger>(
        config_.budget, [this] { return loop_.Now(); });
    deps_.registry = registry_.get();
    deps_.ledger = ledger_.get();
    deps_.observer = &recorder_;
    deps_.loop = &loop_;
    deps_.budget = config_.budget;
    deps_.resilience = config_.resilience;
  }

  GenerateInput Input() {
    GenerateInput input;
    input.request.model = "alpha/a-1";
    input.request.messages.push_back({MessageRole::kUser, "hello there"});
    input.request.max_tokens = 100;
    input.request.request_id = "req_release";
    input.arrival = loop_.Now();
    return input;
  }

  // Starts a call and runs it until it is settled on the loop. The release
  // takes `release_takes` on the loop's clock.
  void Run(GenerateInput input, bool drop_call_when_settled = false,
           absl::Duration release_takes = absl::ZeroDuration()) {
    call_ = GenerateCall::CreateReleasedOffLoop(
        deps_, std::move(input),
        [this, drop_call_when_settled,
         release_takes](const GenerateResult& r) -> GenerateCall::Release {
          settled_ = r;
          settled_on_ = std::this_thread::get_id();
          // As the unary reactor does: let go of the call while it runs.
          if (drop_call_when_settled) call_.reset();
          return [this, release_takes] {
            released_on_ = std::this_thread::get_id();
            if (release_takes > absl::ZeroDuration()) {
              loop_.AdvanceBy(release_takes);
            }
            settled_count_at_release_ = recorder_.settled;
          };
        });
    call_->Start();
    loop_.RunUntilIdle();
    for (int i = 0; i < 50 && !settled_ && loop_.FireNextTimer(); ++i) {
    }
    ASSERT_TRUE(settled_.has_value()) << "the call did not settle";
  }

  GatewayConfig config_;
  ManualEventLoop loop_;
  std::unique_ptr<ProviderRegistry> registry_;
  std::unique_ptr<HeldCommitLedger> ledger_;
  SettledRecorder recorder_;
  DispatchDeps deps_;
  std::shared_ptr<GenerateCall> call_;
  std::optional<GenerateResult> settled_;
  std::thread::id settled_on_;
  std::optional<std::thread::id> released_on_;
  int settled_count_at_release_ = -1;
};

TEST_F(GenerateCallReleaseTest, ReplyLeavesOnlyOnceTheChargeIsRecorded) {
  FakeProviderOf(*registry_, "alpha")
      ->Enqueue(FakeReply::Answer("hi", absl::Milliseconds(30)));
  Run(Input());
  // Settled on the loop with its final cost, the charge counted in memory...
  ASSERT_TRUE(settled_->status.ok()) << settled_->status;
  EXPECT_EQ(settled_->reply.text, "hi");
  EXPECT_EQ(settled_->cost_nano_usd,
            200'000);  // 100 in at $1/M, 50 out at $2/M
  EXPECT_TRUE(ledger_->commit_status.ok()) << ledger_->commit_status;
  EXPECT_EQ(ledger_->Snapshot("global")->spent_nano_usd, 200'000);
  // ...but the reply waits for the ledger, and so does CallSettled.
  ASSERT_TRUE(ledger_->held);
  EXPECT_FALSE(released_on_.has_value());
  EXPECT_EQ(recorder_.settled, 0);

  loop_.AdvanceBy(absl::Milliseconds(5));  // the durable write takes 5 ms
  std::thread writer([&] { std::move(ledger_->held)(absl::OkStatus()); });
  const std::thread::id writer_id = writer.get_id();
  writer.join();
  ASSERT_TRUE(released_on_.has_value());
  EXPECT_EQ(*released_on_, writer_id) << "released from the ledger's thread";
  EXPECT_EQ(settled_count_at_release_, 0) << "the reply leaves first";
  EXPECT_EQ(recorder_.settled, 1);
  EXPECT_EQ(recorder_.cost, 200'000);
  EXPECT_EQ(recorder_.latency, absl::Milliseconds(35));
  EXPECT_EQ(ledger_->Snapshot("global")->reserved_nano_usd, 0);
}

TEST_F(GenerateCallReleaseTest, ACallerThatLetsGoWhenSettledIsSafe) {
  FakeProviderOf(*registry_, "alpha")->Enqueue(FakeReply::Answer("hi"));
  Run(Input(), /*drop_call_when_settled=*/true);
  EXPECT_EQ(call_, nullptr);
  ASSERT_TRUE(ledger_->held);
  std::thread writer([&] { std::move(ledger_->held)(absl::OkStatus()); });
  writer.join();
  EXPECT_TRUE(released_on_.has_value());
  EXPECT_EQ(recorder_.settled, 1);
}

TEST_F(GenerateCallReleaseTest, PhasesSayWhereTheCallsTimeWent) {
  FakeProviderOf(*registry_, "alpha")
      ->Enqueue(FakeReply::Answer("hi", absl::Milliseconds(30)));
  GenerateInput input = Input();
  input.arrival = loop_.Now() - absl::Milliseconds(2);  // 2 ms to the loop
  Run(std::move(input), /*drop_call_when_settled=*/false,
      /*release_takes=*/absl::Milliseconds(1));
  loop_.AdvanceBy(absl::Milliseconds(5));  // the durable write
  std::thread writer([&] { std::move(ledger_->held)(absl::OkStatus()); });
  writer.join();
  ASSERT_EQ(recorder_.settled, 1);
  const CallObservation::Phases& p = recorder_.phases;
  EXPECT_EQ(p.queued, absl::Milliseconds(2));
  // The manual clock stands still while the loop works.
  EXPECT_EQ(p.dispatch, absl::ZeroDuration());
  EXPECT_EQ(p.settle, absl::ZeroDuration());
  EXPECT_EQ(p.commit, absl::Milliseconds(5));
  EXPECT_EQ(p.reply, absl::Milliseconds(1));
  // Latency runs to the release; the 30 ms upstream is no phase.
  EXPECT_EQ(recorder_.latency, absl::Milliseconds(37));
}

TEST_F(GenerateCallReleaseTest, ACallWithNothingToRecordIsReleasedAtOnce) {
  FakeProviderOf(*registry_, "alpha")
      ->Enqueue(FakeReply::Error(ErrorClass::kInvalidRequest, 400, "bad"));
  Run(Input());
  EXPECT_EQ(settled_->status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ledger_->held) << "a failed call is released, not committed";
  ASSERT_TRUE(released_on_.has_value());
  EXPECT_EQ(*released_on_, settled_on_) << "released on the loop";
  EXPECT_EQ(recorder_.settled, 1);
  EXPECT_EQ(ledger_->Snapshot("global")->reserved_nano_usd, 0);
  EXPECT_EQ(ledger_->Snapshot("global")->spent_nano_usd, 0);
  // Nothing went to the ledger: no settle or commit phase.
  EXPECT_TRUE(recorder_.phases.queued.has_value());
  EXPECT_FALSE(recorder_.phases.commit.has_value());
  EXPECT_FALSE(recorder_.phases.settle.has_value());
  EXPECT_TRUE(recorder_.phases.reply.has_value());
}

}  // namespace
}  // namespace llmgw
