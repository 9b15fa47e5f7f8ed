#ifndef LLMGW_FRONT_FRONT_SERVER_H_
#define LLMGW_FRONT_FRONT_SERVER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "dispatch/generate_call.h"
#include "registry/provider_registry.h"
#include "service/gateway_core.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace llmgw::front {

// Bounds of the HTTP front, all enforced per connection or per request.
struct FrontOptions {
  // "127.0.0.1:0", "0.0.0.0:8080"; port 0 picks a free port.
  std::string address = "0.0.0.0:8080";
  size_t max_connections = 1024;
  size_t max_request_line = 8 << 10;   // request target: longer is 414
  size_t max_header_bytes = 16 << 10;  // request line + headers: 431
  size_t max_headers = 64;             // header count: 431
  size_t max_body_bytes = 4 << 20;     // Content-Length or chunked: 413
  // A stream whose reader lags this far behind is cut.
  size_t max_pending_output_bytes = 8 << 20;
  // Longest time to receive one whole request from its first byte (head and
  // body; not re-armed per read, so a slow loris gets 408), and longest
  // wait for the next request on a kept-alive connection.
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
  // Longest a chat completion may take end to end (OpenAI SDKs default to
  // 10 minutes); expiry cancels the call with 504.
  absl::Duration request_timeout = absl::Minutes(10);
};

class FrontServer {
 public:
  // Binds, then serves on the core's event loop (no other thread). Every
  // chat call authenticates its `Authorization: Bearer` key through the
  // core's gatekeeper (401 without a valid one when client keys are
  // configured), is admitted like a gRPC call (tenant, allowed models, rate
  // limits: service/call_admission.h) and runs on the core's current config
  // generation. `core` outlives the server; `metrics` may be null.
  static absl::StatusOr<std::unique_ptr<FrontServer>> Start(
      GatewayCore* core, const FrontOptions& options,
      prometheus::Registry* metrics);
  // Closes everything (waits for the loop to let go). Not on the loop thread.
  ~FrontServer();

  int port() const { return port_; }

  // Stops accepting and closes idle connections; calls in flight go on, and
  // their connections close after the answer. Not on the loop thread.
  void BeginShutdown();
  // Waits until no call is in flight or `deadline`, then cancels what is
  // left and closes every connection.
  void FinishShutdown(absl::Time deadline);

  class Impl;

 private:
  FrontServer() = default;
  std::shared_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace llmgw::front

#endif  // LLMGW_FRONT_FRONT_SERVER_H_
