#include "dispatch/attempt_plan.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/error_details.h"

namespace llmgw {
namespace {

std::string FeatureList(const std::vector<ModelFeature>& features,
                        absl::string_view separator) {
  std::vector<absl::string_view> names;
  names.reserve(features.size());
  for (ModelFeature f : features) names.push_back(ModelFeatureName(f));
  return absl::StrJoin(names, separator);
}

bool Declares(const ModelSpec& model, ModelFeature feature) {
  const std::string name = ModelFeatureName(feature);
  return std::find(model.features.begin(), model.features.end(), name) !=
         model.features.end();
}

// Collects targets in order, leaving out duplicates and the targets whose
// catalog entry lacks a required feature.
class PlanBuilder {
 public:
  PlanBuilder(std::vector<ModelFeature> required, int64_t min_input_tokens,
              std::vector<AttemptRecord>* skipped)
      : required_(std::move(required)),
        min_input_tokens_(min_input_tokens),
        skipped_(skipped) {}

  // True when the target was planned.
  bool Consider(const ProviderEntry* entry, std::string model) {
    for (const auto& [e, m] : considered_) {
      if (e == entry && m == model) return false;
    }
    considered_.emplace_back(entry, model);
    std::vector<ModelFeature> missing =
        MissingFeatures(entry->spec, model, required_);
    std::string too_small =
        missing.empty()
            ? ContextWindowSkipDetail(entry->spec, model, min_input_tokens_)
            : "";
    if (missing.empty() && too_small.empty()) {
      plan_.push_back(PlanTarget{entry, std::move(model)});
      return true;
    }
    if (!too_small.empty()) {
      AttemptRecord record;
      record.provider = entry->spec.name;
      record.model = model;
      record.outcome = AttemptOutcome::kSkipped;
      record.detail = std::move(too_small);
      context_skips_.push_back(record);
      skipped_->push_back(std::move(record));
      return false;
    }
    for (ModelFeature f : missing) {
      if (std::find(missing_.begin(), missing_.end(), f) == missing_.end()) {
        missing_.push_back(f);
      }
    }
    AttemptRecord record;
    record.provider = entry->spec.name;
    record.model = model;
    record.outcome = AttemptOutcome::kSkipped;
    record.detail = FeatureSkipDetail(model, entry->spec.name, missing);
    feature_skips_.push_back(record);
    skipped_->push_back(std::move(record));
    return false;
  }

  void MarkLastRouted() { plan_.back().routed = true; }

  void SkipUnroutable(const std::string& name, const absl::Status& why) {
    AttemptRecord record;
    record.model = name;
    record.outcome = AttemptOutcome::kSkipped;
    record.detail = std::string(why.message());
    skipped_->push_back(std::move(record));
  }

  bool Planned(const ProviderEntry* entry) const {
    return std::any_of(plan_.begin(), plan_.end(),
                       [&](const PlanTarget& t) { return t.entry == entry; });
  }

  // The plan, or why nothing can be tried (`routing` when no target was
  // skipped for features).
  absl::StatusOr<std::vector<PlanTarget>> Finish(absl::Status routing) {
    if (!plan_.empty()) return std::move(plan_);
    if (!feature_skips_.empty()) {
      // Required-order list of what the skipped targets lacked.
      std::vector<ModelFeature> missing;
      for (ModelFeature f : required_) {
        if (std::find(missing_.begin(), missing_.end(), f) != missing_.end()) {
          missing.push_back(f);
        }
      }
      return FeatureUnsupportedStatus(missing, feature_skips_);
    }
    if (!context_skips_.empty()) return ContextTooLongStatus();
    if (routing.ok()) return absl::InternalError("empty attempt plan");
    return routing;
  }

 private:
  absl::Status ContextTooLongStatus() const {
    std::vector<absl::string_view> details;
    for (const AttemptRecord& r : context_skips_) details.push_back(r.detail);
    absl::Status status = absl::FailedPreconditionError(absl::StrCat(
        "the request is too long for every model in the plan (",
        absl::StrJoin(details, "; "),
        "): shorten it, or name a model with a larger context window"));
    SetErrorReason(status, "CONTEXT_WINDOW_EXCEEDED");
    if (context_skips_.size() == 1) {
      SetErrorMeta(status, "provider", context_skips_[0].provider);
      SetErrorMeta(status, "model", context_skips_[0].model);
    }
    return status;
  }

