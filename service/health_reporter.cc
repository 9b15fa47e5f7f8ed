#include "service/health_reporter.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_log.h"
#include "service/gateway_core.h"

namespace llmgw {
namespace {

constexpr char kServiceName[] = "llmgateway.v1.LlmGateway";
constexpr char kLivenessName[] = "liveness";

}  // namespace

bool AnyProviderCanServe(const ConfigGeneration& gen, absl::Time now,
                         std::string* why) {
  if (!gen.registry->AnyConfigured()) {
    *why = gen.registry->HowToConfigure();
    return false;
  }
  std::vector<std::string> reasons;
  for (const auto& entry : gen.registry->entries()) {
    if (!entry->configured) continue;
    const ProviderHealth* health = gen.health->Find(entry->spec.name);
    if (health == nullptr) return true;
    const ProviderHealthSnapshot snap = health->Snapshot(now);
    if (snap.available) return true;
    reasons.push_back(
        absl::StrCat(entry->spec.name, ": ", snap.unavailable_reason));
  }
  *why = absl::StrCat("no provider can serve a call (",
                      absl::StrJoin(reasons, "; "), ")");
  return false;
}

std::shared_ptr<HealthReporter> HealthReporter::Start(
    GatewayCore* core, grpc::HealthCheckServiceInterface* health,
    absl::Duration period) {
  auto reporter = std::make_shared<HealthReporter>(core, health, period);
  // For liveness probes: SERVING while the process answers at all (an open
  // circuit upstream is no reason to restart the gateway).
  health->SetServingStatus(kLivenessName, true);
  reporter->Update();
  reporter->Schedule();
  return reporter;
}

HealthReporter::HealthReporter(GatewayCore* core,
                               grpc::HealthCheckServiceInterface* health,
                               absl::Duration period)
    : core_(core), health_(health), period_(period) {}

void HealthReporter::Update() {
  absl::MutexLock lock(&mu_);
  if (!stopped_) EvaluateLocked();
}

void HealthReporter::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  if (timer_.has_value()) core_->loop().CancelTimer(*timer_);
  timer_.reset();
}

void HealthReporter::Schedule() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  // The task holds the reporter's memory alive; Stop() makes it a no-op.
  timer_ = core_->loop().RunAfter(
      period_, [self = shared_from_this()] { self->Tick(); });
}

void HealthReporter::Tick() {
  Update();
  Schedule();
}

void HealthReporter::EvaluateLocked() {
  std::string why;
  const bool serving =
      AnyProviderCanServe(*core_->current(), absl::Now(), &why);
  if (serving_.has_value() && *serving_ == serving) return;
  serving_ = serving;
  health_->SetServingStatus("", serving);
  health_->SetServingStatus(kServiceName, serving);
  if (serving) {
    LogInfo("health_serving", {});
  } else {
    LogWarning("health_not_serving", {{"reason", why}});
  }
}

}  // namespace llmgw
