#include "service/proto_convert.h"

#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/error_details.h"
#include "service/proto_convert_content.h"
#include "service/strict_parse.h"

namespace llmgw {
namespace {

namespace pb = ::llmgateway::v1;

constexpr int kMaxStop = 4;
// Bounds on the conversation: a status listing 1,000 fallback models or a
// megabyte-sized prompt list has no use and costs memory and upstream time.
constexpr int kMaxMessages = 256;
constexpr size_t kMaxContentBytes = 8 << 20;
constexpr int kMaxFallbackModels = 16;
constexpr int kMaxMetadata = 32;
constexpr size_t kMaxMetadataBytes = 128;
constexpr size_t kMaxModelBytes = 256;
constexpr size_t kMaxRequestIdBytes = 128;

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("req_%016x", rng());
}

// One mapping, from the taxonomy's table (dispatch/outcome.h).
pb::AttemptOutcome ToProtoOutcome(AttemptOutcome outcome) {
  return static_cast<pb::AttemptOutcome>(AttemptOutcomeProtoNumber(outcome));
}

template <typename Repeated>
void FillAttempts(const std::vector<AttemptRecord>& attempts, Repeated* out) {
  for (const AttemptRecord& a : attempts) FillAttempt(a, out->Add());
}

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return InvalidField(field, what);
}

}  // namespace

void FillUsage(const GenerateResult& result, pb::Usage* usage) {
  usage->set_input_tokens(result.reply.usage.input_tokens);
  usage->set_output_tokens(result.reply.usage.output_tokens);
  usage->set_estimated(result.usage_estimated);
  usage->set_cached_input_tokens(result.reply.usage.cached_input_tokens);
  usage->set_cache_write_input_tokens(
      result.reply.usage.cache_write_input_tokens);
  usage->set_reasoning_tokens(result.reply.usage.reasoning_tokens);
}

void FillAttempt(const AttemptRecord& a, pb::Attempt* p) {
  p->set_provider(a.provider);
  p->set_model(a.model);
  p->set_key_fingerprint(a.key_fingerprint);
  p->set_outcome(ToProtoOutcome(a.outcome));
  p->set_latency_ms(absl::ToInt64Milliseconds(a.latency));
  p->set_http_status(a.http_status);
  p->set_detail(a.detail);
}

pb::FinishReason ToProtoFinishReason(FinishReason reason) {
  switch (reason) {
    case FinishReason::kUnspecified:
      return pb::FINISH_REASON_UNSPECIFIED;
    case FinishReason::kStop:
      return pb::FINISH_REASON_STOP;
    case FinishReason::kLength:
      return pb::FINISH_REASON_LENGTH;
    case FinishReason::kContentFilter:
      return pb::FINISH_REASON_CONTENT_FILTER;
    case FinishReason::kToolCalls:
      return pb::FINISH_REASON_TOOL_CALLS;
    case FinishReason::kError:
      return pb::FINISH_REASON_ERROR;
    case FinishReason::kCancelled:
      return pb::FINISH_REASON_CANCELLED;
  }
  return pb::FINISH_REASON_UNSPECIFIED;
}

