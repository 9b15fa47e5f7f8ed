// libFuzzer target: one wire format's reply, error and stream parsing
// (built once per format by fuzz/run.sh with -DLLMGW_FUZZ_<FORMAT>).
//
// Input layout: byte 0 picks the mode (reply / error / stream), byte 1 the
// HTTP status for errors; the rest is the body (or the SSE stream, fed
// through the real SSE parser into the codec's stream decoder).
#include <cstddef>
#include <cstdint>
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
#elif defined(LLMGW_FUZZ_ANTHROPIC)
#include "providers/anthropic/anthropic_codec.h"
static std::unique_ptr<llmgw::WireCodec> MakeCodec() {
  llmgw::ProviderSpec spec;
  spec.name = "anthropic";
  return std::make_unique<llmgw::AnthropicCodec>(spec);
}
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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<llmgw::WireCodec> codec = MakeCodec();
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
    (void)codec->ParseReply(response);
  } else if (mode == 1) {
    response.status_code = status;
    response.body = body;
    (void)codec->ParseError(response);
  } else {
    std::unique_ptr<llmgw::StreamDecoder> decoder = codec->NewStreamDecoder();
    llmgw::http::SseParser parser(
        [&decoder](const llmgw::http::SseEvent& event) {
          (void)decoder->OnEvent(event);
        },
        1 << 16);
    (void)parser.Feed(body);
    (void)parser.Feed("\n\n");
    (void)decoder->Summary();
  }
  return 0;
}
