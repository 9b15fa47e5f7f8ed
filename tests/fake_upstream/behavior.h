// What the fake upstream does with one generation request (a chat call).
//
// Tests script the fake with a FIFO queue of Behaviors (see FakeUpstream);
// each generation request consumes the front one, or the default behaviour
// when the queue is empty. Behaviors are plain values; they also travel as
// JSON over the control endpoint `POST /__fake/behaviors`.
//
// JSON schema of one Behavior (every field but "kind" is optional; unknown
// fields are rejected so typos fail loudly; durations are milliseconds,
// integer or fractional):
//
//   {
//     "kind": "ok" | "http_error" | "hang" | "trickle" | "malformed" |
//             "cut_stream" | "stall_stream" | "reset",
//     "text": "reply text replacing the default echo",
//     "usage": {"prompt_tokens": 3, "completion_tokens": 5,
//               "total_tokens": 8,             // total defaults to the sum
//               "cached_tokens": 2,            // of prompt_tokens, from cache
//               "cache_write_tokens": 1,       // of prompt_tokens, written
//               "reasoning_tokens": 4},        // of completion_tokens
//     "finish_reason": "content_filter",       // sent verbatim
//     "tool_calls": [{"id": "call_1", "name": "get_weather",
//                     "arguments": "{\"city\":\"Paris\"}"}],
//                                // ok: the model calls these tools (each
//                                // format renders them in its own shape,
//                                // streamed as argument deltas); "id" is
//                                // optional ("call_<seq>_<n>" by default)
//     "refusal": "I can't help with that",   // ok: the model refuses
//     "block_reason": "SAFETY",  // ok: the provider blocks the answer
//                                // (Gemini promptFeedback.blockReason...)
//     "delay_ms": 250,           // wait before anything is sent (all kinds)
//     "status": 429,             // http_error
//     "body": "raw body",        // http_error: replaces the format's default
//                                // error body; malformed: the broken body or
//                                // event to send
//     "headers": {"Retry-After": "2"},  // added to (and replacing, by name)
//                                       // the response headers
//     "duration_ms": 1000,       // hang, trickle, stall_stream
//     "after_deltas": 2,         // cut_stream, stall_stream
//     "delta_interval_ms": 10,   // pause between streamed deltas
//     "keep_alive_interval_ms": 20,  // trickle: pause between keep-alives
//     "only_for_key": "sk-a",    // API key (or full Authorization value)
//                                // this entry applies to
//     "times": 3                 // queue only: serve this many requests
//   }
//
// Kinds:
//   ok            Normal reply (default). `text`, `usage`, `finish_reason`
//                 override the deterministic answer.
//   http_error    `status` with the wire format's realistic error body for
//                 that status (or `body`), plus `headers`.
//   hang          Accept the request, send nothing for `duration`, then
//                 close the connection. Ends early (and counts a
//                 disconnect) if the client goes away; never delays Stop().
//   trickle       200 headers at once, then keep-alive bytes every
//                 `keep_alive_interval` (SSE comments ": keep-alive\n\n" for
//                 streams, single spaces for JSON bodies) for `duration`,
//                 then the normal body. A failed write or a client close
//                 counts a disconnect.
//   malformed     200 whose body is not valid JSON (non-stream), or a stream
//                 whose content events are replaced by one unparseable event.
//   cut_stream    Stream `after_deltas` content deltas, then close the
//                 connection without the terminal events (and without the
//                 chunked-encoding terminator). Non-stream: half the body.
//   stall_stream  Stream `after_deltas` deltas, go silent for `duration`,
//                 then finish the stream normally. Non-stream: headers,
//                 silence, body.
//   reset         Close the connection with a TCP RST before sending a byte.

#ifndef LLMGW_TESTS_FAKE_UPSTREAM_BEHAVIOR_H_
#define LLMGW_TESTS_FAKE_UPSTREAM_BEHAVIOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace llmgw::fake_upstream {

// Header name/value pairs, in order.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Token accounting reported by a reply.
struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  // Unset: prompt_tokens + completion_tokens.
  std::optional<int64_t> total_tokens;
  // Subsets of prompt_tokens / completion_tokens, in the gateway's
  // normalised sense; each format reports them in its own shape (e.g.
  // Anthropic's input_tokens then excludes both cache counts).
  int64_t cached_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t reasoning_tokens = 0;

  int64_t total() const {
    return total_tokens.value_or(prompt_tokens + completion_tokens);
  }
  bool operator==(const Usage& o) const {
    return prompt_tokens == o.prompt_tokens &&
           completion_tokens == o.completion_tokens && total() == o.total() &&
           cached_tokens == o.cached_tokens &&
           cache_write_tokens == o.cache_write_tokens &&
           reasoning_tokens == o.reasoning_tokens;
  }
};

