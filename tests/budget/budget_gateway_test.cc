// Budgets through the real in-process gateway: hundreds of concurrent calls
// against a budget that covers only some of them, mixed with failures,
// cancellations and broken streams; scopes per client and per model; the
// Budget RPC; budget audit events. The invariant checked throughout: the sum
// of the costs the callers were told = committed spend in the ledger = what
// the Budget RPC reports = the commits in the audit log, never above the
// limit plus the allowed overage, and nothing left reserved afterwards.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/gateway_harness.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;

constexpr int64_t kInputPerToken = 150;   // gpt-4o-mini: USD 0.15 / million
constexpr int64_t kOutputPerToken = 600;  // USD 0.60 / million

GatewayConfig BudgetConfigWith(int overage_percent) {
  GatewayConfig config;
  config.budget.allow_overage_percent = overage_percent;
  return config;
}

pb::GenerateRequest Request(const std::string& text, int max_tokens) {
  pb::GenerateRequest r = GatewayHarness::UserRequest(text, "gpt-4o-mini");
  r.set_max_tokens(max_tokens);
  return r;
}

int64_t AuditedCommits(GatewayHarness& h) {
  int64_t total = 0;
  for (const auto& e : h.audit().EventsOfType("budget")) {
    if (e["event"] == "commit") total += e["cost_nano_usd"].get<int64_t>();
  }
  return total;
}

