#include "providers/common/http_provider.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "http/sse_parser.h"
#include "providers/common/http_errors.h"
#include "registry/key_fingerprint.h"

namespace llmgw {
namespace {

// Bound on an error body kept while streaming (error bodies are small).
constexpr size_t kMaxStreamErrorBody = 64 << 10;

bool IsSuccess(int status) { return status >= 200 && status < 300; }

bool LooksLikeJson(absl::string_view body) {
  body = absl::StripLeadingAsciiWhitespace(body);
  return !body.empty() && body.front() == '{';
}

ProviderError TransportFailure(const http::HttpResult& result) {
  ProviderError error;
  error.http_status = result.response.status_code;
  switch (result.error) {
    case http::TransportError::kCancelled:
      error.error_class = ErrorClass::kCancelled;
      error.message = "cancelled";
      break;
    case http::TransportError::kDeadlineExceeded:
      // The caller's deadline: nothing to retry within it.
      error.error_class = ErrorClass::kCancelled;
      error.timed_out = true;
      error.message = "deadline exceeded while waiting for the provider";
      break;
    case http::TransportError::kConnectTimeout:
    case http::TransportError::kReadTimeout:
    case http::TransportError::kAttemptTimeout:
    case http::TransportError::kTooSlow:
      error.error_class = ErrorClass::kTransient;
      error.timed_out = true;
      error.message = absl::StrCat(http::TransportErrorName(result.error), ": ",
                                   result.error_message);
      break;
    default:
      error.error_class = ErrorClass::kTransient;
      error.message = absl::StrCat(http::TransportErrorName(result.error), ": ",
                                   result.error_message);
      break;
  }
  return error;
}

// State of one call, shared by the HTTP callbacks (all on the loop thread).
// Replaces every occurrence of the call's key in an error message with its
// fingerprint. Providers and proxies sometimes quote the key they rejected
// (Google's "Consumer 'api_key:...' has been suspended"); the gateway's error
// messages, logs and audit events must never carry it, whatever the codec.
void ScrubKey(absl::string_view api_key, ProviderOutcome& outcome) {
  if (api_key.empty() || !outcome.error ||
      !absl::StrContains(outcome.error->message, api_key)) {
    return;
  }
  outcome.error->message = absl::StrReplaceAll(
      outcome.error->message, {{api_key, KeyFingerprint(api_key)}});
}

struct CallState {
  const WireCodec* codec = nullptr;
  ProviderCallback done;
  std::string api_key;  // only to scrub it from error messages
  StreamSink* sink = nullptr;
  bool embed = false;

  // Streaming only.
  int status_code = 0;
  std::unique_ptr<StreamDecoder> decoder;
  std::unique_ptr<http::SseParser> parser;
  std::string streamed_text;
  std::string error_body;
  // The first bytes of a 2xx stream until an SSE event is seen: some
  // providers (MiniMax) answer a failed stream request with a bare JSON body.
  std::string raw_prefix;
  bool event_seen = false;
  bool stream_done = false;
  std::optional<ProviderError> stream_error;

  void HandleEvent(const http::SseEvent& event) {
    event_seen = true;
    raw_prefix.clear();
    if (stream_done || stream_error) return;
    StreamUpdate update = decoder->OnEvent(event);
    if (!update.delta.empty()) {
      streamed_text += update.delta;
      sink->OnDelta(update.delta);
    }
    for (const ToolCallDelta& delta : update.tool_call_deltas) {
      sink->OnToolCallDelta(delta);
    }
    if (!update.refusal_delta.empty())
      sink->OnRefusalDelta(update.refusal_delta);
    if (update.error) {
      stream_error = std::move(update.error);
    } else if (update.done) {
      stream_done = true;
    }
  }

  // A complete reply received instead of a stream, forwarded as deltas.
  void ForwardWhole(const ProviderReply& reply) {
    if (!reply.text.empty()) sink->OnDelta(reply.text);
    for (size_t i = 0; i < reply.tool_calls.size(); ++i) {
      const ToolCall& call = reply.tool_calls[i];
      sink->OnToolCallDelta(ToolCallDelta{static_cast<int32_t>(i), call.id,
                                          call.name, call.arguments_json});
    }
    if (!reply.refusal.empty()) sink->OnRefusalDelta(reply.refusal);
  }

  // Returns false to abort the exchange (an error event arrived).
  bool HandleData(absl::string_view chunk) {
    if (!IsSuccess(status_code)) {
      if (error_body.size() < kMaxStreamErrorBody) {
        error_body.append(
            chunk.data(),
            std::min(chunk.size(), kMaxStreamErrorBody - error_body.size()));
      }
      return true;
    }
    if (!event_seen && raw_prefix.size() < kMaxStreamErrorBody) {
      raw_prefix.append(
          chunk.data(),
          std::min(chunk.size(), kMaxStreamErrorBody - raw_prefix.size()));
    }
    absl::Status fed = parser->Feed(chunk);
    if (!fed.ok() && !stream_error) {
      stream_error =
          ProviderError{ErrorClass::kTransient, status_code,
                        absl::StrCat("malformed stream: ", fed.message())};
    }
    return !stream_error.has_value();
  }

