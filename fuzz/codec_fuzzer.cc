// libFuzzer target: one wire format's reply, error and stream parsing
// (built once per format by fuzz/run.sh with -DLLMGW_FUZZ_<FORMAT>).
//
// Input layout: byte 0 picks the mode (reply / error / stream), byte 1 the
// HTTP status for errors; the rest is the body (or the SSE stream, fed
// through the real SSE parser into the codec's stream decoder).
//
// For openai_compatible, replies and streams are also read by the full path
// alone (read_common_shapes = false), and for anthropic streams, and the two
// results must agree: a reader without a DOM (openai_common_shape.h, the
// Anthropic plain text delta) may only take documents it reads exactly as
// the full path does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "http/http_client.h"
#include "http/sse_parser.h"
#include "providers/common/wire_codec.h"

#if defined(LLMGW_FUZZ_OPENAI)
#include "providers/openai_compatible/openai_compatible_codec.h"
static std::unique_ptr<llmgw::WireCodec> MakeCodec() {
  return std::make_unique<llmgw::OpenAiCompatibleCodec>();
}
static std::unique_ptr<llmgw::WireCodec> MakeFullPathCodec() {
  llmgw::OpenAiCompatibleOptions options;
  options.read_common_shapes = false;
  return std::make_unique<llmgw::OpenAiCompatibleCodec>(options);
}
#define LLMGW_FUZZ_DIFFERENTIAL 1
#elif defined(LLMGW_FUZZ_ANTHROPIC)
#include "providers/anthropic/anthropic_codec.h"
#include "providers/anthropic/anthropic_stream.h"
static std::unique_ptr<llmgw::WireCodec> MakeCodec() {
  llmgw::ProviderSpec spec;
  spec.name = "anthropic";
  return std::make_unique<llmgw::AnthropicCodec>(spec);
}
// Streams are also decoded by the full path alone (plain text deltas read
// without a DOM must give the same result).
static std::unique_ptr<llmgw::StreamDecoder> MakeFullPathDecoder() {
  return llmgw::NewAnthropicStreamDecoder(/*read_common_shapes=*/false);
}
#define LLMGW_FUZZ_DIFFERENTIAL_STREAM 1
#elif defined(LLMGW_FUZZ_GEMINI)
#include "providers/gemini/gemini_codec.h"
static std::unique_ptr<llmgw::WireCodec> MakeCodec() {
  return std::make_unique<llmgw::GeminiCodec>();
}
#elif defined(LLMGW_FUZZ_COHERE)
#include "providers/cohere/cohere_codec.h"
static std::unique_ptr<llmgw::WireCodec> MakeCodec() {
  return std::make_unique<llmgw::CohereCodec>();
}
#elif defined(LLMGW_FUZZ_MINIMAX)
#include "providers/minimax/minimax_codec.h"
static std::unique_ptr<llmgw::WireCodec> MakeCodec() {
  return std::make_unique<llmgw::MiniMaxCodec>();
}
#else
#error "define LLMGW_FUZZ_<FORMAT>"
#endif

namespace {

// What a caller can see of a reply or a stream, to compare two readings.
std::string Describe(const llmgw::ProviderReply& r) {
  std::string out = r.text + "|" +
                    std::to_string(static_cast<int>(r.finish_reason)) + "|" +
                    r.model + "|" + r.refusal + "|" + r.block_reason;
  for (int64_t n : {r.usage.input_tokens, r.usage.output_tokens,
                    r.usage.cached_input_tokens, r.usage.reasoning_tokens,
                    static_cast<int64_t>(r.usage.reported),
                    static_cast<int64_t>(r.tool_calls.size())}) {
    out += "|" + std::to_string(n);
  }
  for (const llmgw::ToolCall& call : r.tool_calls) {
    out += "|" + call.id + "/" + call.name + "/" + call.arguments_json;
  }
  return out;
}

std::string Describe(const llmgw::ProviderOutcome& o) {
  return (o.error ? "error " + o.error->message + "|" : std::string()) +
         Describe(o.reply);
}

std::string Describe(const llmgw::StreamUpdate& u) {
  return u.delta + "|" + u.refusal_delta + "|" + std::to_string(u.done) + "|" +
         std::to_string(u.tool_call_deltas.size()) + "|" +
         (u.error ? u.error->message : std::string());
}

// Feeds `body` as an SSE stream into `decoder`; returns every update and
// the summary, described.
std::string DecodeStream(std::unique_ptr<llmgw::StreamDecoder> decoder,
                         const std::string& body) {
  std::string seen;
  llmgw::http::SseParser parser(
      [&decoder, &seen](const llmgw::http::SseEvent& event) {
        seen += Describe(decoder->OnEvent(event)) + "\n";
      },
      1 << 16);
  (void)parser.Feed(body);
  (void)parser.Feed("\n\n");
  return seen + Describe(decoder->Summary());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<llmgw::WireCodec> codec = MakeCodec();
#ifdef LLMGW_FUZZ_DIFFERENTIAL
  static const std::unique_ptr<llmgw::WireCodec> full = MakeFullPathCodec();
#endif
  if (size < 2) return 0;
  const int mode = data[0] % 3;
  static constexpr int kStatuses[] = {400, 401, 403, 404, 408, 413, 422,
                                      429, 500, 502, 503, 504, 529, 200};
  const int status = kStatuses[data[1] % (sizeof(kStatuses) / sizeof(int))];
  const std::string body(reinterpret_cast<const char*>(data) + 2, size - 2);
  llmgw::http::HttpResponse response;
  response.headers = {{"content-type", "application/json"},
                      {"retry-after", "3"}};
  if (mode == 0) {
    response.status_code = 200;
    response.body = body;
    const std::string read = Describe(codec->ParseReply(response));
#ifdef LLMGW_FUZZ_DIFFERENTIAL
    if (read != Describe(full->ParseReply(response))) std::abort();
#endif
  } else if (mode == 1) {
    response.status_code = status;
    response.body = body;
    (void)codec->ParseError(response);
  } else {
    const std::string read = DecodeStream(codec->NewStreamDecoder(), body);
#ifdef LLMGW_FUZZ_DIFFERENTIAL
    if (read != DecodeStream(full->NewStreamDecoder(), body)) std::abort();
#endif
#ifdef LLMGW_FUZZ_DIFFERENTIAL_STREAM
    if (read != DecodeStream(MakeFullPathDecoder(), body)) std::abort();
#endif
  }
  return 0;
}
