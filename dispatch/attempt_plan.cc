#include "dispatch/attempt_plan.h"

#include <utility>

namespace llmgw {

absl::StatusOr<std::vector<PlanTarget>> BuildAttemptPlan(
    const ProviderRegistry& registry, absl::string_view model,
    const std::vector<std::string>& fallback_models,
    std::vector<AttemptRecord>* skipped) {
  std::vector<PlanTarget> plan;
  auto add = [&](const ProviderEntry* entry, std::string target_model) {
    for (const PlanTarget& t : plan) {
      if (t.entry == entry && t.model == target_model) return;
    }
    plan.push_back(PlanTarget{entry, std::move(target_model)});
  };
  absl::StatusOr<Route> first = registry.Resolve(model);
  if (first.ok()) {
    add(first->entry, first->model);
  } else if (fallback_models.empty()) {
    return first.status();
  }
  if (!fallback_models.empty()) {
    for (const std::string& name : fallback_models) {
      absl::StatusOr<Route> route = registry.Resolve(name);
      if (route.ok()) {
        add(route->entry, route->model);
        continue;
      }
      AttemptRecord record;
      record.model = name;
      record.outcome = AttemptOutcome::kSkipped;
      record.detail = std::string(route.status().message());
      skipped->push_back(std::move(record));
    }
  } else {
    for (const ProviderEntry* entry : registry.fallback_chain()) {
      bool present = false;
      for (const PlanTarget& t : plan) present = present || t.entry == entry;
      if (!present) add(entry, entry->spec.default_model);
    }
  }
  if (plan.empty()) return first.status();
  return plan;
}

}  // namespace llmgw