// A tool call the fake model makes.
struct FakeToolCall {
  // "" = "call_<seq>_<index>".
  std::string id;
  std::string name;
  // A JSON object as text.
  std::string arguments_json = "{}";
};

struct Behavior {
  enum class Kind {
    kOk,
    kHttpError,
    kHang,
    kTrickle,
    kMalformed,
    kCutStream,
    kStallStream,
    kReset,
  };

  Kind kind = Kind::kOk;

  // kOk (and the body eventually sent by kTrickle / kStallStream /
  // kCutStream): overrides of the deterministic answer.
  std::optional<std::string> text;
  std::optional<Usage> usage;
  std::optional<std::string> finish_reason;
  // kOk: tool calls, a refusal, a provider block (see the schema above).
  std::vector<FakeToolCall> tool_calls;
  std::optional<std::string> refusal;
  std::optional<std::string> block_reason;

  // Wait before doing anything (every kind).
  absl::Duration delay = absl::ZeroDuration();

  // kHttpError.
  int status = 500;
  // kHttpError: response body (default: the format's error body).
  // kMalformed: the broken body / stream event.
  std::optional<std::string> body;
  // Extra response headers; a name already set by the format is replaced.
  HeaderList headers;

  // kHang, kTrickle, kStallStream.
  absl::Duration duration = absl::Seconds(1);
  // kCutStream, kStallStream: content deltas sent before the cut / stall.
  int after_deltas = 1;
  // Pause between streamed content deltas (0 = back to back).
  absl::Duration delta_interval = absl::ZeroDuration();
  // kTrickle: pause between keep-alive writes.
  absl::Duration keep_alive_interval = absl::Milliseconds(20);

  // Applies only to requests whose API key (or whole Authorization header)
  // equals this. A queued entry that does not match stays at the front of
  // the queue and the request gets the default behaviour; a default that
  // does not match means a plain kOk.
  std::optional<std::string> only_for_key;

  // Queue only: number of requests this entry serves before it is popped.
  int times = 1;

  // Factories.
  static Behavior Ok();
  static Behavior Text(std::string text);
  static Behavior HttpError(int status,
                            std::optional<std::string> body = std::nullopt,
                            HeaderList headers = {});
  static Behavior Hang(absl::Duration duration);
  static Behavior Trickle(absl::Duration duration);
  static Behavior Malformed();
  static Behavior CutStream(int after_deltas);
  static Behavior StallStream(int after_deltas, absl::Duration duration);
  static Behavior Reset();

  // Copies with one field changed, for chaining:
  //   Behavior::HttpError(401).ForKey("sk-a").Times(2)
  Behavior ForKey(std::string key) const;
  Behavior Times(int n) const;
  Behavior WithDelay(absl::Duration d) const;
  Behavior WithUsage(Usage u) const;
  Behavior WithFinishReason(std::string reason) const;
  Behavior WithHeader(std::string name, std::string value) const;
  Behavior WithDeltaInterval(absl::Duration d) const;
  Behavior WithToolCalls(std::vector<FakeToolCall> calls) const;
  Behavior WithRefusal(std::string refusal) const;
  Behavior WithBlockReason(std::string reason) const;

  // True if this behaviour applies to a request carrying `api_key` and the
  // raw `authorization` header value.
  bool MatchesKey(absl::string_view api_key,
                  absl::string_view authorization) const;

  // JSON per the schema above. FromJson rejects unknown fields, wrong types
  // and out-of-range values.
  static absl::StatusOr<Behavior> FromJson(const nlohmann::json& j);
  // Accepts one object or an array of objects.
  static absl::StatusOr<std::vector<Behavior>> ListFromJson(
      const nlohmann::json& j);
  nlohmann::json ToJson() const;
};

// "ok", "http_error", ... (the JSON names).
absl::string_view KindName(Behavior::Kind kind);
std::optional<Behavior::Kind> KindFromName(absl::string_view name);

}  // namespace llmgw::fake_upstream

#endif  // LLMGW_TESTS_FAKE_UPSTREAM_BEHAVIOR_H_
