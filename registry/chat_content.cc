#include "registry/chat_content.h"

namespace llmgw {
namespace {

struct FeatureName {
  ModelFeature feature;
  const char* name;
};

constexpr FeatureName kFeatureNames[] = {
    {ModelFeature::kChat, "chat"},
    {ModelFeature::kTools, "tools"},
    {ModelFeature::kVision, "vision"},
    {ModelFeature::kJsonObject, "json_object"},
    {ModelFeature::kJsonSchema, "json_schema"},
    {ModelFeature::kEmbeddings, "embeddings"},
};

}  // namespace

const char* ModelFeatureName(ModelFeature feature) {
  for (const FeatureName& f : kFeatureNames) {
    if (f.feature == feature) return f.name;
  }
  return "unknown";
}

std::optional<ModelFeature> ModelFeatureFromName(const std::string& name) {
  for (const FeatureName& f : kFeatureNames) {
    if (name == f.name) return f.feature;
  }
  return std::nullopt;
}

}  // namespace llmgw
