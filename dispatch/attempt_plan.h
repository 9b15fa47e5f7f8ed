#ifndef LLMGW_DISPATCH_ATTEMPT_PLAN_H_
#define LLMGW_DISPATCH_ATTEMPT_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dispatch/attempt.h"
#include "registry/provider_registry.h"

namespace llmgw {

// One provider/model pair a call may try.
struct PlanTarget {
  const ProviderEntry* entry = nullptr;
  std::string model;
};

// The ordered targets of a call: the routed `model`, then `fallback_models`
// in order when the request names any, else the registry's fallback chain
// (each chain provider with its default model, skipping providers already in
// the plan). Fallback names that cannot be routed are appended to `skipped`
// as ATTEMPT_OUTCOME_SKIPPED records saying why. Fails with the routing error
// (NOT_FOUND with what to configure) when nothing can be tried.
absl::StatusOr<std::vector<PlanTarget>> BuildAttemptPlan(
    const ProviderRegistry& registry, absl::string_view model,
    const std::vector<std::string>& fallback_models,
    std::vector<AttemptRecord>* skipped);

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_ATTEMPT_PLAN_H_
