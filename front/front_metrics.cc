#include "front/front_metrics.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace llmgw::front {

FrontMetrics::FrontMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  requests_ = &prometheus::BuildCounter()
                   .Name("llmgw_http_front_requests_total")
                   .Help("HTTP front requests by route and HTTP status.")
                   .Register(*registry);
  latency_ = &prometheus::BuildHistogram()
                  .Name("llmgw_http_front_request_duration_seconds")
                  .Help(
                      "HTTP front request latency, from the request's "
                      "receipt to its last byte queued, by route and "
                      "status class.")
                  .Register(*registry);
  connections_ = &prometheus::BuildGauge()
                      .Name("llmgw_http_front_connections")
                      .Help("Open HTTP front connections.")
                      .Register(*registry)
                      .Add({});
}

const char* FrontMetrics::RouteLabel(Route route) {
  switch (route) {
    case kChat:
      return "/v1/chat/completions";
    case kModels:
      return "/v1/models";
    case kOther:
      break;
  }
  return "other";
}

void FrontMetrics::Record(Route route, int status, absl::Duration latency) {
  if (requests_ == nullptr) return;
  int slot = kStatuses.size();
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) slot = static_cast<int>(i);
  }
  prometheus::Counter*& counter = request_children_[route][slot];
  if (counter == nullptr) {  // first time for this pair: the only lookup
    counter =
        &requests_->Add({{"route", RouteLabel(route)},
                         {"status", slot < static_cast<int>(kStatuses.size())
                                        ? absl::StrCat(status)
                                        : std::string("other")}});
  }
  counter->Increment();
  const int cls = status >= 100 && status < 600 ? status / 100 - 1 : 4;
  prometheus::Histogram*& histogram = latency_children_[route][cls];
  if (histogram == nullptr) {
    histogram = &latency_->Add({{"route", RouteLabel(route)},
                                {"status_class", absl::StrCat(cls + 1, "xx")}},
                               prometheus::Histogram::BucketBoundaries{
                                   0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                   0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120});
  }
  histogram->Observe(absl::ToDoubleSeconds(latency));
}

void FrontMetrics::ConnectionOpened() {
  if (connections_ != nullptr) connections_->Increment();
}

void FrontMetrics::ConnectionClosed() {
  if (connections_ != nullptr) connections_->Decrement();
}

}  // namespace llmgw::front