  ProviderOutcome FinishStream(http::HttpResult result) {
    const bool clean_end = result.error == http::TransportError::kNone &&
                           IsSuccess(result.response.status_code);
    if (clean_end && !stream_done && !stream_error &&
        parser->HasPartialEvent()) {
      // Tolerate a final event that lacks its terminating blank line.
      (void)parser->Feed("\n\n");
    }
    ProviderOutcome outcome;
    if (decoder) outcome.reply = decoder->Summary();
    outcome.reply.text = std::move(streamed_text);
    if (stream_error) {
      outcome.error = std::move(stream_error);
    } else if (result.error != http::TransportError::kNone) {
      outcome.error = TransportFailure(result);
    } else if (!IsSuccess(result.response.status_code)) {
      result.response.body = std::move(error_body);
      outcome.error = codec->ParseError(result.response);
    } else if (!stream_done && !event_seen && LooksLikeJson(raw_prefix)) {
      // A plain JSON answer instead of an event stream: an in-band error
      // (or a complete non-streamed reply), parsed as a non-streamed one.
      result.response.body = std::move(raw_prefix);
      ProviderOutcome plain = codec->ParseReply(result.response);
      if (plain.ok()) ForwardWhole(plain.reply);
      return plain;
    } else if (!stream_done) {
      outcome.error =
          ProviderError{ErrorClass::kTransient, result.response.status_code,
                        "stream ended before the provider's final event"};
    }
    return outcome;
  }
};

class HttpProviderCall : public ProviderCall {
 public:
  explicit HttpProviderCall(std::shared_ptr<http::RequestHandle> handle)
      : handle_(std::move(handle)) {}
  void Cancel() override {
    if (handle_) handle_->Cancel();
  }

 private:
  std::shared_ptr<http::RequestHandle> handle_;
};

// A call that failed before any I/O; Cancel has nothing to abort.
class FinishedCall : public ProviderCall {
 public:
  void Cancel() override {}
};

class HttpProvider : public ILLMProvider {
 public:
  HttpProvider(ProviderSpec spec, const ProviderContext& context,
               std::unique_ptr<WireCodec> codec)
      : spec_(std::move(spec)),
        base_url_(context.base_url),
        http_(context.http_client),
        codec_(std::move(codec)) {}

  const ProviderSpec& spec() const override { return spec_; }
  const std::string& base_url() const override { return base_url_; }

  std::shared_ptr<ProviderCall> Generate(ProviderRequest request,
                                         CallOptions options,
                                         ProviderCallback done) override {
    const bool embed = request.operation == Operation::kEmbed;
    const bool stream = !embed && options.stream_sink != nullptr;
    absl::StatusOr<http::HttpRequest> built =
        embed
            ? codec_->BuildEmbedRequest(request, base_url_, options.api_key)
            : codec_->BuildRequest(request, base_url_, options.api_key, stream);
    if (!built.ok()) {
      ProviderOutcome outcome;
      // The codec cannot express the request (a feature its wire format
      // lacks): the caller learns which feature and which provider.
      outcome.error = ProviderError{
          built.status().code() == absl::StatusCode::kFailedPrecondition
              ? ErrorClass::kFailedPrecondition
              : ErrorClass::kInvalidRequest,
          0,
          absl::StrCat(spec_.name, " (", spec_.wire_format,
                       " wire format): ", built.status().message())};
      done(std::move(outcome));
      return std::make_shared<FinishedCall>();
    }
    http::HttpRequest http_request = *std::move(built);
    http_request.connect_timeout = spec_.timeouts.connect;
    http_request.read_timeout = spec_.timeouts.read;
    http_request.deadline = options.deadline;
    if (!stream) http_request.attempt_timeout = options.attempt_timeout;
    http_request.min_bytes_per_second = options.min_bytes_per_second;
    http_request.min_rate_window = options.min_rate_window;

    auto state = std::make_shared<CallState>();
    state->codec = codec_.get();
    state->embed = embed;
    state->done = std::move(done);
    state->api_key = options.api_key;

    http::HttpHandlers handlers;
    if (stream) {
      state->sink = options.stream_sink;
      state->decoder = codec_->NewStreamDecoder();
      CallState* raw = state.get();
      state->parser = std::make_unique<http::SseParser>(
          [raw](const http::SseEvent& event) { raw->HandleEvent(event); });
      handlers.on_headers = [raw](const http::HttpResponse& head) {
        raw->status_code = head.status_code;
      };
      handlers.on_data = [raw](absl::string_view chunk) {
        return raw->HandleData(chunk);
      };
      handlers.on_complete = [state](http::HttpResult result) {
        ProviderOutcome outcome = state->FinishStream(std::move(result));
        ScrubKey(state->api_key, outcome);
        auto done = std::move(state->done);
        done(std::move(outcome));
      };
    } else {
      handlers.on_complete = [state](http::HttpResult result) {
        ProviderOutcome outcome;
        if (result.error != http::TransportError::kNone) {
          outcome.error = TransportFailure(result);
        } else if (!IsSuccess(result.response.status_code)) {
          outcome.error = state->codec->ParseError(result.response);
        } else if (state->embed) {
          outcome = state->codec->ParseEmbedReply(result.response);
        } else {
          outcome = state->codec->ParseReply(result.response);
        }
        ScrubKey(state->api_key, outcome);
        auto done = std::move(state->done);
        done(std::move(outcome));
      };
    }
    return std::make_shared<HttpProviderCall>(
        http_->Send(std::move(http_request), std::move(handlers)));
  }

 private:
  const ProviderSpec spec_;
  const std::string base_url_;
  http::HttpClient* const http_;
  const std::unique_ptr<WireCodec> codec_;
};

}  // namespace

std::unique_ptr<ILLMProvider> MakeHttpProvider(
    ProviderSpec spec, const ProviderContext& context,
    std::unique_ptr<WireCodec> codec) {
  return std::make_unique<HttpProvider>(std::move(spec), context,
                                        std::move(codec));
}

}  // namespace llmgw