pb::BudgetResponse BudgetOf(GatewayHarness& h, const std::string& scope) {
  grpc::ClientContext context;
  pb::BudgetRequest request;
  request.set_scope(scope);
  pb::BudgetResponse response;
  grpc::Status s = h.stub().Budget(&context, request, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response;
}

// Many Generate calls in flight at once over the callback API.
class ConcurrentCalls {
 public:
  struct Call {
    grpc::ClientContext context;
    pb::GenerateRequest request;
    pb::GenerateResponse response;
    grpc::Status status;
  };

  Call& Add(pb::GenerateRequest request, absl::Duration timeout,
            const std::string& client_id = "") {
    calls_.push_back(std::make_unique<Call>());
    Call& call = *calls_.back();
    call.request = std::move(request);
    call.context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (!client_id.empty()) {
      call.context.AddMetadata("x-llmgw-client-id", client_id);
    }
    return call;
  }

  // Starts every call, waits until all have finished.
  void RunAll(pb::LlmGateway::Stub& stub) {
    for (auto& call : calls_) {
      Call* c = call.get();
      stub.async()->Generate(&c->context, &c->request, &c->response,
                             [this, c](grpc::Status s) {
                               absl::MutexLock lock(&mu_);
                               c->status = std::move(s);
                               ++done_;
                             });
    }
    absl::MutexLock lock(&mu_);
    std::pair<size_t*, size_t> all(&done_, calls_.size());
    mu_.Await(absl::Condition(
        +[](std::pair<size_t*, size_t>* a) { return *a->first == a->second; },
        &all));
  }

  std::vector<std::unique_ptr<Call>>& calls() { return calls_; }

 private:
  std::vector<std::unique_ptr<Call>> calls_;
  absl::Mutex mu_;
  size_t done_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(BudgetConcurrencyTest, ParallelCallsNeverOverspendAndTheBooksBalance) {
  // Worst case per call: 12 estimated input tokens ("hello budget": 4 + 8)
  // and 20 output tokens = 13,800 nano-USD; actual: 2 in, 3 out = 2,100.
  // 300 calls would cost 630,000: the budget (500,000 + 10%) covers some.
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_HOURLY_BUDGET", "0.0005"}},
                   BudgetConfigWith(10));
  // 30 of the calls are rejected upstream as invalid: released, not charged.
  h.upstream().Enqueue(Behavior::HttpError(400).Times(30));
  ConcurrentCalls batch;
  for (int i = 0; i < 300; ++i) {
    batch.Add(Request("hello budget", 20), absl::Seconds(30));
  }
  batch.RunAll(h.stub());

  int64_t told = 0;
  int ok = 0, refused = 0, invalid = 0;
  for (auto& call : batch.calls()) {
    if (call->status.ok()) {
      ++ok;
      EXPECT_EQ(call->response.cost_nano_usd(),
                2 * kInputPerToken + 3 * kOutputPerToken);
      told += call->response.cost_nano_usd();
    } else if (call->status.error_code() ==
               grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_TRUE(absl::StartsWith(call->status.error_message(),
                                   "hourly budget exhausted: this call may "
                                   "cost up to $0.000013800 but only $"))
          << call->status.error_message();
    } else {
      ++invalid;
      EXPECT_EQ(call->status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << call->status.error_message();
    }
  }
  EXPECT_EQ(ok + refused + invalid, 300);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(invalid, 30);
  EXPECT_GT(ok, 0);
  pb::BudgetResponse budget = h.Budget();
  EXPECT_EQ(budget.spent_nano_usd(), told);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);

  // Then one call at a time until refused: the budget is used up to the
  // last call whose worst case still fits under limit + overage.
  grpc::Status last;
  int sequential = 0;
  while (sequential < 400) {
    pb::GenerateResponse response;
    last = h.Generate(Request("hello budget", 20), &response);
    if (!last.ok()) break;
    ++sequential;
    told += response.cost_nano_usd();
  }
  EXPECT_EQ(last.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ok += sequential;
  ++refused;
  EXPECT_GT(told, 550'000 - 13'800);

  budget = h.Budget();
  EXPECT_EQ(budget.spent_nano_usd(), told);
  EXPECT_EQ(AuditedCommits(h), told);
  EXPECT_LE(budget.spent_nano_usd(), 550'000);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(budget.open_reservations(), 0);
  EXPECT_EQ(budget.limit_nano_usd(), 500'000);
  EXPECT_EQ(budget.remaining_nano_usd(), std::max<int64_t>(0, 500'000 - told));
  EXPECT_EQ(budget.lifetime_spent_nano_usd(), told);
  ASSERT_EQ(budget.breakdown_size(), 1);
  EXPECT_EQ(budget.breakdown(0).provider(), "openai");
  EXPECT_EQ(budget.breakdown(0).model(), "gpt-4o-mini");
  EXPECT_EQ(budget.breakdown(0).calls(), ok);
  EXPECT_EQ(BudgetOf(h, "model:gpt-4o-mini").spent_nano_usd(), told);
  EXPECT_EQ(BudgetOf(h, "provider:openai").spent_nano_usd(), told);

  int refusals_audited = 0;
  for (const auto& e : h.audit().EventsOfType("budget")) {
    if (e["event"] == "reserve_refused") ++refusals_audited;
  }
  EXPECT_EQ(refusals_audited, refused);
}

TEST(BudgetConcurrencyTest, MixedStreamsAndCallsBalanceExactly) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_HOURLY_BUDGET", "0.0005"}},
                   BudgetConfigWith(10));
  // Some streams are cut after a delta (charged by estimate), some calls
  // are rejected upstream (released); which call meets which is up to the
  // scheduler.
  h.upstream().Enqueue(Behavior::CutStream(1).Times(15));
  h.upstream().Enqueue(Behavior::HttpError(400).Times(15));
  ConcurrentCalls batch;
  for (int i = 0; i < 150; ++i) {
    batch.Add(Request("hello budget", 20), absl::Seconds(30));
  }
  std::vector<GatewayHarness::StreamResult> streams(60);
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&h, &streams, t] {
      for (int i = t; i < 60; i += 6) {
        streams[i] = h.Stream(Request("hello budget", 20), absl::Seconds(30));
      }
    });
  }
  batch.RunAll(h.stub());
  for (std::thread& t : threads) t.join();

  int64_t told = 0;
  int refused = 0;
  for (auto& call : batch.calls()) {
    if (call->status.ok()) told += call->response.cost_nano_usd();
    if (call->status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
    }
  }
  for (auto& stream : streams) {
    if (stream.status.ok()) {
      ASSERT_TRUE(stream.has_summary);
      told += stream.summary.cost_nano_usd();
    } else if (stream.status.error_code() ==
               grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
    } else if (!stream.text.empty()) {
      // Broken after output: the cost travels in the trailers.
      int64_t cost = 0;
      ASSERT_TRUE(
          absl::SimpleAtoi(stream.trailer_map["llmgw-cost-nano-usd"], &cost))
          << stream.status.error_message();
      EXPECT_GT(cost, 0);
      told += cost;
    }
  }
  EXPECT_GT(refused, 0);
  pb::BudgetResponse budget = h.Budget();
  EXPECT_EQ(budget.spent_nano_usd(), told);
  EXPECT_EQ(AuditedCommits(h), told);
  EXPECT_LE(budget.spent_nano_usd(), 550'000);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(budget.open_reservations(), 0);
}

TEST(BudgetConcurrencyTest, CancelledAndTimedOutCallsReleaseEverything) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_HOURLY_BUDGET", "1.00"}});
  h.upstream().SetDefault(Behavior::Hang(absl::Seconds(10)));
  ConcurrentCalls batch;
  for (int i = 0; i < 40; ++i) {
    batch.Add(Request("hang on", 20), absl::Milliseconds(300));
  }
  for (int i = 0; i < 10; ++i) {
    ConcurrentCalls::Call& c =
        batch.Add(Request("cancel me", 20), absl::Seconds(30));
    c.context.TryCancel();  // before it even starts
  }
  batch.RunAll(h.stub());
  for (auto& call : batch.calls()) {
    EXPECT_TRUE(call->status.error_code() ==
                    grpc::StatusCode::DEADLINE_EXCEEDED ||
                call->status.error_code() == grpc::StatusCode::CANCELLED)
        << call->status.error_message();
  }
  // The gateway settles a cancelled call on its event loop after the client
  // has seen the status: wait for the last release event.
  pb::BudgetResponse budget;
  for (int i = 0; i < 200; ++i) {
    budget = h.Budget();
    if (budget.open_reservations() == 0) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(budget.open_reservations(), 0);
  EXPECT_EQ(budget.spent_nano_usd(), 0);
  EXPECT_EQ(AuditedCommits(h), 0);
}

TEST(BudgetStreamTest, StreamCutMidwayIsChargedFromTheDeliveredText) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_HOURLY_BUDGET", "1.00"}});
  h.upstream().Enqueue(Behavior::Text("alpha beta gamma delta").Times(1));
  h.upstream().Enqueue(Behavior::CutStream(2));
  auto whole = h.Stream(Request("one two three", 50));
  ASSERT_TRUE(whole.status.ok()) << whole.status.error_message();
  ASSERT_TRUE(whole.has_summary);
  const int64_t whole_cost = whole.summary.cost_nano_usd();
  EXPECT_GT(whole_cost, 0);

  auto cut = h.Stream(Request("one two three", 50));
  EXPECT_EQ(cut.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_FALSE(cut.text.empty());
  int64_t cut_cost = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(cut.trailer_map["llmgw-cost-nano-usd"], &cut_cost));
  // Estimated: input 8 + ceil(13 / 3) tokens, output ceil(bytes / 3).
  const int64_t output_tokens = (static_cast<int64_t>(cut.text.size()) + 2) / 3;
  EXPECT_EQ(cut_cost,
            (8 + 5) * kInputPerToken + output_tokens * kOutputPerToken);

  pb::BudgetResponse budget = h.Budget();
  EXPECT_EQ(budget.spent_nano_usd(), whole_cost + cut_cost);
  EXPECT_EQ(AuditedCommits(h), whole_cost + cut_cost);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_EQ(budget.breakdown(0).calls(), 2);
}

TEST(BudgetStreamTest, StreamCancelledByTheCallerMidwayIsCharged) {
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"},
                    {"LLMGW_HOURLY_BUDGET", "1.00"}});
  // Two deltas, then silence long enough for the caller to give up.
  h.upstream().Enqueue(Behavior::StallStream(2, absl::Seconds(10)));
  grpc::ClientContext context;
  auto reader = h.stub().GenerateStream(&context, Request("one two three", 50));
  pb::GenerateStreamEvent event;
  ASSERT_TRUE(reader->Read(&event));
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // Settlement happens on the gateway's loop after the cancel: wait for it.
  pb::BudgetResponse budget;
  for (int i = 0; i < 200; ++i) {
    budget = h.Budget();
    if (budget.open_reservations() == 0) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(budget.open_reservations(), 0);
  EXPECT_EQ(budget.reserved_nano_usd(), 0);
  EXPECT_GT(budget.spent_nano_usd(), 0) << "a cancelled stream was free";
  EXPECT_EQ(AuditedCommits(h), budget.spent_nano_usd());
}