  const std::vector<ModelFeature> required_;
  const int64_t min_input_tokens_;
  std::vector<AttemptRecord>* skipped_;
  std::vector<PlanTarget> plan_;
  std::vector<std::pair<const ProviderEntry*, std::string>> considered_;
  std::vector<AttemptRecord> feature_skips_;
  std::vector<AttemptRecord> context_skips_;
  std::vector<ModelFeature> missing_;
};

// Where an embed request without a model goes: the primary's default
// embedding model, else the first chain provider's.
absl::StatusOr<Route> DefaultEmbeddingRoute(const ProviderRegistry& registry) {
  if (registry.primary() == nullptr) return registry.Resolve("").status();
  std::vector<const ProviderEntry*> order = {registry.primary()};
  for (const ProviderEntry* e : registry.fallback_chain()) order.push_back(e);
  for (const ProviderEntry* entry : order) {
    std::string model = DefaultEmbeddingModel(entry->spec);
    if (!model.empty()) return Route{entry, std::move(model), "embeddings"};
  }
  absl::Status status = absl::FailedPreconditionError(
      "no configured provider has an embedding model (a catalog model whose "
      "features include embeddings): name a model in the request, or add "
      "`features: [embeddings]` to an embedding model of a configured "
      "provider's catalog (docs/configuration.md)");
  SetErrorReason(status, "FEATURE_UNSUPPORTED");
  SetErrorMeta(status, "feature", "embeddings");
  return status;
}

}  // namespace

std::vector<ModelFeature> MissingFeatures(
    const ProviderSpec& spec, absl::string_view model,
    const std::vector<ModelFeature>& required) {
  const ModelSpec* entry = spec.FindModel(std::string(model));
  if (entry == nullptr || entry->features.empty()) return {};
  std::vector<ModelFeature> missing;
  for (ModelFeature f : required) {
    if (!Declares(*entry, f)) missing.push_back(f);
  }
  return missing;
}

std::string FeatureSkipDetail(absl::string_view model,
                              absl::string_view provider,
                              const std::vector<ModelFeature>& missing) {
  return absl::StrCat(model, " on ", provider, " does not support ",
                      FeatureList(missing, ", "));
}

int64_t MinInputTokens(const ProviderRequest& request) {
  int64_t bytes =
      static_cast<int64_t>(request.response_format.json_schema.size());
  for (const Message& m : request.messages) {
    bytes += static_cast<int64_t>(m.content.size());
    for (const ContentPart& part : m.parts) {
      bytes += static_cast<int64_t>(part.text.size());
    }
    for (const ToolCall& call : m.tool_calls) {
      bytes += static_cast<int64_t>(call.arguments_json.size());
    }
  }
  for (const ToolDefinition& tool : request.tools) {
    bytes += static_cast<int64_t>(tool.description.size() +
                                  tool.parameters_json_schema.size());
  }
  // An embedding model's context window bounds each input on its own (a
  // batch is many short texts), so the largest input is what must fit.
  int64_t largest_input = 0;
  for (const std::string& input : request.embed.inputs) {
    largest_input = std::max(largest_input, static_cast<int64_t>(input.size()));
  }
  return std::max(bytes, largest_input) / kMaxBytesPerToken;
}

std::string ContextWindowSkipDetail(const ProviderSpec& spec,
                                    absl::string_view model,
                                    int64_t min_input_tokens) {
  const ModelSpec* entry = spec.FindModel(std::string(model));
  if (entry == nullptr || entry->context_window <= 0 ||
      min_input_tokens <= entry->context_window) {
    return "";
  }
  return absl::StrCat(model, " on ", spec.name, " has a context window of ",
                      entry->context_window,
                      " tokens; the request has at least ", min_input_tokens,
                      " input tokens");
}

std::string DefaultEmbeddingModel(const ProviderSpec& spec) {
  for (const ModelSpec& m : spec.models) {
    if (Declares(m, ModelFeature::kEmbeddings)) return m.name;
  }
  return "";
}

absl::Status FeatureUnsupportedStatus(
    const std::vector<ModelFeature>& missing,
    const std::vector<AttemptRecord>& feature_skips) {
  std::vector<absl::string_view> details;
  details.reserve(feature_skips.size());
  for (const AttemptRecord& r : feature_skips) details.push_back(r.detail);
  const std::string features = FeatureList(missing, ", ");
  absl::Status status = absl::FailedPreconditionError(absl::StrCat(
      "no model in the plan supports ", missing.size() > 1 ? "all of " : "",
      features, " (", absl::StrJoin(details, "; "),
      "): name a model whose catalog features include ", features,
      ", or leave the feature out of the request"));
  SetErrorReason(status, "FEATURE_UNSUPPORTED");
  SetErrorMeta(status, "feature", FeatureList(missing, ","));
  if (feature_skips.size() == 1) {
    SetErrorMeta(status, "provider", feature_skips[0].provider);
    SetErrorMeta(status, "model", feature_skips[0].model);
  }
  return status;
}

absl::StatusOr<std::vector<PlanTarget>> BuildAttemptPlan(
    const ProviderRegistry& registry, const ProviderRequest& request,
    const std::vector<std::string>& fallback_models,
    std::vector<AttemptRecord>* skipped) {
  const bool embed = request.operation == Operation::kEmbed;
  PlanBuilder plan(request.RequiredFeatures(), MinInputTokens(request),
                   skipped);
  absl::StatusOr<Route> first = embed && request.model.empty()
                                    ? DefaultEmbeddingRoute(registry)
                                    : registry.Resolve(request.model);
  if (first.ok()) {
    if (plan.Consider(first->entry, first->model)) plan.MarkLastRouted();
  } else if (fallback_models.empty()) {
    return first.status();
  }
  if (!fallback_models.empty()) {
    for (const std::string& name : fallback_models) {
      absl::StatusOr<Route> route = registry.Resolve(name);
      if (route.ok()) {
        plan.Consider(route->entry, route->model);
      } else {
        plan.SkipUnroutable(name, route.status());
      }
    }
  } else {
    for (const ProviderEntry* entry : registry.fallback_chain()) {
      if (plan.Planned(entry)) continue;
      std::string model = embed ? DefaultEmbeddingModel(entry->spec)
                                : entry->spec.default_model;
      // The automatic embed chain holds only providers with an embedding
      // model.
      if (model.empty() && embed) continue;
      plan.Consider(entry, std::move(model));
    }
  }
  return plan.Finish(first.ok() ? absl::OkStatus() : first.status());
}

}  // namespace llmgw
