#include "providers/minimax/minimax_codec.h"

#include <algorithm>
#include <string>

#include "providers/common/json_fields.h"
#include "providers/minimax/minimax_errors.h"
#include "providers/minimax/minimax_stream_decoder.h"
#include "providers/openai_compatible/openai_dialect.h"
#include "providers/openai_compatible/openai_response.h"

namespace llmgw {
namespace {

using nlohmann::json;

// Clamped to (0, 1] and sent as the shortest decimal that reads back as the
// float (0.7f -> 0.7).
double SamplingValue(float value) {
  return WireNumber(std::clamp(value, kMiniMaxMinSampling, 1.0f));
}

}  // namespace

namespace minimax {

FinishReason ReplyFinishReason(const json& body, const json& choice) {
  auto sensitive = body.find("output_sensitive");
  if (sensitive != body.end() && sensitive->is_boolean() &&
      sensitive->get<bool>()) {
    return FinishReason::kContentFilter;
  }
  return openai_compat::ChoiceFinishReason(choice);
}

}  // namespace minimax

// The OpenAI dialect with MiniMax's differences: its endpoint,
// max_completion_tokens, sampling clamped to (0, 1], no stream_options, and
// base_resp errors inside 2xx bodies.
absl::StatusOr<http::HttpRequest> MiniMaxCodec::BuildRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key, bool stream) const {
  openai_compat::ChatDialect dialect;
  dialect.api_name = "MiniMax";
  dialect.path = "/text/chatcompletion_v2";
  dialect.max_tokens_field = "max_completion_tokens";
  dialect.sampling = SamplingValue;
  // chatcompletion_v2 documents tools, tool_choice (auto / none / named) and
  // response_format, but no seed, penalties, parallel_tool_calls or user.
  dialect.support.seed = false;
  dialect.support.penalties = false;
  dialect.support.parallel_tool_calls = false;
  dialect.support.user = false;
  dialect.support.required_tool_choice = false;
  return openai_compat::BuildChatRequest(dialect, request, base_url, api_key,
                                         stream);
}

ProviderOutcome MiniMaxCodec::ParseReply(
    const http::HttpResponse& response) const {
  return openai_compat::ParseChatReply(
      "MiniMax chat completion", response,
      [](const json& body,
         const http::HttpResponse& r) -> std::optional<ProviderError> {
        std::optional<minimax::BaseResp> failed = minimax::FailedBaseResp(body);
        if (!failed) return std::nullopt;
        return minimax::ErrorFromBaseResp(*failed, r);
      },
      minimax::ReplyFinishReason);
}

ProviderError MiniMaxCodec::ParseError(
    const http::HttpResponse& response) const {
  return minimax::ParseMiniMaxHttpError(response);
}

std::unique_ptr<StreamDecoder> MiniMaxCodec::NewStreamDecoder() const {
  return std::make_unique<minimax::MiniMaxStreamDecoder>();
}

}  // namespace llmgw