TEST(BudgetScopeTest, ClientAndModelScopesAreEnforcedAndReported) {
  GatewayConfig config;
  // One call reserves 13,800 (see above) and costs 2,100.
  config.budget.scope_budgets["client:alice"] = 20'000;
  config.budget.scope_budgets["model:gpt-4o"] = 1;
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"}}, config);
  auto call = [&](const std::string& client, const std::string& model) {
    grpc::ClientContext context;
    if (!client.empty()) context.AddMetadata("x-llmgw-client-id", client);
    pb::GenerateRequest r = Request("hello budget", 20);
    r.set_model(model);
    pb::GenerateResponse response;
    return h.stub().Generate(&context, r, &response);
  };
  EXPECT_TRUE(call("alice", "gpt-4o-mini").ok());
  EXPECT_TRUE(call("alice", "gpt-4o-mini").ok());
  EXPECT_TRUE(call("alice", "gpt-4o-mini").ok());
  grpc::Status s = call("alice", "gpt-4o-mini");  // 6,300 + 13,800 > 20,000
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StartsWith(
      s.error_message(),
      "budget of client:alice exhausted: this call may cost up to "
      "$0.000013800 but only $0.000013700 of $0.000020000 is left"))
      << s.error_message();
  EXPECT_TRUE(call("bob", "gpt-4o-mini").ok());
  EXPECT_EQ(call("bob", "gpt-4o").error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  pb::BudgetResponse alice = BudgetOf(h, "client:alice");
  EXPECT_EQ(alice.scope(), "client:alice");
  EXPECT_EQ(alice.limit_nano_usd(), 20'000);
  EXPECT_EQ(alice.spent_nano_usd(), 6'300);
  EXPECT_EQ(alice.remaining_nano_usd(), 13'700);
  EXPECT_FALSE(alice.unlimited());
  EXPECT_EQ(BudgetOf(h, "client:bob").spent_nano_usd(), 2'100);
  EXPECT_TRUE(BudgetOf(h, "client:bob").unlimited());
  pb::BudgetResponse global = h.Budget();
  EXPECT_EQ(global.scope(), "global");
  EXPECT_EQ(global.spent_nano_usd(), 8'400);
  EXPECT_TRUE(global.unlimited());
  EXPECT_EQ(BudgetOf(h, "model:gpt-4o").spent_nano_usd(), 0);

  grpc::ClientContext context;
  pb::BudgetRequest bad;
  bad.set_scope("team:x");
  pb::BudgetResponse response;
  grpc::Status status = h.stub().Budget(&context, bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "client:<id>"));
}

TEST(BudgetPricingTest, UncataloguedModelsArePricedExplicitlyOrRefused) {
  GatewayConfig config;
  config.budget.default_price.reset();  // strict: no implicit price
  config.budget.model_prices["openai/house-model"] =
      TokenPrice{1'000'000'000, 2'000'000'000};  // USD 1 / 2 per million
  GatewayHarness h({{"OPENAI_API_KEY", "sk-test-key-0123456789"}}, config);
  pb::GenerateResponse response;
  grpc::Status s =
      h.Generate(GatewayHarness::UserRequest("hi", "openai/gpt-9"), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(),
                                "budget.model_prices[\"openai/gpt-9\"]"))
      << s.error_message();
  EXPECT_EQ(h.upstream().RequestCount(), 0);

  ASSERT_TRUE(
      h.Generate(GatewayHarness::UserRequest("hi", "openai/house-model"),
                 &response)
          .ok());
  // Fake usage: 1 prompt word, 2 completion words ("Echo: hi").
  EXPECT_EQ(response.cost_nano_usd(), 1 * 1000 + 2 * 2000);
  EXPECT_EQ(h.Budget().spent_nano_usd(), response.cost_nano_usd());
}

}  // namespace
}  // namespace llmgw::testing
