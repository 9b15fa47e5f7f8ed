#ifndef LLMGW_FRONT_FRONT_IMPL_H_
#define LLMGW_FRONT_FRONT_IMPL_H_

// Internal to front/: the HTTP front's state, shared by front_server.cc
// (listen, accept, shutdown), front_connection.cc (socket I/O, parsing,
// framing answers) and front_chat.cc (routes and the chat call). Everything
// here runs on the core's event loop thread, except the shutdown waits.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "dispatch/generate_call.h"
#include "front/front_metrics.h"
#include "front/front_server.h"
#include "front/http_parse.h"
#include "front/openai_mapping.h"
#include "http/event_loop.h"
#include "service/gateway_core.h"

namespace llmgw::front {

using Headers = std::vector<std::pair<std::string, std::string>>;

class FrontServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  struct Conn {
    explicit Conn(const ParseLimits& limits) : parser(limits) {}
    int fd = -1;
    std::string in;  // received bytes the parser has not consumed yet
    RequestParser parser;
    bool receiving = false;  // a request's first byte arrived: deadline armed
    std::string out;
    bool busy = false;         // a request is being answered
    bool close_after = false;  // close once `out` is flushed
    bool keep_alive = true;
    bool http10 = false;
    bool streaming = false;  // SSE head sent
    bool first_delta = true;
    bool stream = false;  // the request asked for SSE
    std::optional<http::EventLoop::TimerId> timer;
    std::optional<http::EventLoop::TimerId> deadline_timer;
    uint64_t call_id = 0;
    // The request being answered.
    FrontMetrics::Route route = FrontMetrics::kOther;
    absl::Time received_at;  // the request's receipt, for its latency
    std::string request_id;
    std::string completion_id;
    std::string model;
    bool include_usage = false;
    int64_t created = 0;
  };

  Impl(GatewayCore* core, const FrontOptions& options,
       prometheus::Registry* registry)
      : core_(core),
        options_(options),
        limits_{options.max_request_line, options.max_header_bytes,
                options.max_headers, options.max_body_bytes},
        loop_(&core->loop()),
        metrics_(registry) {}

  absl::StatusOr<int> Listen(const std::string& address);
  void StartAccepting() {
    loop_->Post([self = shared_from_this()] {
      self->loop_->WatchFd(self->listen_fd_, http::EventLoop::kReadable,
                           [w = std::weak_ptr<Impl>(self)](int) {
                             if (auto s = w.lock()) s->OnAccept();
                           });
    });
  }
  void BeginShutdown();
  void FinishShutdown(absl::Time deadline);
  void CloseAll();

 private:
  using ConnPtr = std::shared_ptr<Conn>;

  void OnAccept();
  std::string NewRequestId() {
    return absl::StrCat(
        absl::Hex(absl::Uniform<uint64_t>(bitgen_), absl::kZeroPad16),
        absl::Hex(absl::Uniform<uint64_t>(bitgen_), absl::kZeroPad16));
  }
  void OnEvent(const ConnPtr& c, int events);
  void UpdateWatch(const ConnPtr& c);
  void ArmTimer(const ConnPtr& c, absl::Duration after);
  void TryParse(const ConnPtr& c);
  void Handle(const ConnPtr& c, const RequestHead& head, std::string body);
  void RefuseRequest(const ConnPtr& c, int status, const std::string& why);
  void HandleChat(const ConnPtr& c, const RequestHead& head,
                  const std::string& body);
  void StartChat(const ConnPtr& c, ChatRequest chat, const Caller& caller,
                 absl::Duration timeout);
  void OnDelta(const ConnPtr& c, absl::string_view text);
  void OnDone(const ConnPtr& c, GenerateResult result);
  void Send(const ConnPtr& c, int status, const std::string& content_type,
            const std::string& body, const Headers& extra);
  void SendError(const ConnPtr& c, const absl::Status& status);
  void SendStreamHead(const ConnPtr& c);
  void SendStreamData(const ConnPtr& c, absl::string_view data);
  void EndRequest(const ConnPtr& c, int status);
  void Flush(const ConnPtr& c);
  void Close(const ConnPtr& c);
  // Counts the request and observes its latency (front_metrics.h).
  void Count(const ConnPtr& c, int status) {
    metrics_.Record(c->route, status, loop_->Now() - c->received_at);
  }

  GatewayCore* const core_;
  const FrontOptions options_;
  const ParseLimits limits_;
  http::EventLoop* const loop_;
  int listen_fd_ = -1;
  // Loop-thread state.
  std::map<int, ConnPtr> conns_;
  std::map<uint64_t, std::shared_ptr<GenerateCall>> calls_;
  uint64_t next_call_id_ = 1;
  bool draining_ = false;
  absl::BitGen bitgen_;
  FrontMetrics metrics_;

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace llmgw::front

#endif  // LLMGW_FRONT_FRONT_IMPL_H_
