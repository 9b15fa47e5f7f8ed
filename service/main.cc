// llm_gateway: the server binary. Parses flags, loads configuration, starts
// the GatewayServer, prints the bound ports as one JSON line, reloads the
// configuration on SIGHUP or a change of the --config file
// (service/reload_watcher.h), and on SIGTERM or SIGINT drains in-flight calls
// for the grace period before exiting 0. --check_config validates and exits.
#include <csignal>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/json_log.h"
#include "config/gateway_config.h"
#include "service/config_generation.h"
#include "service/gateway_server.h"
#include "service/reload_watcher.h"

ABSL_FLAG(int, grpc_port, 50051, "gRPC port; 0 picks a free port.");
ABSL_FLAG(int, metrics_port, 9464,
          "Prometheus /metrics port; 0 picks a free port, -1 disables it.");
ABSL_FLAG(int, http_port, -2,
          "OpenAI-compatible HTTP front port (docs/http-front.md); 0 picks a "
          "free port, -1 disables it. Default: the config's http_port, else "
          "off.");
ABSL_FLAG(std::string, host, "",
          "Address to bind both ports to. Default: 0.0.0.0 when client keys "
          "are configured, else 127.0.0.1 (an open gateway stays local).");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve gRPC over TLS (with --tls_key).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: require client certificates signed by it (mTLS).");
ABSL_FLAG(int, tls_refresh_seconds, 10,
          "How often the TLS files are re-read (certificate rotation).");
ABSL_FLAG(bool, grpc_bdp_probe, false,
          "gRPC's HTTP/2 bandwidth-delay-product probe (a PING per call's "
          "data). Off by default: it costs ~9% of the CPU per call; turn it "
          "on for callers across a WAN sending large prompts.");
ABSL_FLAG(int, grpc_callback_threads, 1,
          "How many of gRPC's callback threads serve calls; the rest of its "
          "pool (half the cores, at least 2) is held idle, which saves a "
          "context switch per request and per reply. 0 keeps gRPC's pool.");
ABSL_FLAG(std::string, config, "", "YAML configuration file (optional).");
ABSL_FLAG(std::string, data_dir, "",
          "Directory for durable state (ledger, audit log).");
ABSL_FLAG(bool, check_config, false,
          "Load and validate the configuration (--config and the "
          "environment), print OK or the error, and exit 0 (valid) or 2 "
          "without starting anything.");

namespace llmgw {
namespace {

void LogProviders(const GatewayServer& server) {
  const ProviderRegistry& registry =
      const_cast<GatewayServer&>(server).core().registry();
  for (const auto& entry : registry.entries()) {
    if (entry->configured) {
      LogInfo("provider_configured",
              {{"provider", entry->spec.name},
               {"base_url", entry->base_url},
               {"default_model", entry->spec.default_model},
               {"keys", absl::StrJoin(entry->key_fingerprints, ",")}});
    }
  }
  if (!registry.AnyConfigured()) {
    LogWarning("not_serving", {{"reason", registry.HowToConfigure()}});
    return;
  }
  std::vector<std::string> chain;
  for (const ProviderEntry* e : registry.fallback_chain()) {
    chain.push_back(e->spec.name);
  }
  LogInfo("fallback_chain", {{"chain", absl::StrJoin(chain, " -> ")}});
}

// The listening addresses and TLS files from the flags. Without client keys
// the gateway binds 127.0.0.1 unless --host says otherwise, and warns.
ServerOptions ServerOptionsFromFlags(const GatewayConfig& config) {
  const bool open = !config.auth.any_client_key();
  std::string host = absl::GetFlag(FLAGS_host);
  if (host.empty()) host = open ? "127.0.0.1" : "0.0.0.0";
  if (open) {
    LogWarning("OPEN_GATEWAY_NO_CLIENT_KEYS",
               {{"effect",
                 "no client key is configured: every caller that reaches "
                 "the port is served and can spend the provider budget"},
                {"bind", host},
                {"fix",
                 "set LLMGW_CLIENT_KEYS=name:key or auth.client_keys "
                 "(docs/security.md)"}});
  }
  ServerOptions options;
  options.tls.cert_path = absl::GetFlag(FLAGS_tls_cert);
  options.tls.key_path = absl::GetFlag(FLAGS_tls_key);
  options.tls.client_ca_path = absl::GetFlag(FLAGS_tls_client_ca);
  options.tls.refresh = absl::Seconds(absl::GetFlag(FLAGS_tls_refresh_seconds));
  options.grpc_bdp_probe = absl::GetFlag(FLAGS_grpc_bdp_probe);
  options.grpc_callback_threads = absl::GetFlag(FLAGS_grpc_callback_threads);
  options.grpc_address =
      absl::StrCat(host, ":", absl::GetFlag(FLAGS_grpc_port));
  options.metrics_address =
      absl::GetFlag(FLAGS_metrics_port) < 0
          ? ""
          : absl::StrCat(host, ":", absl::GetFlag(FLAGS_metrics_port));
  int http_port = absl::GetFlag(FLAGS_http_port);
  if (http_port == -2)
    http_port = static_cast<int>(config.http_port.value_or(-1));
  options.http_address =
      http_port < 0 ? "" : absl::StrCat(host, ":", http_port);
  return options;
}

// Blocks the stop signals before any thread starts, so they are only ever
// received by sigwait in ServeUntilStopSignal.
void BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);  // reload, see reload_watcher.h
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
}

