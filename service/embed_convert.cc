#include "service/embed_convert.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/error_details.h"
#include "service/proto_convert.h"
#include "service/strict_parse.h"

namespace llmgw {
namespace {

namespace pb = ::llmgateway::v1;

absl::Status ConvertInputs(const pb::EmbedRequest& request,
                           EmbedParams& embed) {
  if (request.inputs_size() == 0) {
    return InvalidField("inputs", "inputs is empty: send 1 to 2048 texts");
  }
  if (request.inputs_size() > kMaxEmbedInputs) {
    return InvalidField(
        "inputs",
        absl::StrCat("inputs has ", request.inputs_size(), " entries; at most ",
                     kMaxEmbedInputs, " are allowed (split the batch)"));
  }
  size_t total = 0;
  for (int i = 0; i < request.inputs_size(); ++i) {
    const std::string& text = request.inputs(i);
    const std::string field = absl::StrCat("inputs[", i, "]");
    if (text.empty()) {
      return InvalidField(field, absl::StrCat(field, " is empty"));
    }
    if (text.size() > kMaxEmbedInputBytes) {
      return InvalidField(
          field, absl::StrCat(field, " has ", text.size(), " bytes; at most ",
                              kMaxEmbedInputBytes, " are allowed"));
    }
    total += text.size();
    if (total > kMaxEmbedTotalBytes) {
      return InvalidField(
          "inputs", absl::StrCat("inputs hold more than ", kMaxEmbedTotalBytes,
                                 " bytes in all (split the batch)"));
    }
  }
  embed.inputs.assign(request.inputs().begin(), request.inputs().end());
  if (request.dimensions() < 0 || request.dimensions() > kMaxEmbedDimensions) {
    return InvalidField(
        "dimensions",
        absl::StrCat("dimensions must be within [0, ", kMaxEmbedDimensions,
                     "] (0 = the model's default), got ",
                     request.dimensions()));
  }
  embed.dimensions = request.dimensions();
  switch (request.input_type()) {
    case pb::EMBED_INPUT_TYPE_UNSPECIFIED:
      embed.input_type = EmbedInputType::kUnspecified;
      break;
    case pb::EMBED_INPUT_TYPE_SEARCH_DOCUMENT:
      embed.input_type = EmbedInputType::kSearchDocument;
      break;
    case pb::EMBED_INPUT_TYPE_SEARCH_QUERY:
      embed.input_type = EmbedInputType::kSearchQuery;
      break;
    case pb::EMBED_INPUT_TYPE_CLASSIFICATION:
      embed.input_type = EmbedInputType::kClassification;
      break;
    case pb::EMBED_INPUT_TYPE_CLUSTERING:
      embed.input_type = EmbedInputType::kClustering;
      break;
    default:
      return InvalidField("input_type",
                          absl::StrCat("input_type ", request.input_type(),
                                       " is not a known EmbedInputType"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GenerateInput> ToEmbedInput(
    const grpc::CallbackServerContext& context, const pb::EmbedRequest& request,
    absl::Time arrival) {
  if (absl::Status parse = ParseFailureOf(request); !parse.ok()) return parse;
  GenerateInput input;
  input.arrival = arrival;
  input.deadline = DeadlineOf(context);
  input.stream = false;
  input.request.operation = Operation::kEmbed;
  if (absl::Status s = ConvertCaller(context, request.metadata(), input);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ConvertInputs(request, input.request.embed); !s.ok()) {
    return s;
  }
  if (absl::Status s = ConvertModel(request.model(), input); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ConvertSharedRouting(request.fallback_models(), request.metadata(),
                               request.request_id(), input);
      !s.ok()) {
    return s;
  }
  return input;
}

void FillEmbedResponse(const GenerateResult& result,
                       const std::string& request_id,
                       pb::EmbedResponse* response) {
  const auto& vectors = result.reply.embeddings;
  response->mutable_embeddings()->Reserve(static_cast<int>(vectors.size()));
  for (size_t i = 0; i < vectors.size(); ++i) {
    pb::Embedding* e = response->add_embeddings();
    e->set_index(static_cast<int32_t>(i));
    e->mutable_values()->Add(vectors[i].begin(), vectors[i].end());
  }
  FillUsage(result, response->mutable_usage());
  response->set_cost_nano_usd(result.cost_nano_usd);
  response->set_provider(result.provider);
  response->set_model(result.model);
  response->set_latency_ms(absl::ToInt64Milliseconds(result.latency));
  for (const AttemptRecord& a : result.attempts) {
    FillAttempt(a, response->add_attempts());
  }
  response->set_request_id(request_id);
}

}  // namespace llmgw
