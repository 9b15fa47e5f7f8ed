#include "providers/gemini/gemini_embed.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "providers/common/codec_util.h"
#include "providers/common/json_fields.h"
#include "providers/gemini/gemini_errors.h"

namespace llmgw::gemini {
namespace {

using nlohmann::json;

const char* TaskType(EmbedInputType type) {
  switch (type) {
    case EmbedInputType::kSearchDocument:
      return "RETRIEVAL_DOCUMENT";
    case EmbedInputType::kSearchQuery:
      return "RETRIEVAL_QUERY";
    case EmbedInputType::kClassification:
      return "CLASSIFICATION";
    case EmbedInputType::kClustering:
      return "CLUSTERING";
    case EmbedInputType::kUnspecified:
      break;
  }
  return nullptr;
}

ProviderOutcome Malformed(const http::HttpResponse& response) {
  ProviderOutcome outcome;
  outcome.error = MalformedError("gemini", "embeddings response",
                                 response.status_code, response.body);
  return outcome;
}

}  // namespace

absl::StatusOr<http::HttpRequest> BuildBatchEmbedRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view model_path, absl::string_view api_key) {
  const EmbedParams& params = request.embed;
  if (params.inputs.empty()) {
    return absl::InvalidArgumentError("gemini: no input to embed");
  }
  if (params.inputs.size() > kMaxEmbedBatch) {
    return absl::InvalidArgumentError(absl::StrCat(
        params.inputs.size(),
        " inputs in one embedding request are not supported by the Gemini "
        "API (batchEmbedContents takes at most ",
        kMaxEmbedBatch, "); send them in smaller batches"));
  }
  json requests = json::array();
  for (const std::string& input : params.inputs) {
    json entry = {{"model", std::string(model_path)},
                  {"content", {{"parts", json::array({{{"text", input}}})}}}};
    if (const char* task = TaskType(params.input_type)) {
      entry["taskType"] = task;
    }
    if (params.dimensions > 0) {
      entry["outputDimensionality"] = params.dimensions;
    }
    requests.push_back(std::move(entry));
  }
  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url =
      absl::StrCat(base_url, "/", model_path, ":batchEmbedContents");
  http_request.headers.emplace_back("content-type", "application/json");
  if (!api_key.empty()) {
    http_request.headers.emplace_back("x-goog-api-key", std::string(api_key));
  }
  http_request.body = DumpJson(json{{"requests", std::move(requests)}});
  return http_request;
}

ProviderOutcome ParseBatchEmbedReply(const http::HttpResponse& response) {
  json body = ParseJsonOrDiscarded(response.body);
  if (!body.is_object()) return Malformed(response);
  if (const json* error = Field(body, "error"); error && error->is_object()) {
    ProviderOutcome outcome;
    outcome.error = ErrorFromGoogleStatus(*error, response.status_code);
    return outcome;
  }
  const json* embeddings = Field(body, "embeddings");
  if (embeddings == nullptr || !embeddings->is_array()) {
    return Malformed(response);
  }
  ProviderOutcome outcome;
  for (const json& embedding : *embeddings) {
    const json* values = Field(embedding, "values");
    if (values == nullptr || !values->is_array()) return Malformed(response);
    std::vector<float> vector;
    vector.reserve(values->size());
    for (const json& v : *values) {
      if (!v.is_number()) return Malformed(response);
      vector.push_back(v.get<float>());
    }
    outcome.reply.embeddings.push_back(std::move(vector));
  }
  if (const json* usage = Field(body, "usageMetadata")) {
    if (std::optional<int64_t> prompt =
            CountField(*usage, "promptTokenCount")) {
      outcome.reply.usage.input_tokens = *prompt;
      outcome.reply.usage.reported = true;
    }
  }
  return outcome;
}

}  // namespace llmgw::gemini
