#include "providers/openai_compatible/openai_embed.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"

namespace llmgw::openai_compat {
namespace {

using nlohmann::json;

ProviderOutcome Malformed(const http::HttpResponse& response,
                          absl::string_view what) {
  ProviderOutcome outcome;
  outcome.error =
      ProviderError{ErrorClass::kTransient, response.status_code,
                    absl::StrCat("malformed embeddings response: ", what)};
  return outcome;
}

// One embedding: an array of numbers, or base64 of little-endian float32.
std::optional<std::vector<float>> Vector(const json& embedding) {
  std::vector<float> out;
  if (embedding.is_array()) {
    out.reserve(embedding.size());
    for (const json& value : embedding) {
      if (!value.is_number()) return std::nullopt;
      out.push_back(value.get<float>());
    }
    return out;
  }
  if (!embedding.is_string()) return std::nullopt;
  std::string bytes;
  if (!absl::Base64Unescape(embedding.get<std::string>(), &bytes) ||
      bytes.size() % sizeof(float) != 0) {
    return std::nullopt;
  }
  out.resize(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

}  // namespace

absl::StatusOr<http::HttpRequest> BuildEmbedRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key, const http::HeaderList& extra_headers) {
  if (request.model.empty()) {
    return absl::InvalidArgumentError("embeddings request has no model");
  }
  if (request.embed.inputs.empty()) {
    return absl::InvalidArgumentError("embeddings request has no inputs");
  }
  json body = {{"model", request.model},
               {"input", request.embed.inputs},
               {"encoding_format", "float"}};
  if (request.embed.dimensions > 0) {
    body["dimensions"] = request.embed.dimensions;
  }
  if (!request.end_user_id.empty()) body["user"] = request.end_user_id;
  http::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url =
      absl::StrCat(absl::StripSuffix(base_url, "/"), "/embeddings");
  http_request.headers.emplace_back("Content-Type", "application/json");
  http_request.headers.emplace_back("Accept", "application/json");
  if (!api_key.empty()) {
    http_request.headers.emplace_back("Authorization",
                                      absl::StrCat("Bearer ", api_key));
  }
  for (const auto& header : extra_headers) {
    http_request.headers.push_back(header);
  }
  http_request.body = DumpJson(body);
  return http_request;
}

ProviderOutcome ParseEmbedReply(const http::HttpResponse& response) {
  json body = ParseJsonOrDiscarded(response.body);
  if (body.is_discarded() || !body.is_object()) {
    return Malformed(response, BodyExcerpt(response.body));
  }
  const json* data = Field(body, "data");
  if (data == nullptr || !data->is_array() || data->empty()) {
    return Malformed(response, "no data");
  }
  if (data->size() > kMaxEmbeddings) return Malformed(response, "too many");
  ProviderOutcome outcome;
  std::vector<std::vector<float>>& vectors = outcome.reply.embeddings;
  vectors.resize(data->size());
  std::vector<bool> seen(data->size(), false);
  for (size_t i = 0; i < data->size(); ++i) {
    const json& item = (*data)[i];
    std::optional<int64_t> index = CountField(item, "index");
    const size_t slot = index ? static_cast<size_t>(*index) : i;
    if (slot >= vectors.size() || seen[slot]) {
      return Malformed(response, "bad or repeated index");
    }
    const json* embedding = Field(item, "embedding");
    std::optional<std::vector<float>> vector;
    if (embedding != nullptr) vector = Vector(*embedding);
    if (!vector || vector->empty()) {
      return Malformed(response, absl::StrCat("no embedding at index ", slot));
    }
    vectors[slot] = *std::move(vector);
    seen[slot] = true;
  }
  if (const json* usage = Field(body, "usage")) {
    if (std::optional<int64_t> prompt = CountField(*usage, "prompt_tokens")) {
      outcome.reply.usage.input_tokens = *prompt;
      outcome.reply.usage.reported = true;
    }
  }
  outcome.reply.model = StringField(body, "model");
  outcome.reply.finish_reason = FinishReason::kStop;
  return outcome;
}

}  // namespace llmgw::openai_compat
