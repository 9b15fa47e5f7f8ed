#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_STREAM_DECODER_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_STREAM_DECODER_H_

#include "http/sse_parser.h"
#include "providers/common/wire_codec.h"
#include "providers/openai_compatible/openai_common_shape.h"
#include "providers/openai_compatible/openai_tools.h"
#include "registry/provider.h"

namespace llmgw::openai_compat {

// Decodes a streamed Chat Completions response: data-only events, each a
// chat.completion.chunk, terminated by "data: [DONE]".
//
//   - choices[0].delta.content       -> StreamUpdate::delta
//   - choices[0].delta.tool_calls    -> StreamUpdate::tool_call_deltas and
//       Summary().tool_calls (ToolCallAssembler: at most 128 calls, 1 MiB of
//       arguments each; empty arguments become "{}" at [DONE])
//   - choices[0].delta.refusal       -> StreamUpdate::refusal_delta and
//                                       Summary().refusal
//   - choices[0].finish_reason       -> Summary().finish_reason (OpenAI sends
//                                       it on the last content chunk, with an
//                                       empty delta)
//   - "usage" (non-null)             -> Summary().usage, reported = true. With
//       stream_options.include_usage OpenAI sends it in an extra chunk whose
//       "choices" is []; vLLM and Together put it on the final chunk; Groq
//       puts it in x_groq.usage. Servers that send none leave reported false.
//   - "model"                        -> Summary().model (first one seen)
//   - "[DONE]"                       -> done
//   - an "error" member (OpenAI, OpenRouter mid-stream errors, whose chunk
//     also carries finish_reason "error"), or an event named "error"
//                                    -> StreamUpdate::error, classified by
//                                       ClassifyOpenAiError with status 0
//   - data that is not a JSON object -> kTransient error
//   - empty data                     -> ignored (keep-alive)
// Chunks of the common shape (openai_common_shape.h) are read without a DOM,
// with the same result.
class OpenAiStreamDecoder : public StreamDecoder {
 public:
  // `read_common_shapes` false: every chunk takes the full path (the
  // differential test compares the two).
  explicit OpenAiStreamDecoder(bool read_common_shapes = true)
      : read_common_shapes_(read_common_shapes) {}
  StreamUpdate OnEvent(const http::SseEvent& event) override;
  const ProviderReply& Summary() const override { return summary_; }

 private:
  void ApplyCommonChunk(CommonChatFields chunk, StreamUpdate& update);

  const bool read_common_shapes_;
  ProviderReply summary_;
  ToolCallAssembler tools_;
};

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_STREAM_DECODER_H_
