#include "dispatch/testing/fake_provider.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "registry/provider_factory.h"

namespace llmgw::testing {

FakeReply FakeReply::Answer(std::string text, absl::Duration after) {
  FakeReply r;
  r.kind = Kind::kAnswer;
  r.text = std::move(text);
  r.after = after;
  return r;
}

FakeReply FakeReply::Error(ErrorClass error_class, int http_status,
                           std::string message, absl::Duration after) {
  FakeReply r;
  r.kind = Kind::kError;
  r.error.error_class = error_class;
  r.error.http_status = http_status;
  r.error.message = std::move(message);
  r.after = after;
  return r;
}

FakeReply FakeReply::RateLimited(std::optional<absl::Duration> retry_after) {
  FakeReply r = Error(ErrorClass::kRateLimited, 429, "slow down");
  r.error.retry_after = retry_after;
  return r;
}

FakeReply FakeReply::Hang() {
  FakeReply r;
  r.kind = Kind::kHang;
  return r;
}

FakeReply FakeReply::Stream(std::vector<std::string> deltas, FakeReply end) {
  end.deltas = std::move(deltas);
  return end;
}

// One attempt: timers for the reply, the caller's deadline and the
// attempt's time budget, like the HTTP client's.
class FakeProvider::Call : public ProviderCall,
                           public std::enable_shared_from_this<Call> {
 public:
  Call(FakeProvider* owner, size_t index, FakeReply reply, CallOptions options,
       ProviderCallback done)
      : owner_(owner),
        alive_(owner->alive_),
        loop_(owner->loop_),
        index_(index),
        reply_(std::move(reply)),
        options_(std::move(options)),
        done_(std::move(done)) {}

  void Begin() {
    const absl::Time now = loop_->Now();
    if (options_.deadline != absl::InfiniteFuture()) {
      timers_.push_back(
          loop_->RunAfter(options_.deadline - now, [self = shared_from_this()] {
            ProviderError e;
            e.error_class = ErrorClass::kCancelled;
            e.timed_out = true;
            e.message = "deadline exceeded while waiting for the provider";
            self->End(std::move(e));
          }));
    }
    if (options_.attempt_timeout != absl::InfiniteDuration() &&
        options_.stream_sink == nullptr) {
      timers_.push_back(loop_->RunAfter(
          options_.attempt_timeout, [self = shared_from_this()] {
            ProviderError e;
            e.error_class = ErrorClass::kTransient;
            e.timed_out = true;
            e.message = absl::StrCat(
                "attempt_timeout: no answer within ",
                absl::FormatDuration(self->options_.attempt_timeout));
            self->End(std::move(e));
          }));
    }
    timers_.push_back(loop_->RunAfter(
        reply_.after, [self = shared_from_this()] { self->Deliver(); }));
  }

  void Cancel() override {
    loop_->Post([self = shared_from_this()] {
      if (self->ended_) return;
      if (*self->alive_) self->owner_->requests_[self->index_].cancelled = true;
      ProviderError e;
      e.error_class = ErrorClass::kCancelled;
      e.message = "cancelled";
      self->End(std::move(e));
    });
  }

 private:
  void Deliver() {
    for (const std::string& d : reply_.deltas) {
      if (ended_) return;
      text_ += d;
      if (options_.stream_sink != nullptr) options_.stream_sink->OnDelta(d);
    }
    for (const ToolCallDelta& d : reply_.tool_deltas) {
      if (ended_) return;
      AddToolDelta(d);
      if (options_.stream_sink != nullptr) {
        options_.stream_sink->OnToolCallDelta(d);
      }
    }
    if (!reply_.refusal.empty() && !ended_ && options_.stream_sink != nullptr) {
      options_.stream_sink->OnRefusalDelta(reply_.refusal);
    }
    if (ended_) return;
    switch (reply_.kind) {
      case FakeReply::Kind::kAnswer:
        End(std::nullopt);
        return;
      case FakeReply::Kind::kError:
        End(reply_.error);
        return;
      case FakeReply::Kind::kHang:
        return;
    }
  }

  // Assembles streamed tool-call pieces as a decoder would.
  void AddToolDelta(const ToolCallDelta& d) {
    if (d.index >= static_cast<int32_t>(tool_calls_.size())) {
      tool_calls_.resize(d.index + 1);
    }
    ToolCall& call = tool_calls_[d.index];
    if (!d.id.empty()) call.id = d.id;
    if (!d.name.empty()) call.name = d.name;
    call.arguments_json += d.arguments_json_delta;
  }

  void End(std::optional<ProviderError> error) {
    if (ended_) return;
    ended_ = true;
    for (http::EventLoop::TimerId t : timers_) loop_->CancelTimer(t);
    if (*alive_) --owner_->in_flight_;
    ProviderOutcome outcome;
    outcome.error = std::move(error);
    outcome.reply.text = text_;
    outcome.reply.tool_calls = tool_calls_;
    outcome.reply.refusal = reply_.refusal;
    if (!outcome.error) {
      outcome.reply.embeddings = reply_.embeddings;
      if (outcome.reply.text.empty()) outcome.reply.text = reply_.text;
      outcome.reply.finish_reason = FinishReason::kStop;
      outcome.reply.usage = reply_.usage;
      if (!outcome.reply.usage.reported) {
        outcome.reply.usage = TokenUsage{100, 50, true};
      }
    }
    auto done = std::move(done_);
    done(std::move(outcome));
  }

  FakeProvider* const owner_;
  const std::shared_ptr<bool> alive_;
  http::EventLoop* const loop_;
  const size_t index_;
  const FakeReply reply_;
  std::vector<ToolCall> tool_calls_;
  const CallOptions options_;
  ProviderCallback done_;
  std::vector<http::EventLoop::TimerId> timers_;
  std::string text_;
  bool ended_ = false;
};

FakeProvider::FakeProvider(ProviderSpec spec, std::string base_url)
    : spec_(std::move(spec)),
      base_url_(std::move(base_url)),
      alive_(std::make_shared<bool>(true)) {}

FakeProvider::~FakeProvider() { *alive_ = false; }

void FakeProvider::Enqueue(FakeReply reply) {
  script_.push_back(std::move(reply));
}

std::shared_ptr<ProviderCall> FakeProvider::Generate(ProviderRequest request,
                                                     CallOptions options,
                                                     ProviderCallback done) {
  FakeRequest seen;
  seen.model = request.model;
  seen.api_key = options.api_key;
  seen.started = loop_->Now();
  seen.deadline = options.deadline;
  seen.attempt_timeout = options.attempt_timeout;
  seen.stream = options.stream_sink != nullptr;
  requests_.push_back(seen);
  ++in_flight_;
  FakeReply reply =
      next_ < script_.size() ? script_[next_++] : FakeReply::Answer("ok");
  if (request.operation == Operation::kEmbed && reply.embeddings.empty() &&
      reply.kind == FakeReply::Kind::kAnswer) {
    // Like a real provider: one vector per input unless scripted otherwise.
    reply.embeddings.assign(request.embed.inputs.size(), {0.5f, -0.5f});
  }
  auto call =
      std::make_shared<Call>(this, requests_.size() - 1, std::move(reply),
                             std::move(options), std::move(done));
  call->Begin();
  return call;
}

FakeProvider* FakeProviderOf(const ProviderRegistry& registry,
                             absl::string_view name) {
  const ProviderEntry* entry = registry.Find(name);
  if (entry == nullptr || entry->provider == nullptr) return nullptr;
  return dynamic_cast<FakeProvider*>(entry->provider.get());
}

namespace {

constexpr char kCatalog[] = R"yaml(
providers:
  alpha:
    default_base_url: https://alpha.invalid/v1
    default_model: a-1
    confidence_score: 0.9
    primary_rank: 1
    fallback_rank: 1
    models:
      - {name: a-1, context_window: 100000, max_output_tokens: 1000, input_usd_per_million: 1.00, output_usd_per_million: 2.00}
  beta:
    default_base_url: https://beta.invalid/v1
    default_model: b-1
    confidence_score: 0.8
    primary_rank: 2
    fallback_rank: 2
    models:
      - {name: b-1, context_window: 100000, max_output_tokens: 1000, input_usd_per_million: 2.00, output_usd_per_million: 4.00}
  gamma:
    default_base_url: https://gamma.invalid/v1
    default_model: g-1
    confidence_score: 0.5
    primary_rank: 3
    fallback_rank: 3
    models:
      - {name: g-1, context_window: 100000, max_output_tokens: 1000, input_usd_per_million: 3.00, output_usd_per_million: 6.00}
)yaml";

class ScriptedFactory : public ProviderFactory {
 public:
  absl::string_view wire_format() const override { return "scripted"; }
  absl::string_view BuiltinCatalog() const override { return kCatalog; }
  absl::StatusOr<std::unique_ptr<ILLMProvider>> Create(
      const ProviderSpec& spec, const ProviderContext& context) const override {
    return std::make_unique<FakeProvider>(spec, context.base_url);
  }
};

LLMGW_REGISTER_PROVIDER_FACTORY(ScriptedFactory);

}  // namespace
}  // namespace llmgw::testing
