#ifndef LLMGW_PROVIDERS_GEMINI_GEMINI_RESPONSE_H_
#define LLMGW_PROVIDERS_GEMINI_GEMINI_RESPONSE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "registry/provider.h"

// Reading a GenerateContentResponse: the whole body of generateContent, and
// each Server-Sent Event of streamGenerateContent?alt=sse (same shape):
//
//   {"candidates": [{"content": {"role": "model", "parts": [{"text": "..."}]},
//                    "finishReason": "STOP", "finishMessage": "...",
//                    "safetyRatings": [...]}],
//    "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [...]},
//    "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 8,
//                      "thoughtsTokenCount": 20, "totalTokenCount": 32},
//    "modelVersion": "gemini-2.5-flash", "responseId": "..."}
namespace llmgw::gemini {

// Bounds on what a reply or stream may accumulate: beyond them the reply is
// a kTransient "malformed" error rather than unbounded memory.
inline constexpr size_t kMaxToolCalls = 128;
inline constexpr size_t kMaxToolArgumentBytes = 1 << 20;

// What one GenerateContentResponse carries.
struct ResponseChunk {
  // Text of candidates[0].content.parts[], concatenated, without thought
  // summaries (parts with "thought": true).
  std::string text;
  // The functionCall parts of candidates[0], in order: name and args (as
  // JSON object text, "{}" without args). Gemini gives no ids: the caller
  // numbers the calls of a turn ("call_<index>", GeminiToolCallId).
  std::vector<ToolCall> tool_calls;
  // The block or filter reason: promptFeedback.blockReason of a blocked
  // prompt, or the finishReason when it maps to kContentFilter ("SAFETY",
  // "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"...); "" else.
  std::string block_reason;
  // Set when candidates[0] has a finishReason, or when the prompt was blocked
  // (kContentFilter).
  std::optional<FinishReason> finish_reason;
  // Why generation stopped other than normally, for a person: e.g.
  // "prompt blocked: SAFETY (HARM_CATEGORY_HARASSMENT: HIGH)" or
  // "RECITATION: <finishMessage>". Empty for STOP / MAX_TOKENS without a
  // finishMessage and for chunks that do not finish.
  std::string finish_detail;
  // Present when usageMetadata reported token counts.
  std::optional<TokenUsage> usage;
  // modelVersion, or "".
  std::string model;
  // True when the response has at least one candidate.
  bool has_candidate = false;
  // True when promptFeedback.blockReason is set (then there are no
  // candidates).
  bool prompt_blocked = false;
};

// Maps a Candidate.FinishReason name:
//   STOP                                               -> kStop
//   MAX_TOKENS                                         -> kLength
//   SAFETY, RECITATION, LANGUAGE, BLOCKLIST, PROHIBITED_CONTENT, SPII,
//   IMAGE_SAFETY, IMAGE_PROHIBITED_CONTENT, IMAGE_RECITATION -> kContentFilter
//   MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS,
//   MISSING_THOUGHT_SIGNATURE, MALFORMED_RESPONSE, NO_IMAGE   -> kError
//   OTHER, IMAGE_OTHER ("unknown reason"), FINISH_REASON_UNSPECIFIED and
//   names not known here                               -> kUnspecified
FinishReason MapFinishReason(absl::string_view reason);

// Reads usageMetadata: input = promptTokenCount (which includes cached
// content tokens) + toolUsePromptTokenCount; output = candidatesTokenCount +
// thoughtsTokenCount (thinking tokens are billed as output);
// cached_input_tokens = cachedContentTokenCount; reasoning_tokens =
// thoughtsTokenCount. nullopt when none of the totals' counts is present.
std::optional<TokenUsage> ParseUsageMetadata(const nlohmann::json& usage);

// Reads one GenerateContentResponse object (not an {"error": ...} envelope;
// callers check for that first). Tolerates missing members; never throws.
ResponseChunk ParseResponseChunk(const nlohmann::json& response);

// The id the gateway gives the index-th function call of a turn (Gemini's
// FunctionCall has no id in generateContent replies): "call_<index>", the
// same in a reply and in a stream.
std::string GeminiToolCallId(size_t index);

}  // namespace llmgw::gemini

#endif  // LLMGW_PROVIDERS_GEMINI_GEMINI_RESPONSE_H_