// The start-up line operators read to see whether the gateway is open.
void LogSecurityPosture(const GatewayConfig& config,
                        const ServerOptions& options, GatewayServer& server) {
  const auto* limiter = server.core().gatekeeper().limiter();
  LogInfo(
      "security",
      {{"client_keys", absl::StrCat(config.auth.client_keys.size())},
       {"tenants", absl::StrCat(config.auth.tenants.size())},
       {"tls", options.tls.enabled() ? (options.tls.mutual() ? "mtls" : "tls")
                                     : "off"},
       {"rate_limits", limiter != nullptr ? limiter->backend() : "off"}});
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "LLM gateway: gRPC service routing to LLM providers.\n"
      "Providers are configured from the environment (e.g. OPENAI_API_KEY, "
      "OPENAI_API_BASE, LOCAL_LLM_URL, CHAT_PROVIDER) and --config.");
  absl::ParseCommandLine(argc, argv);
  // Debian builds libabsl without NDEBUG, which turns on Mutex deadlock
  // detection (a global lock-order graph updated on every lock): ~5% of CPU
  // per call in profiles. `bazel test --config=tsan` reports lock-order
  // inversions instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  BlockStopSignals();
  std::signal(SIGPIPE, SIG_IGN);

  const EnvLookup env = ProcessEnvironment();
  ReloadSource reload;
  reload.config_path = absl::GetFlag(FLAGS_config);
  reload.load = [&env]() -> absl::StatusOr<GatewayConfig> {
    absl::StatusOr<GatewayConfig> loaded =
        LoadGatewayConfig(absl::GetFlag(FLAGS_config), env);
    if (loaded.ok() && !absl::GetFlag(FLAGS_data_dir).empty()) {
      loaded->data_dir = absl::GetFlag(FLAGS_data_dir);
    }
    return loaded;
  };
  absl::StatusOr<GatewayConfig> config = reload.load();
  if (absl::GetFlag(FLAGS_check_config)) {
    absl::Status checked =
        config.ok() ? CheckGatewayConfig(*config, env) : config.status();
    std::printf("%s\n",
                checked.ok() ? "OK" : std::string(checked.message()).c_str());
    return checked.ok() ? 0 : 2;
  }
  if (!config.ok()) {
    LogError("bad_configuration",
             {{"error", std::string(config.status().message())}});
    return 2;
  }
  const ServerOptions options = ServerOptionsFromFlags(*config);
  absl::StatusOr<std::unique_ptr<GatewayServer>> server =
      GatewayServer::Start(*config, env, options);
  if (!server.ok()) {
    LogError("start_failed",
             {{"error", std::string(server.status().message())}});
    return 1;
  }
  LogProviders(**server);
  LogSecurityPosture(*config, options, **server);
  std::printf(
      "{\"event\":\"listening\",\"grpc_port\":%d,\"metrics_port\":%d,"
      "\"http_port\":%d}\n",
      (*server)->grpc_port(), (*server)->metrics_port(),
      (*server)->http_port());
  std::fflush(stdout);

  const int signal_number = ServeUntilStopSignal(**server, reload);
  LogInfo("draining",
          {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
           {"grace_seconds",
            absl::StrCat(absl::ToDoubleSeconds(config->shutdown_grace))}});
  (*server)->Shutdown(config->shutdown_grace);
  server->reset();
  LogInfo("stopped");
  return 0;
}

}  // namespace
}  // namespace llmgw

int main(int argc, char** argv) { return llmgw::Main(argc, argv); }
