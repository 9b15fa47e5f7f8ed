// POST /v2/embed of the fake Cohere v2 format (docs.cohere.com/reference/
// embed; cohere-python src/cohere/v2/raw_client.py embed()).
//
// Checks (400 {"message"} unless said): auth as for chat; "model" required
// (404 for missing models as for chat); "texts" a non-empty array of at most
// 96 strings; "input_type" required, one of search_document, search_query,
// classification, clustering; "embedding_types" required in v2, an array
// that must hold "float" (the only type the fake renders); "output_dimension"
// only for embed-v4 and newer models, one of 256, 512, 1024, 1536.
// Reply: {"id", "embeddings": {"float": [[...]]}, "texts", "meta":
// {"api_version": {"version": "2"}, "billed_units": {"input_tokens": N}},
// "response_type": "embeddings_by_type"}: one deterministic unit-free vector
// per text (values derived from a hash of the text and the position), of
// output_dimension or the model's default length (1536 for v4, 384 for
// light models, 1024 otherwise); N = the texts' word count.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/cohere/cohere_fake.h"

namespace llmgw::fake_upstream::cohere_fake {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

bool HasDimensions(const std::string& model) {
  return !(absl::StrContains(model, "-v3") || absl::StrContains(model, "-v2") ||
           absl::StrContains(model, "light"));
}

int64_t DefaultLength(const std::string& model) {
  if (HasDimensions(model)) return 1536;
  return absl::StrContains(model, "light") ? 384 : 1024;
}

// Validates the body; sets *length. Returns the 400 message if bad.
std::optional<std::string> CheckEmbed(const json& body, int64_t* length) {
  const json texts = body.value("texts", json());
  if (!texts.is_array() || texts.empty()) {
    return "invalid request: texts must be a non-empty array of strings.";
  }
  if (texts.size() > 96) {
    return absl::StrCat(
        "invalid request: texts can contain at most 96 "
        "entries - received ",
        texts.size(), ".");
  }
  for (const json& t : texts) {
    if (!t.is_string()) return InvalidType("texts", "an array of strings", t);
  }
  static const std::set<std::string> kInputTypes = {
      "search_document", "search_query", "classification", "clustering"};
  const json input_type = body.value("input_type", json());
  if (!input_type.is_string() ||
      kInputTypes.count(input_type.get<std::string>()) == 0) {
    return "invalid request: input_type is required and must be one of: "
           "search_document, search_query, classification, clustering.";
  }
  const json types = body.value("embedding_types", json());
  if (!types.is_array() ||
      std::find(types.begin(), types.end(), json("float")) == types.end()) {
    return "invalid request: embedding_types is required (the fake serves "
           "\"float\").";
  }
  const std::string model = body["model"].get<std::string>();
  *length = DefaultLength(model);
  const json dimension = body.value("output_dimension", json());
  if (dimension.is_null()) return std::nullopt;
  if (!HasDimensions(model)) {
    return absl::StrCat(
        "invalid request: output_dimension is not supported "
        "for model '",
        model, "'.");
  }
  if (!dimension.is_number_integer() ||
      std::set<int64_t>{256, 512, 1024, 1536}.count(dimension.get<int64_t>()) ==
          0) {
    return "invalid request: output_dimension must be one of 256, 512, 1024 "
           "or 1536.";
  }
  *length = dimension.get<int64_t>();
  return std::nullopt;
}

ojson Vector(const std::string& text, int64_t length) {
  ojson v = ojson::array();
  const size_t seed = std::hash<std::string>{}(text);
  for (int64_t i = 0; i < length; ++i) {
    const uint64_t x =
        (seed ^ (static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15u)) *
        0xBF58476D1CE4E5B9u;
    v.push_back(static_cast<double>((x >> 40) % 2001) / 1000.0 - 1.0);
  }
  return v;
}

}  // namespace

void Embed(Exchange& ex) {
  if (std::optional<HttpReply> err = CheckAuth(ex)) return ex.Send(*err);
  json body;
  if (std::optional<HttpReply> err = CheckJsonBody(ex, &body)) {
    return ex.Send(*err);
  }
  const json model = body.value("model", json());
  if (!model.is_string() || model.get<std::string>().empty()) {
    return ex.Send(BadRequest("model is required", ex.seq()));
  }
  if (ModelMissing(model.get<std::string>())) {
    return ex.Send(ErrorReply(
        404, ModelNotFoundMessage(model.get<std::string>()), ex.seq()));
  }
  int64_t length = 0;
  if (std::optional<std::string> err = CheckEmbed(body, &length)) {
    return ex.Send(BadRequest(*err, ex.seq()));
  }
  ojson vectors = ojson::array();
  int64_t tokens = 0;
  for (const json& t : body["texts"]) {
    vectors.push_back(Vector(t.get<std::string>(), length));
    tokens += CountWords(t.get<std::string>());
  }
  ojson reply = {
      {"id", absl::StrFormat("e0b1d2c3-0000-4000-8000-%012d", ex.seq())},
      {"embeddings", {{"float", std::move(vectors)}}},
      {"texts", body["texts"]},
      {"meta",
       {{"api_version", {{"version", "2"}}},
        {"billed_units", {{"input_tokens", tokens}}}}},
      {"response_type", "embeddings_by_type"}};
  HttpReply r;
  r.body = reply.dump();
  r.headers = CommonHeaders(ex.seq());
  ex.Send(r);
}

}  // namespace llmgw::fake_upstream::cohere_fake
