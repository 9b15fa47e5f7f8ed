#ifndef LLMGW_MONITORING_METRIC_SERIES_H_
#define LLMGW_MONITORING_METRIC_SERIES_H_

// Internals of the Prometheus metrics: the metric families, the fixed label
// value sets, and the per-provider/model and per-method child metrics that
// are looked up once and cached, so recording a call touches no label map.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace llmgw::metrics_internal {

// error_type values of failed attempts (AttemptOutcomeName of failures).
inline constexpr std::array<absl::string_view, 8> kErrorTypes = {
    "transient_error", "timeout",         "rate_limited",        "auth_error",
    "invalid_request", "model_not_found", "failed_precondition", "cancelled"};
// error_type values of skipped attempts.
// unsupported_feature: the catalog says the model lacks a feature the
// request needs, or its context window is too small for the request
// (dispatch/attempt_plan.h FeatureSkipDetail, ContextWindowSkipDetail).
inline constexpr std::array<absl::string_view, 3> kSkipReasons = {
    "circuit_open", "no_healthy_key", "unsupported_feature"};
// reason values of retries and fallbacks: error types, skip reasons, other.
inline constexpr size_t kReasonCount =
    kErrorTypes.size() + kSkipReasons.size() + 1;
// gRPC status code names, as absl::StatusCodeToString spells them.
inline constexpr std::array<absl::string_view, 17> kCodes = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED"};
// phase values of llmgw_call_phase_seconds, in CallObservation::Phases order.
// "upstream" is CallObservation::upstream (every attempt, decoding its
// reply included), for calls that made an attempt.
inline constexpr std::array<absl::string_view, 6> kPhases = {
    "queued", "dispatch", "upstream", "settle", "commit", "reply"};
// Methods whose series exist from the start.
inline constexpr std::array<absl::string_view, 5> kMethods = {
    "Generate", "GenerateStream", "Status", "Budget", "Embed"};
// Distinct response models kept per provider/model before folding.
inline constexpr size_t kMaxResponseModels = 8;
inline constexpr char kOther[] = "other";

// Index into kErrorTypes, or -1.
int ErrorTypeIndex(absl::string_view outcome);
// Index into kSkipReasons for an admission's reason text.
int SkipReasonIndex(absl::string_view admission_reason);
// The label value of reason index `i` (< kReasonCount).
absl::string_view ReasonName(size_t i);
// Reason index of a failure text: "<outcome> ..." or "skipped: <admission
// reason>"; kReasonCount - 1 ("other") when unrecognised.
size_t ReasonIndexOf(absl::string_view failure_text);

// Every metric family the gateway records per call.
struct Families {
  explicit Families(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& request_duration;
  prometheus::Family<prometheus::Gauge>& in_flight;
  prometheus::Family<prometheus::Histogram>& overhead;
  prometheus::Family<prometheus::Histogram>& phase;
  prometheus::Family<prometheus::Counter>& upstream;
  prometheus::Family<prometheus::Histogram>& upstream_duration;
  prometheus::Family<prometheus::Histogram>& ttft;
  prometheus::Family<prometheus::Histogram>& per_token;
  prometheus::Family<prometheus::Counter>& cost;
  prometheus::Family<prometheus::Counter>& tokens;
  prometheus::Family<prometheus::Counter>& retries;
  prometheus::Family<prometheus::Counter>& fallbacks;
  prometheus::Family<prometheus::Counter>& embed_inputs;
};

struct TokenSeries {
  std::string response_model;
  prometheus::Counter* input = nullptr;
  prometheus::Counter* output = nullptr;
};

// Child metrics of one provider/request_model pair.
struct ModelSeries {
  ModelSeries(Families& f, const std::string& provider,
              const std::string& model);
  // Adds the token series of `response_model` (caller holds the lock).
  TokenSeries* AddTokens(Families& f, const std::string& response_model);
  TokenSeries* FindTokens(absl::string_view response_model) const;

  const std::string provider;
  const std::string model;
  prometheus::Counter* success = nullptr;
  std::array<prometheus::Counter*, kErrorTypes.size()> errors{};
  std::array<prometheus::Counter*, kSkipReasons.size()> skipped{};
  prometheus::Histogram* duration = nullptr;
  prometheus::Histogram* ttft = nullptr;
  prometheus::Histogram* per_token = nullptr;
  prometheus::Counter* cost = nullptr;
  std::vector<std::unique_ptr<TokenSeries>> tokens;
};

// Child metrics of one provider.
struct ProviderSeries {
  ProviderSeries(Families& f, const std::string& provider);

  const std::string name;
  absl::flat_hash_map<std::string, std::unique_ptr<ModelSeries>> models;
  std::unique_ptr<ModelSeries> other;
  std::array<prometheus::Counter*, kReasonCount> retries{};
  std::array<prometheus::Counter*, kReasonCount> fallbacks{};
  // Texts embedded by successful Embed calls.
  prometheus::Counter* embed_inputs = nullptr;
};

// Child metrics of one gRPC method.
struct MethodSeries {
  MethodSeries(Families& f, const std::string& method);

  const std::string name;
  prometheus::Gauge* in_flight = nullptr;
  prometheus::Histogram* duration = nullptr;
  // Generate, GenerateStream and Embed only (the methods that call upstream).
  prometheus::Histogram* overhead = nullptr;
  // Indexed like kPhases; the same three methods only.
  std::array<prometheus::Histogram*, kPhases.size()> phases{};
  // Indexed like kCodes; a name outside kCodes counts as UNKNOWN.
  std::array<prometheus::Counter*, kCodes.size()> codes{};
};

}  // namespace llmgw::metrics_internal

#endif  // LLMGW_MONITORING_METRIC_SERIES_H_
