// The embeddings endpoints of the fake Gemini API
// (ai.google.dev/api/embeddings):
//
//   POST /v1beta/models/{model}:batchEmbedContents
//     {"requests": [{"model": "models/{model}", "content": {"parts":
//       [{"text"}]}, "taskType", "outputDimensionality"}]}
//     -> {"embeddings": [{"values": [...]}]}
//   POST /v1beta/models/{model}:embedContent
//     {"content", "taskType", "outputDimensionality"}
//     -> {"embedding": {"values": [...]}}
//
// Models: gemini-embedding-001 (3072 values by default, 1..3072 with
// outputDimensionality) and text-embedding-004 (768, 1..768); other models
// answer 404 "... is not supported for embedContent". Checks: authentication
// as for generation, at most 100 requests in a batch ("* BatchEmbedContents
// Request.requests: at most 100 requests can be in one batch"), each
// request's model equal to the path's, non-empty text parts, a known
// taskType, the dimension range. These requests do not consume Behaviors.
//
// Values are deterministic: value i of text t is
// ((FNV-1a-64(t + "#" + i) % 2049) - 1024) / 1024, exact in a float, so
// tests can recompute them (FakeEmbeddingValue). Like the real API, the
// reply carries no usage.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/gemini/gemini_fake.h"

namespace llmgw::fake_upstream::gemini_fake {
namespace {

using nlohmann::json;

struct EmbedModel {
  const char* id;
  int default_dimensions;
};

constexpr EmbedModel kEmbedModels[] = {
    {"gemini-embedding-001", 3072},
    {"text-embedding-004", 768},
};

const EmbedModel* FindEmbedModel(absl::string_view id) {
  absl::ConsumePrefix(&id, "models/");
  for (const EmbedModel& m : kEmbedModels) {
    if (id == m.id) return &m;
  }
  return nullptr;
}

HttpReply BatchViolation(const std::string& field, absl::string_view what) {
  return GoogleError(400, absl::StrCat("* BatchEmbedContentsRequest.", field,
                                       ": ", what, "\n"));
}

bool KnownTaskType(const json& t) {
  for (const char* k :
       {"TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT",
        "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
        "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY"}) {
    if (t == k) return true;
  }
  return false;
}

// Checks one EmbedContentRequest; its text and dimension count on success.
std::optional<HttpReply> ReadRequest(const json& r, const std::string& at,
                                     const EmbedModel& model, std::string* text,
                                     int* dimensions) {
  if (!r.is_object()) return BatchViolation(at, "must be an object.");
  if (auto it = r.find("model");
      it != r.end() && *it != absl::StrCat("models/", model.id)) {
    return BatchViolation(at + ".model",
                          "the model of every request must be the model of "
                          "the batch.");
  }
  std::vector<std::string> texts;
  const json* parts = r.contains("content") ? &r["content"]["parts"] : nullptr;
  for (size_t i = 0; parts != nullptr && parts->is_array() && i < parts->size();
       ++i) {
    const json& part = (*parts)[i];
    if (part.contains("text") && part["text"].is_string()) {
      texts.push_back(part["text"].get<std::string>());
    }
  }
  *text = absl::StrJoin(texts, " ");
  if (text->empty()) {
    return BatchViolation(at + ".content", "content must not be empty.");
  }
  if (auto it = r.find("taskType"); it != r.end() && !KnownTaskType(*it)) {
    return InvalidJson(
        absl::StrCat("Invalid value at '", at,
                     ".task_type' (type.googleapis.com/google.ai."
                     "generativelanguage.v1beta.TaskType), ",
                     it->dump()),
        at + ".task_type");
  }
  *dimensions = model.default_dimensions;
  if (auto it = r.find("outputDimensionality"); it != r.end()) {
    const int n = it->is_number_integer() ? it->get<int>() : -1;
    if (n < 1 || n > model.default_dimensions) {
      return BatchViolation(
          at + ".output_dimensionality",
          absl::StrCat("output_dimensionality must be between 1 and ",
                       model.default_dimensions, "."));
    }
    *dimensions = n;
  }
  return std::nullopt;
}

ojson Values(const std::string& text, int dimensions) {
  ojson values = ojson::array();
  for (int i = 0; i < dimensions; ++i) {
    values.push_back(FakeEmbeddingValue(text, i));
  }
  return {{"values", std::move(values)}};
}

HttpReply JsonReply(const ojson& body) {
  HttpReply r;
  r.content_type = kJsonType;
  r.body = body.dump(2) + "\n";
  r.headers = CommonHeaders();
  return r;
}

void Embed(Exchange& ex, bool batch) {
  Caller caller =
      Authenticate(ex, batch ? "BatchEmbedContents" : "EmbedContent");
  if (caller.error.has_value()) return ex.Send(*caller.error);
  const std::string model_id = ex.request().matches[1].str();
  const EmbedModel* model = FindEmbedModel(model_id);
  if (model == nullptr) return ex.Send(ModelNotFound(model_id, "embedContent"));
  absl::StatusOr<json> body = ex.JsonBody();
  if (!body.ok() || !body->is_object()) {
    return ex.Send(
        InvalidJson("Invalid JSON payload received. Unexpected token.", ""));
  }
  if (!batch) {
    std::string text;
    int dimensions = 0;
    if (auto err = ReadRequest(*body, "", *model, &text, &dimensions)) {
      return ex.Send(*err);
    }
    return ex.Send(JsonReply({{"embedding", Values(text, dimensions)}}));
  }
  const json* requests =
      body->contains("requests") ? &(*body)["requests"] : nullptr;
  if (requests == nullptr || !requests->is_array() || requests->empty()) {
    return ex.Send(BatchViolation("requests", "requests must not be empty."));
  }
  if (requests->size() > 100) {
    return ex.Send(
        BatchViolation("requests", "at most 100 requests can be in one batch"));
  }
  ojson embeddings = ojson::array();
  for (size_t i = 0; i < requests->size(); ++i) {
    std::string text;
    int dimensions = 0;
    if (auto err =
            ReadRequest((*requests)[i], absl::StrCat("requests[", i, "]"),
                        *model, &text, &dimensions)) {
      return ex.Send(*err);
    }
    embeddings.push_back(Values(text, dimensions));
  }
  ex.Send(JsonReply({{"embeddings", std::move(embeddings)}}));
}

}  // namespace

float FakeEmbeddingValue(const std::string& text, int index) {
  uint64_t hash = 14695981039346656037ull;
  const std::string key = absl::StrCat(text, "#", index);
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<float>(static_cast<int64_t>(hash % 2049) - 1024) / 1024.0f;
}

void RegisterEmbedRoutes(Routes& routes) {
  routes.Post(R"(/v1beta/models/([^:/]+):batchEmbedContents)",
              [](Exchange& ex) { Embed(ex, true); });
  routes.Post(R"(/v1beta/models/([^:/]+):embedContent)",
              [](Exchange& ex) { Embed(ex, false); });
}

}  // namespace llmgw::fake_upstream::gemini_fake
