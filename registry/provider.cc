#include "registry/provider.h"

#include "absl/strings/str_join.h"

namespace llmgw {

absl::string_view ErrorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kTransient:
      return "transient";
    case ErrorClass::kRateLimited:
      return "rate_limited";
    case ErrorClass::kKeyInvalid:
      return "key_invalid";
    case ErrorClass::kInvalidRequest:
      return "invalid_request";
    case ErrorClass::kFailedPrecondition:
      return "failed_precondition";
    case ErrorClass::kModelNotFound:
      return "model_not_found";
    case ErrorClass::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string Message::Text() const {
  if (parts.empty()) return content;
  std::vector<absl::string_view> texts;
  for (const ContentPart& part : parts) {
    if (part.kind == ContentPart::Kind::kText) texts.push_back(part.text);
  }
  return absl::StrJoin(texts, "\n");
}

bool Message::HasImages() const {
  for (const ContentPart& part : parts) {
    if (part.kind == ContentPart::Kind::kImage) return true;
  }
  return false;
}

std::vector<ModelFeature> ProviderRequest::RequiredFeatures() const {
  if (operation == Operation::kEmbed) return {ModelFeature::kEmbeddings};
  std::vector<ModelFeature> features = {ModelFeature::kChat};
  bool uses_tools = !tools.empty();
  bool has_images = false;
  for (const Message& m : messages) {
    // A conversation that carries tool calls or results needs a model that
    // understands them even when this turn declares no tools.
    if (!m.tool_calls.empty() || m.role == MessageRole::kTool) {
      uses_tools = true;
    }
    if (m.HasImages()) has_images = true;
  }
  if (uses_tools) features.push_back(ModelFeature::kTools);
  if (has_images) features.push_back(ModelFeature::kVision);
  if (response_format.type == ResponseFormat::Type::kJsonObject) {
    features.push_back(ModelFeature::kJsonObject);
  } else if (response_format.type == ResponseFormat::Type::kJsonSchema) {
    features.push_back(ModelFeature::kJsonSchema);
  }
  return features;
}

}  // namespace llmgw
