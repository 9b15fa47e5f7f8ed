#ifndef LLMGW_FRONT_FRONT_METRICS_H_
#define LLMGW_FRONT_FRONT_METRICS_H_

#include <array>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace llmgw::front {

// The HTTP front's metrics (docs/http-front.md#metrics-and-logs):
//   llmgw_http_front_requests_total{route,status}
//   llmgw_http_front_request_duration_seconds{route,status_class}
//   llmgw_http_front_connections
// Children are looked up by label once and cached in fixed arrays; a request
// costs array indexing and atomic adds, no label lookup. Loop thread only.
class FrontMetrics {
 public:
  enum Route { kChat = 0, kModels = 1, kOther = 2 };
  static constexpr int kRoutes = 3;

  // `registry` may be null: then every call is a no-op.
  explicit FrontMetrics(prometheus::Registry* registry);

  static const char* RouteLabel(Route route);
  // One answered (or abandoned: 499) request; `latency` from the request's
  // receipt to its last byte queued.
  void Record(Route route, int status, absl::Duration latency);
  void ConnectionOpened();
  void ConnectionClosed();

 private:
  // Statuses the front answers with; anything else counts under "other".
  static constexpr std::array<int, 18> kStatuses = {
      200, 400, 401, 403, 404, 405, 408, 413, 414,
      429, 431, 499, 500, 501, 502, 503, 504, 505};
  static constexpr int kStatusSlots = kStatuses.size() + 1;
  static constexpr int kClasses = 5;  // 1xx..5xx

  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* latency_ = nullptr;
  prometheus::Gauge* connections_ = nullptr;
  std::array<std::array<prometheus::Counter*, kStatusSlots>, kRoutes>
      request_children_{};
  std::array<std::array<prometheus::Histogram*, kClasses>, kRoutes>
      latency_children_{};
};

}  // namespace llmgw::front

#endif  // LLMGW_FRONT_FRONT_METRICS_H_