absl::Time DeadlineOf(const grpc::CallbackServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

namespace {

// The caller's client id: the x-llmgw-client-id header, else
// metadata["client_id"] (the gatekeeper replaces it with the tenant when
// client keys are configured).
absl::Status ConvertClientId(
    const grpc::CallbackServerContext& context,
    const google::protobuf::Map<std::string, std::string>& metadata,
    GenerateInput& input) {
  const auto& headers = context.client_metadata();
  if (auto it = headers.find("x-llmgw-client-id"); it != headers.end()) {
    input.client_id = std::string(it->second.data(), it->second.size());
  } else if (auto m = metadata.find("client_id"); m != metadata.end()) {
    input.client_id = m->second;
  }
  if (input.client_id.size() > kMaxMetadataBytes) {
    return Invalid("metadata[client_id]",
                   absl::StrCat("the client id is longer than ",
                                kMaxMetadataBytes, " bytes"));
  }
  return absl::OkStatus();
}

// messages: roles, non-empty bounded contents, at least one user or
// assistant turn.
absl::Status ConvertMessages(const pb::GenerateRequest& request,
                             GenerateInput& input) {
  if (request.messages_size() == 0) {
    return Invalid("messages",
                   "messages is empty: send at least one user message");
  }
  if (request.messages_size() > kMaxMessages) {
    return Invalid(
        "messages",
        absl::StrCat("messages has ", request.messages_size(),
                     " entries; at most ", kMaxMessages, " are allowed"));
  }
  bool has_turn = false;
  for (int i = 0; i < request.messages_size(); ++i) {
    const pb::ChatMessage& m = request.messages(i);
    Message msg;
    switch (m.role()) {
      case pb::ROLE_SYSTEM:
        msg.role = MessageRole::kSystem;
        break;
      case pb::ROLE_USER:
        msg.role = MessageRole::kUser;
        has_turn = true;
        break;
      case pb::ROLE_ASSISTANT:
        msg.role = MessageRole::kAssistant;
        has_turn = true;
        break;
      case pb::ROLE_TOOL:
        msg.role = MessageRole::kTool;
        has_turn = true;
        break;
      default:
        return Invalid(absl::StrCat("messages[", i, "].role"),
                       absl::StrCat("messages[", i,
                                    "].role must be ROLE_SYSTEM, ROLE_USER, "
                                    "ROLE_ASSISTANT or ROLE_TOOL"));
    }
    if (absl::Status s = ConvertMessageContent(m, i, kMaxContentBytes, msg);
        !s.ok()) {
      return s;
    }
    input.request.messages.push_back(std::move(msg));
  }
  if (!has_turn) {
    return Invalid("messages",
                   "messages has only system messages: add a user message");
  }
  return ResolveToolNames(input.request.messages);
}

// model, max_tokens, temperature, top_p and stop sequences.
absl::Status ConvertSampling(const pb::GenerateRequest& request,
                             GenerateInput& input) {
  if (absl::Status s = ConvertModel(request.model(), input); !s.ok()) {
    return s;
  }
  if (request.max_tokens() < 0) {
    return Invalid(
        "max_tokens",
        absl::StrCat("max_tokens must be >= 0 (0 = provider default), got ",
                     request.max_tokens()));
  }
  input.request.max_tokens = request.max_tokens();
  if (request.has_temperature()) {
    const float t = request.temperature();
    if (!std::isfinite(t) || t < 0 || t > 2) {
      return Invalid(
          "temperature",
          absl::StrCat("temperature must be within [0, 2], got ", t));
    }
    input.request.temperature = t;
  }
  if (request.has_top_p()) {
    const float p = request.top_p();
    if (!std::isfinite(p) || p <= 0 || p > 1) {
      return Invalid("top_p",
                     absl::StrCat("top_p must be within (0, 1], got ", p));
    }
    input.request.top_p = p;
  }
  if (request.stop_size() > kMaxStop) {
    return Invalid(
        "stop", absl::StrCat("stop has ", request.stop_size(),
                             " sequences; at most ", kMaxStop, " are allowed"));
  }
  for (int i = 0; i < request.stop_size(); ++i) {
    if (request.stop(i).empty()) {
      return Invalid(absl::StrCat("stop[", i, "]"),
                     absl::StrCat("stop[", i, "] is empty"));
    }
    input.request.stop.push_back(request.stop(i));
  }
  return absl::OkStatus();
}

// min_confidence, then what Generate and Embed share.
absl::Status ConvertRouting(const pb::GenerateRequest& request,
                            GenerateInput& input) {
  if (!(request.min_confidence() >= 0 && request.min_confidence() <= 1)) {
    return Invalid("min_confidence",
                   absl::StrCat("min_confidence must be within [0, 1], got ",
                                request.min_confidence()));
  }
  input.min_confidence = request.min_confidence();
  return ConvertSharedRouting(request.fallback_models(), request.metadata(),
                              request.request_id(), input);
}

}  // namespace

absl::Status ConvertSharedRouting(
    const google::protobuf::RepeatedPtrField<std::string>& fallback_models,
    const google::protobuf::Map<std::string, std::string>& metadata,
    const std::string& request_id, GenerateInput& input) {
  if (fallback_models.size() > kMaxFallbackModels) {
    return Invalid(
        "fallback_models",
        absl::StrCat("fallback_models has ", fallback_models.size(),
                     " entries; at most ", kMaxFallbackModels, " are allowed"));
  }
  for (int i = 0; i < fallback_models.size(); ++i) {
    if (fallback_models.Get(i).empty() ||
        fallback_models.Get(i).size() > kMaxModelBytes) {
      return Invalid(
          absl::StrCat("fallback_models[", i, "]"),
          absl::StrCat("fallback_models[", i, "] must be a model name of 1 to ",
                       kMaxModelBytes, " bytes"));
    }
    input.fallback_models.push_back(fallback_models.Get(i));
  }
  if (metadata.size() > kMaxMetadata) {
    return Invalid("metadata", absl::StrCat("metadata has ", metadata.size(),
                                            " entries; at most ", kMaxMetadata,
                                            " are allowed"));
  }
  for (const auto& [key, value] : metadata) {
    if (key.empty() || key.size() > kMaxMetadataBytes ||
        value.size() > kMaxMetadataBytes) {
      return Invalid("metadata", absl::StrCat("metadata keys must be 1 to ",
                                              kMaxMetadataBytes,
                                              " bytes and values at most ",
                                              kMaxMetadataBytes, " bytes"));
    }
  }
  if (request_id.size() > kMaxRequestIdBytes) {
    return Invalid("request_id", absl::StrCat("request_id is longer than ",
                                              kMaxRequestIdBytes, " bytes"));
  }
  input.request.request_id = request_id.empty() ? NewRequestId() : request_id;
  return absl::OkStatus();
}

absl::Status ConvertModel(const std::string& model, GenerateInput& input) {
  if (model.size() > kMaxModelBytes) {
    return Invalid("model", absl::StrCat("model is longer than ",
                                         kMaxModelBytes, " bytes"));
  }
  input.request.model = model;
  return absl::OkStatus();
}

absl::Status ConvertCaller(
    const grpc::CallbackServerContext& context,
    const google::protobuf::Map<std::string, std::string>& metadata,
    GenerateInput& input) {
  return ConvertClientId(context, metadata, input);
}

absl::Status ConvertGenerateRequest(const pb::GenerateRequest& request,
                                    GenerateInput& input) {
  if (absl::Status parse = ParseFailureOf(request); !parse.ok()) return parse;
  for (auto convert : {ConvertMessages, ConvertSampling, ConvertRouting,
                       ConvertGenerationOptions}) {
    if (absl::Status s = convert(request, input); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<GenerateInput> ToGenerateInput(
    const grpc::CallbackServerContext& context,
    const pb::GenerateRequest& request, absl::Time arrival, bool stream) {
  GenerateInput input;
  input.arrival = arrival;
  input.deadline = DeadlineOf(context);
  input.stream = stream;
  if (absl::Status s = ConvertClientId(context, request.metadata(), input);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ConvertGenerateRequest(request, input); !s.ok()) {
    return s;
  }
  return input;
}

void FillGenerateResponse(const GenerateResult& result,
                          const std::string& request_id,
                          pb::GenerateResponse* response) {
  response->set_text(result.reply.text);
  response->set_finish_reason(ToProtoFinishReason(result.reply.finish_reason));
  FillUsage(result, response->mutable_usage());
  response->set_cost_nano_usd(result.cost_nano_usd);
  response->set_provider(result.provider);
  response->set_model(result.model);
  response->set_latency_ms(absl::ToInt64Milliseconds(result.latency));
  FillAttempts(result.attempts, response->mutable_attempts());
  response->set_request_id(request_id);
  FillToolCalls(result.reply.tool_calls, response->mutable_tool_calls());
  response->set_refusal(result.reply.refusal);
  response->set_block_reason(result.reply.block_reason);
}

void FillStreamSummary(const GenerateResult& result,
                       const std::string& request_id,
                       pb::StreamSummary* summary) {
  summary->set_finish_reason(
      result.status.ok() ? ToProtoFinishReason(result.reply.finish_reason)
                         : pb::FINISH_REASON_ERROR);
  FillUsage(result, summary->mutable_usage());
  summary->set_cost_nano_usd(result.cost_nano_usd);
  summary->set_provider(result.provider);
  summary->set_model(result.model);
  summary->set_latency_ms(absl::ToInt64Milliseconds(result.latency));
  FillAttempts(result.attempts, summary->mutable_attempts());
  summary->set_request_id(request_id);
  summary->set_time_to_first_token_ms(
      absl::ToInt64Milliseconds(result.time_to_first_token));
  FillToolCalls(result.reply.tool_calls, summary->mutable_tool_calls());
  summary->set_refusal(result.reply.refusal);
  summary->set_block_reason(result.reply.block_reason);
}

}  // namespace llmgw
