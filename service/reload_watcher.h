#ifndef LLMGW_SERVICE_RELOAD_WATCHER_H_
#define LLMGW_SERVICE_RELOAD_WATCHER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "config/gateway_config.h"
#include "service/gateway_server.h"

namespace llmgw {

struct ReloadSource {
  // The --config file ("" = none: only SIGHUP reloads, from the
  // environment).
  std::string config_path;
  // Loads the configuration the way start-up did (file, environment,
  // command-line overrides).
  std::function<absl::StatusOr<GatewayConfig>()> load;
};

// Runs on the main thread once the server is up, until SIGTERM or SIGINT
// (returned). Waits in poll(2) on a signalfd (SIGTERM, SIGINT, SIGHUP, which
// the caller must have blocked in every thread) and an inotify watch on the
// config file's directory, so it costs nothing between events.
//
// SIGHUP, or a change of the config file (an edit, a rename over it, or
// Kubernetes swapping the ConfigMap mount's `..data` symlink; events are
// coalesced for 250 ms and a file whose bytes did not change is ignored),
// reloads: the config is loaded and validated and, if valid, becomes current
// for new calls (GatewayServer::Reload). Each attempt logs one JSON line,
// "config_reloaded" (generation, trigger) or "config_reload_refused" (the
// error; the old config keeps serving), and counts
// llmgw_config_reloads_total{result="ok"|"error"}.
int ServeUntilStopSignal(GatewayServer& server, const ReloadSource& source);

}  // namespace llmgw

#endif  // LLMGW_SERVICE_RELOAD_WATCHER_H_
