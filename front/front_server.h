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

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace llmgw::front {

// Bounds of the HTTP front, all enforced per connection or per request.
struct FrontOptions {
  // "127.0.0.1:0", "0.0.0.0:8080"; port 0 picks a free port.
  std::string address = "0.0.0.0:8080";
  size_t max_connections = 1024;
  size_t max_header_bytes = 16 << 10;  // request line + headers
  size_t max_headers = 64;
  size_t max_body_bytes = 4 << 20;
  // A stream whose reader lags this far behind is cut.
  size_t max_pending_output_bytes = 8 << 20;
  // Longest silence while a request is being received, and longest wait
  // for the next request on a kept-alive connection.
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
  // Longest a chat completion may take end to end (OpenAI SDKs default to
  // 10 minutes); expiry cancels the call with 504.
  absl::Duration request_timeout = absl::Minutes(10);
};

// Who is calling. Today this is what gRPC uses (the x-llmgw-client-id header,
// or anonymous); the authenticator of auth/ replaces CallerFromHeaders.
struct Caller {
  std::string client_id;
};
// Headers have lower-case names. Errors are UNAUTHENTICATED or
// INVALID_ARGUMENT and become OpenAI errors (401/400).
absl::StatusOr<Caller> CallerFromHeaders(
    const std::map<std::string, std::string>& headers);

class FrontServer {
 public:
  // Binds, then serves on `deps.loop` (the gateway's own event loop: no
  // other thread). `metrics` may be null.
  static absl::StatusOr<std::unique_ptr<FrontServer>> Start(
      const DispatchDeps& deps, const FrontOptions& options,
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
