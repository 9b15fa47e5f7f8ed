#ifndef LLMGW_PROVIDERS_GEMINI_GEMINI_CODEC_H_
#define LLMGW_PROVIDERS_GEMINI_GEMINI_CODEC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "http/sse_parser.h"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"

namespace llmgw {

// Google's Gemini API (Google AI Studio keys), REST v1beta:
//
//   POST {base}/models/{model}:generateContent
//   POST {base}/models/{model}:streamGenerateContent?alt=sse
//   x-goog-api-key: <key>            (never ?key=: URLs end up in logs)
//
// with base "https://generativelanguage.googleapis.com/v1beta". A model that
// already names its collection ("models/gemini-2.0-flash",
// "tunedModels/my-model") is used as the path as is.
//
// Request body (contents, systemInstruction, tools, toolConfig,
// generationConfig): see gemini_request.h and gemini_schema.h. Embeddings
// (POST {base}/models/{model}:batchEmbedContents): see gemini_embed.h.
//
// Replies, finish reasons, usage and errors: see gemini_response.h and
// gemini_errors.h. Function calls become ToolCalls with ids "call_<index>"
// (Gemini gives none), and finishReason STOP after them kToolCalls. A blocked
// prompt (no candidates, promptFeedback.blockReason) is a successful reply
// with empty text, kContentFilter and ProviderReply::block_reason; a filtered
// candidate (SAFETY, RECITATION, ...) also sets block_reason. A longer
// description for logs comes from GeminiFinishDetail() /
// GeminiStreamDecoder::finish_detail().
class GeminiCodec : public WireCodec {
 public:
  // InvalidArgument when the model is empty or not a plain resource name, or
  // when there is no user/assistant message (Gemini requires contents).
  absl::StatusOr<http::HttpRequest> BuildRequest(const ProviderRequest& request,
                                                 absl::string_view base_url,
                                                 absl::string_view api_key,
                                                 bool stream) const override;

  // Text, finish reason, usage and modelVersion of a generateContent reply.
  // An {"error": ...} body is an error outcome; an unparseable body or one
  // with neither candidates nor a prompt block is kTransient.
  ProviderOutcome ParseReply(const http::HttpResponse& response) const override;

  ProviderError ParseError(const http::HttpResponse& response) const override;

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override;

  // batchEmbedContents (gemini_embed.h).
  absl::StatusOr<http::HttpRequest> BuildEmbedRequest(
      const ProviderRequest& request, absl::string_view base_url,
      absl::string_view api_key) const override;
  ProviderOutcome ParseEmbedReply(
      const http::HttpResponse& response) const override;
};

// Decodes streamGenerateContent?alt=sse. Each event's data is one
// GenerateContentResponse; there is no terminal marker: the chunk that carries
// a finishReason (with the final usageMetadata), or a promptFeedback block,
// ends the stream (done). A functionCall part arrives whole in one chunk: it
// becomes one ToolCallDelta with index, id ("call_<index>"), name and the
// full arguments. More than 128 calls, or arguments over 1 MiB, fail the
// stream (kTransient). An {"error": ...} event becomes an error classified
// like an HTTP error; a non-JSON or non-object event is kTransient.
class GeminiStreamDecoder : public StreamDecoder {
 public:
  StreamUpdate OnEvent(const http::SseEvent& event) override;
  const ProviderReply& Summary() const override { return summary_; }

  // Why generation stopped other than normally (see
  // gemini::ResponseChunk::finish_detail), "" otherwise.
  const std::string& finish_detail() const { return finish_detail_; }

 private:
  ProviderReply summary_;
  std::string finish_detail_;
};

// For a generateContent reply body: why generation stopped other than
// normally, e.g. "prompt blocked: PROHIBITED_CONTENT" or "SAFETY
// (HARM_CATEGORY_HARASSMENT: HIGH)"; "" when it finished normally or the body
// cannot be read. ProviderReply has no field for this, so the transport or a
// log line can call it on the body it kept.
std::string GeminiFinishDetail(absl::string_view reply_body);

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_GEMINI_GEMINI_CODEC_H_
