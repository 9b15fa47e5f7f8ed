// Cohere's v2 Embed API (docs.cohere.com/reference/embed; cohere-python
// src/cohere/v2/raw_client.py embed(), types/embed_by_type_response.py):
//
//   POST {base}/embed {"model", "texts": [...], "input_type",
//                      "embedding_types": ["float"], "output_dimension"?}
//   -> {"id", "embeddings": {"float": [[...], ...]}, "texts": [...],
//       "meta": {"billed_units": {"input_tokens": N}, ...},
//       "response_type": "embeddings_by_type"}
//
// input_type is required by Cohere; EmbedInputType::kUnspecified is sent as
// "search_document" (what a corpus is embedded with). output_dimension
// exists for embed-v4 and newer only, with 256, 512, 1024 or 1536
// (default 1536); other models, or other values, are INVALID_ARGUMENT.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "providers/cohere/cohere_codec.h"
#include "providers/cohere/cohere_wire.h"
#include "providers/common/codec_util.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace {

using Json = nlohmann::json;

const char* InputTypeName(EmbedInputType type) {
  switch (type) {
    case EmbedInputType::kSearchQuery:
      return "search_query";
    case EmbedInputType::kClassification:
      return "classification";
    case EmbedInputType::kClustering:
      return "clustering";
    case EmbedInputType::kSearchDocument:
    case EmbedInputType::kUnspecified:
      break;
  }
  return "search_document";
}

absl::Status CheckDimensions(const ProviderRequest& request) {
  const int32_t dimensions = request.embed.dimensions;
  if (dimensions == 0) return absl::OkStatus();
  if (!CohereEmbedModelHasDimensions(request.model)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dimensions is not supported by Cohere embedding model ", request.model,
        " (output_dimension needs embed-v4.0 or newer)"));
  }
  if (dimensions != 256 && dimensions != 512 && dimensions != 1024 &&
      dimensions != 1536) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dimensions ", dimensions, " is not supported by Cohere model ",
        request.model, " (256, 512, 1024 or 1536)"));
  }
  return absl::OkStatus();
}

// The float vectors of an embed reply; false when malformed.
bool Vectors(const Json& body, size_t expected,
             std::vector<std::vector<float>>* out) {
  const Json* floats = Path(body, {"embeddings", "float"});
  if (floats == nullptr || !floats->is_array() || floats->size() != expected) {
    return false;
  }
  for (const Json& row : *floats) {
    if (!row.is_array()) return false;
    std::vector<float> vector;
    vector.reserve(row.size());
    for (const Json& v : row) {
      if (!v.is_number()) return false;
      vector.push_back(v.get<float>());
    }
    out->push_back(std::move(vector));
  }
  return true;
}

}  // namespace

bool CohereEmbedModelHasDimensions(absl::string_view model) {
  return !(absl::StrContains(model, "-v3") || absl::StrContains(model, "-v2") ||
           absl::StrContains(model, "light"));
}

absl::StatusOr<http::HttpRequest> CohereCodec::BuildEmbedRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key) const {
  if (request.model.empty()) {
    return absl::InvalidArgumentError("Cohere requests need a model");
  }
  if (request.embed.inputs.empty()) {
    return absl::InvalidArgumentError("Cohere embed requests need texts");
  }
  if (absl::Status s = CheckDimensions(request); !s.ok()) return s;
  Json body = {{"model", request.model},
               {"texts", request.embed.inputs},
               {"input_type", InputTypeName(request.embed.input_type)},
               {"embedding_types", Json::array({"float"})}};
  if (request.embed.dimensions > 0) {
    body["output_dimension"] = request.embed.dimensions;
  }
  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url = absl::StrCat(absl::StripSuffix(base_url, "/"), "/embed");
  http_request.headers = {
      {"authorization", absl::StrCat("Bearer ", api_key)},
      {"content-type", "application/json"},
  };
  http_request.body = DumpJson(body);
  return http_request;
}

ProviderOutcome CohereCodec::ParseEmbedReply(
    const http::HttpResponse& response) const {
  ProviderOutcome outcome;
  std::optional<Json> body = ParseJson(response.body);
  const Json* floats = body.has_value() && body->is_object()
                           ? Path(*body, {"embeddings", "float"})
                           : nullptr;
  // "texts" echoes the inputs: when present, one vector per text.
  const Json* texts = floats != nullptr ? Field(*body, "texts") : nullptr;
  const size_t expected =
      texts != nullptr && texts->is_array()
          ? texts->size()
          : (floats != nullptr && floats->is_array() ? floats->size() : 0);
  if (floats == nullptr || expected == 0 ||
      !Vectors(*body, expected, &outcome.reply.embeddings)) {
    outcome.reply.embeddings.clear();
    outcome.error = MalformedError("Cohere", "embed response",
                                   response.status_code, response.body);
    return outcome;
  }
  if (const Json* meta = Field(*body, "meta")) {
    outcome.reply.usage = cohere::Usage(*meta);
    outcome.reply.usage.output_tokens = 0;
  }
  return outcome;
}

}  // namespace llmgw
