#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMMON_SHAPE_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMMON_SHAPE_H_

// The common shapes of the OpenAI chat dialect, read with simdjson instead
// of an nlohmann::json DOM. A plain chat.completion and a plain
// chat.completion.chunk are what the gateway reads on almost every call, and
// the DOM parse cost ~100 instructions per byte: ~40% of all instructions of
// a streamed call (docs/benchmarks.md, "Issue 14, fifth pass").
//
// Only documents of exactly the shape below are read here; anything else
// (tool calls, refusals, errors, logprobs, reasoning text, usage fields other
// than the ones listed, a duplicate key, a float count, a body over 64 KiB,
// text that is not JSON) returns nullopt, and the caller parses it the full
// way (openai_dialect.h), so the result is the same either way. The
// differential test (openai_common_shape_test.cc) holds this.
//
//   {"id": s, "object": s (not "error"), "created": n, "model": s,
//    "system_fingerprint": s|null, "service_tier": s|null, "obfuscation": s,
//    "choices": [ at most one choice ],       (exactly one for a reply)
//    "usage": null | {"prompt_tokens": i, "completion_tokens": i,
//                     "total_tokens": i,
//                     "prompt_tokens_details": null | {name: i|null, ...},
//                     "completion_tokens_details": null | {name: i|null,...}}}
//   choice: {"index": i, "finish_reason": s|null, "logprobs": null,
//            "stop_reason": null,
//            "message" (reply) | "delta" (chunk):
//              {"role": s, "content": s|null, "refusal": null,
//               "reasoning_content": null, "audio": null,
//               "function_call": null,
//               "tool_calls": [] and "annotations": [] (reply only)}}
// All members optional; s = string, n = number, i = integer >= 0.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "registry/provider.h"

namespace llmgw::openai_compat {

// What the common shapes carry.
struct CommonChatFields {
  std::string model;         // "" when absent
  bool has_choice = false;   // choices held one choice
  bool has_message = false;  // the choice held "message" / "delta"
  std::string text;          // its content ("" when null or absent)
  FinishReason finish_reason = FinishReason::kUnspecified;
  std::optional<TokenUsage> usage;  // as ParseUsage reads it
};

// Replies and chunks read so far in this process, by the reader that read
// them: the common-shape reader here, or the full nlohmann path after this
// one declined. Counted by OpenAiCompatibleCodec::ParseReply and
// OpenAiStreamDecoder (keep-alives and "[DONE]" are not documents), and
// exported as llmgw_upstream_json_documents_total{reader="common"|"full"}:
// an upstream whose replies mostly take the full path costs more CPU per
// call (docs/operations.md).
struct CommonShapeReadCounts {
  int64_t common = 0;
  int64_t full = 0;
};
CommonShapeReadCounts CommonShapeReads();
// Records one document read by the common reader (`common`) or not.
void CountCommonShapeRead(bool common);

// Documents longer than this always take the full path.
inline constexpr size_t kMaxCommonShapeBytes = 64 << 10;

// A chat.completion body of the shape above with exactly one choice holding
// a "message"; nullopt otherwise.
std::optional<CommonChatFields> ReadCommonChatReply(absl::string_view body);

// A chat.completion.chunk of the shape above (zero or one choice, "delta");
// nullopt otherwise.
std::optional<CommonChatFields> ReadCommonChatChunk(absl::string_view data);

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_COMMON_SHAPE_H_
