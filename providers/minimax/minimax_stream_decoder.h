#ifndef LLMGW_PROVIDERS_MINIMAX_MINIMAX_STREAM_DECODER_H_
#define LLMGW_PROVIDERS_MINIMAX_MINIMAX_STREAM_DECODER_H_

#include <string>

#include "http/sse_parser.h"
#include "providers/common/wire_codec.h"
#include "providers/openai_compatible/openai_tools.h"
#include "registry/provider.h"

namespace llmgw::minimax {

// Decodes a streamed ChatCompletion v2 response. MiniMax sends data-only
// events: chat.completion.chunk objects whose choices[0].delta.content is the
// next piece of text (intermediate chunks carry a placeholder usage
// {"total_tokens": 0, ...}), the last content chunk with a finish_reason, and
// then one final chat.completion object repeating the whole message in
// choices[0].message with the real usage and base_resp.
//
//   - delta.content                      -> StreamUpdate::delta
//   - the final object (object "chat.completion", or a choice with "message")
//                                        -> done; its usage and
//       finish_reason are recorded; its message text is not sent again
//       (only a part the deltas did not already deliver is)
//   - "[DONE]"                           -> done (should MiniMax send it)
//   - usage with prompt/completion counts on any event -> Summary().usage
//   - output_sensitive: true             -> finish reason kContentFilter
//   - base_resp.status_code != 0         -> StreamUpdate::error, classified by
//                                           ClassifyMiniMaxStatus
//   - an OpenAI-style "error" object     -> StreamUpdate::error (kTransient)
//   - data that is not a JSON object     -> kTransient error
class MiniMaxStreamDecoder : public StreamDecoder {
 public:
  StreamUpdate OnEvent(const http::SseEvent& event) override;
  const ProviderReply& Summary() const override { return summary_; }

 private:
  ProviderReply summary_;
  openai_compat::ToolCallAssembler tools_;
  // The text delivered so far, to avoid repeating the final message.
  std::string delivered_;
};

}  // namespace llmgw::minimax

#endif  // LLMGW_PROVIDERS_MINIMAX_MINIMAX_STREAM_DECODER_H_
