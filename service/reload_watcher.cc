#include "service/reload_watcher.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/json_log.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace llmgw {
namespace {

constexpr int kDebounceMs = 250;
constexpr int kRetiredSweepMs = 1000;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

class Reloader {
 public:
  Reloader(GatewayServer& server, const ReloadSource& source)
      : server_(server), source_(source) {
    auto& family = prometheus::BuildCounter()
                       .Name("llmgw_config_reloads_total")
                       .Help(
                           "Configuration reloads (SIGHUP or a change of "
                           "the config file) by result: ok or error.")
                       .Register(*server.core().metrics_registry());
    ok_ = &family.Add({{"result", "ok"}});
    error_ = &family.Add({{"result", "error"}});
    if (!source.config_path.empty()) last_bytes_ = ReadAll(source.config_path);
  }

  // `trigger` is "SIGHUP" or "file".
  void Reload(const std::string& trigger) {
    if (trigger == "file") {
      std::string bytes = ReadAll(source_.config_path);
      if (bytes == last_bytes_) return;  // e.g. an attribute change
      last_bytes_ = std::move(bytes);
    } else if (!source_.config_path.empty()) {
      last_bytes_ = ReadAll(source_.config_path);
    }
    absl::StatusOr<GatewayConfig> config = source_.load();
    absl::Status status = config.ok()
                              ? server_.Reload(*config, ProcessEnvironment())
                              : config.status();
    if (!status.ok()) {
      error_->Increment();
      LogError("config_reload_refused",
               {{"trigger", trigger},
                {"config", source_.config_path},
                {"error", std::string(status.message())},
                {"action", "the previous configuration keeps serving"}});
      return;
    }
    ok_->Increment();
    LogInfo("config_reloaded",
            {{"trigger", trigger},
             {"config", source_.config_path},
             {"generation", absl::StrCat(server_.core().current()->number)}});
  }

 private:
  GatewayServer& server_;
  const ReloadSource& source_;
  prometheus::Counter* ok_ = nullptr;
  prometheus::Counter* error_ = nullptr;
  std::string last_bytes_;
};

int OpenConfigWatch(const std::string& config_path) {
  if (config_path.empty()) return -1;
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return -1;
  const std::string dir = DirectoryOf(config_path);
  if (inotify_add_watch(fd, dir.c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                            IN_MODIFY) < 0) {
    LogWarning("config_watch_failed", {{"dir", dir},
                                       {"error", "inotify_add_watch failed"},
                                       {"action", "reload with SIGHUP"}});
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int ServeUntilStopSignal(GatewayServer& server, const ReloadSource& source) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  const int watch_fd = OpenConfigWatch(source.config_path);
  Reloader reloader(server, source);
  bool file_changed = false;
  int stop_signal = 0;
  while (stop_signal == 0) {
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {watch_fd, POLLIN, 0}};
    // Generations replaced by a reload are released from this thread once
    // no call holds them; while some are held, look again every second.
    const size_t retired_held = server.core().ReleaseIdleGenerations();
    // While a file change is pending, wait for quiet before reloading.
    const int timeout_ms = file_changed       ? kDebounceMs
                           : retired_held > 0 ? kRetiredSweepMs
                                              : -1;
    const int ready = poll(fds, watch_fd >= 0 ? 2 : 1, timeout_ms);
    if (ready == 0 && file_changed) {
      file_changed = false;
      reloader.Reload("file");
      continue;
    }
    if (ready < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      if (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
        if (info.ssi_signo == SIGHUP) {
          reloader.Reload("SIGHUP");
        } else {
          stop_signal = static_cast<int>(info.ssi_signo);
        }
      }
    }
    if (watch_fd >= 0 && (fds[1].revents & POLLIN)) {
      char buffer[4096];
      while (read(watch_fd, buffer, sizeof(buffer)) > 0) {
      }
      file_changed = true;
    }
  }
  if (watch_fd >= 0) close(watch_fd);
  close(signal_fd);
  return stop_signal;
}

}  // namespace llmgw
