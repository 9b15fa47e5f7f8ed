#ifndef LLMGW_DISPATCH_TESTING_FAKE_PROVIDER_H_
#define LLMGW_DISPATCH_TESTING_FAKE_PROVIDER_H_

// A scripted ILLMProvider on a (manual) event loop, and the "scripted" wire
// format whose built-in catalog has three providers, alpha, beta and gamma
// (in that automatic order), so a real ProviderRegistry routes to fakes:
//
//   ProviderRegistry::Create(config, FixedEnvironment({{"ALPHA_API_KEYS",
//       "ka1,ka2"}, {"BETA_API_KEY", "kb"}}), nullptr);
//   FakeProvider& alpha = *FakeProviderOf(*registry, "alpha");
//   alpha.set_loop(&loop);
//   alpha.Enqueue(FakeReply::Error(ErrorClass::kTransient, 503, "busy"));
//
// Models (price per million tokens in, out): alpha/a-1 ($1, $2), beta/b-1
// ($2, $4), gamma/g-1 ($3, $6).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "http/event_loop.h"
#include "registry/provider.h"
#include "registry/provider_registry.h"

namespace llmgw::testing {

// One scripted answer to one attempt.
struct FakeReply {
  enum class Kind {
    // Deltas (streams), then success with `text` (or the deltas joined).
    kAnswer,
    // Deltas, then the error.
    kError,
    // Deltas, then nothing: ends only by cancel, the caller's deadline or
    // the attempt's time budget (as the HTTP client would).
    kHang,
  };
  Kind kind = Kind::kAnswer;
  std::string text;
  std::vector<std::string> deltas;
  ProviderError error;
  TokenUsage usage;
  // Streams: tool-call and refusal pieces sent after the text deltas, in
  // that order (also kept as the reply's tool calls / refusal on success).
  std::vector<ToolCallDelta> tool_deltas;
  std::string refusal;
  // kAnswer: the reply's vectors (embedding requests); empty means one
  // vector {0.5, -0.5} per input. Script a wrong count to test the check.
  std::vector<std::vector<float>> embeddings;
  // When the deltas and the end come, after the attempt started.
  absl::Duration after = absl::Milliseconds(10);

  static FakeReply Answer(std::string text,
                          absl::Duration after = absl::Milliseconds(10));
  static FakeReply Error(ErrorClass error_class, int http_status,
                         std::string message,
                         absl::Duration after = absl::Milliseconds(10));
  static FakeReply RateLimited(std::optional<absl::Duration> retry_after);
  static FakeReply Hang();
  // Streams `deltas` at `after`, then ends as `end` says (kAnswer: success).
  static FakeReply Stream(std::vector<std::string> deltas, FakeReply end);
};

// What one attempt was sent.
struct FakeRequest {
  std::string model;
  std::string api_key;
  absl::Time started;
  absl::Time deadline;
  absl::Duration attempt_timeout;
  bool stream = false;
  bool cancelled = false;
};

class FakeProvider : public ILLMProvider {
 public:
  FakeProvider(ProviderSpec spec, std::string base_url);
  ~FakeProvider() override;

  // The loop the replies run on (required before the first call).
  void set_loop(http::EventLoop* loop) { loop_ = loop; }
  // Scripts the next attempt's reply; with none left, attempts answer "ok".
  void Enqueue(FakeReply reply);
  const std::vector<FakeRequest>& requests() const { return requests_; }
  // Attempts started and not yet ended.
  int in_flight() const { return in_flight_; }

  const ProviderSpec& spec() const override { return spec_; }
  const std::string& base_url() const override { return base_url_; }
  std::shared_ptr<ProviderCall> Generate(ProviderRequest request,
                                         CallOptions options,
                                         ProviderCallback done) override;

 private:
  class Call;

  ProviderSpec spec_;
  std::string base_url_;
  http::EventLoop* loop_ = nullptr;
  std::vector<FakeReply> script_;
  size_t next_ = 0;
  std::vector<FakeRequest> requests_;
  int in_flight_ = 0;
  std::shared_ptr<bool> alive_;
};

// The FakeProvider behind a configured "scripted" provider (null otherwise).
FakeProvider* FakeProviderOf(const ProviderRegistry& registry,
                             absl::string_view name);

}  // namespace llmgw::testing

#endif  // LLMGW_DISPATCH_TESTING_FAKE_PROVIDER_H_
