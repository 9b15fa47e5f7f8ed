// grpc_floor_server: the floor under the gateway's CPU per call. It serves
// the gateway's own gRPC service (llmgateway.v1.LlmGateway) with the same
// gRPC build, server settings and callback API, but does no work: Generate
// answers a fixed reply, GenerateStream writes a fixed number of deltas and a
// summary. Whatever CPU per call it spends under bench/llmgw_load is spent in
// gRPC and the kernel, and no gateway change can go below it.
//
//   grpc_floor_server [--hop] [--deltas=8]   (prints {"grpc_port":N})
//
// --hop answers from a second thread (an http::EventLoop, as the gateway
// does: the call is posted to its loop and finished there), which shows what
// one hand-off between gRPC's threads and the loop costs per call.
//
// --upstream=URL (with --hop) makes every unary call first POST a fixed
// chat request to URL through the gateway's own http::HttpClient (libcurl
// multi on the loop) and wait for the reply, as the gateway's upstream half
// does; with --commit_to as well, this server is the gateway's request path
// with nothing of the gateway's own in it (no routing, JSON, pricing, budget
// arithmetic, metrics or audit): the floor under its latency.
//
// --commit_to=PATH (with --hop) also records every unary call's charge
// through the gateway's own SQLite writer (bench/floor_ledger.h) and answers
// only once it is committed: from the loop, after the writer posts back, or
// with --reply_from_writer straight from the writer thread (as the gateway's
// unary calls do).
//
// --report_phases times each unary call's phases as the gateway's
// llmgw_call_phase_seconds names them (queued, dispatch, upstream, commit,
// reply); each SIGUSR1 prints their p50/p90 since the previous one as a JSON
// line on stdout (bench/compare's open-loop rows).
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "bench/floor_ledger.h"
#include "bench/phase_samples.h"
#include "http/event_loop.h"
#include "http/http_client.h"
#include "llmgateway/v1/gateway.grpc.pb.h"
#include "service/grpc_callback_threads.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(int, port, 0, "gRPC port (0: any free port).");
ABSL_FLAG(bool, hop, false,
          "Finish every call from an event loop thread, not gRPC's.");
ABSL_FLAG(int, deltas, 8, "Text deltas per streamed call.");
ABSL_FLAG(int, delay_ms, 0,
          "With --hop: answer each unary call after this delay (a loop "
          "timer), to hold many calls in flight and measure gRPC's memory "
          "per call.");
ABSL_FLAG(std::string, commit_to, "",
          "With --hop: commit each unary call's charge to this SQLite file "
          "before answering.");
ABSL_FLAG(bool, reply_from_writer, false,
          "With --commit_to: answer from the ledger's writer thread instead "
          "of posting back to the loop.");
ABSL_FLAG(std::string, upstream, "",
          "With --hop: POST a chat request to this URL before answering.");
ABSL_FLAG(bool, report_phases, false,
          "With --hop: time each unary call's phases (the gateway's "
          "llmgw_call_phase_seconds); SIGUSR1 prints their quantiles since "
          "the last SIGUSR1 as one JSON line on stdout.");
ABSL_FLAG(bool, grpc_bdp_probe, false,
          "gRPC's HTTP/2 BDP probe, as the gateway's --grpc_bdp_probe.");
ABSL_FLAG(int, grpc_callback_threads, 1,
          "gRPC callback threads that serve calls, the rest held, as the "
          "gateway's --grpc_callback_threads (0: gRPC's whole pool).");

namespace {

namespace pb = ::llmgateway::v1;

void FillUsage(pb::Usage* usage) {
  usage->set_input_tokens(12);
  usage->set_output_tokens(10);
}

// Writes `deltas` text deltas then a summary, one write at a time.
class FloorStream : public grpc::ServerWriteReactor<pb::GenerateStreamEvent> {
 public:
  FloorStream(int deltas, llmgw::http::EventLoop* loop)
      : left_(deltas), loop_(loop) {
    if (loop_ == nullptr) {
      Next();
    } else {
      loop_->Post([this] { Next(); });
    }
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    if (left_ < 0) return;  // the last write; OnDone follows
    if (loop_ == nullptr) {
      Next();
    } else {
      loop_->Post([this] { Next(); });
    }
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    event_.Clear();
    if (left_ > 0) {
      --left_;
      event_.mutable_delta()->set_text("tok ");
      StartWrite(&event_);
    } else if (left_ == 0) {
      --left_;
      pb::StreamSummary* summary = event_.mutable_summary();
      summary->set_provider("openai");
      summary->set_model("gpt-4o-mini");
      FillUsage(summary->mutable_usage());
      StartWriteLast(&event_, grpc::WriteOptions());
      Finish(grpc::Status::OK);
    }
  }
  int left_;
  llmgw::http::EventLoop* loop_;
  pb::GenerateStreamEvent event_;
};

using Stamps = std::shared_ptr<llmgw::bench::PhaseSamples::CallStamps>;

// Records `field` of the call's stamps now (no-op without --report_phases).
void Stamp(const Stamps& stamps,
           int64_t llmgw::bench::PhaseSamples::CallStamps::*field) {
  if (stamps != nullptr) (*stamps).*field = absl::GetCurrentTimeNanos();
}

class FloorService final : public pb::LlmGateway::CallbackService {
 public:
  FloorService(int deltas, int delay_ms, llmgw::http::EventLoop* loop,
               llmgw::http::HttpClient* upstream,
               llmgw::bench::FloorLedger* ledger,
               llmgw::bench::PhaseSamples* phases)
      : deltas_(deltas),
        delay_ms_(delay_ms),
        loop_(loop),
        upstream_(upstream),
        ledger_(ledger),
        phases_(phases) {}

  grpc::ServerUnaryReactor* Generate(grpc::CallbackServerContext* context,
                                     const pb::GenerateRequest* request,
                                     pb::GenerateResponse* response) override {
    using CallStamps = llmgw::bench::PhaseSamples::CallStamps;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    Stamps stamps;
    if (phases_ != nullptr) {
      stamps = std::make_shared<CallStamps>();
      Stamp(stamps, &CallStamps::arrival);
    }
    auto answer = [this, request, response, reactor, stamps] {
      Stamp(stamps, &CallStamps::committed);
      response->set_text("Hello from the floor server, a fixed reply.");
      response->set_provider("openai");
      response->set_model(request->model());
      FillUsage(response->mutable_usage());
      reactor->Finish(grpc::Status::OK);
      if (stamps != nullptr) {
        Stamp(stamps, &CallStamps::replied);
        phases_->Add(*stamps);
      }
    };
    if (loop_ == nullptr) {
      answer();
    } else if (delay_ms_ > 0) {
      loop_->RunAfter(absl::Milliseconds(delay_ms_), std::move(answer));
    } else {
      loop_->Post([this, stamps, answer = std::move(answer)]() mutable {
        Stamp(stamps, &CallStamps::loop);
        Exchange(std::move(answer), stamps);
      });
    }
    return reactor;
  }

  grpc::ServerWriteReactor<pb::GenerateStreamEvent>* GenerateStream(
      grpc::CallbackServerContext*, const pb::GenerateRequest*) override {
    return new FloorStream(deltas_, loop_);
  }

 private:
  // Loop thread: the upstream exchange (if any), then Commit.
  template <typename Answer>
  void Exchange(Answer answer, const Stamps& stamps) {
    using CallStamps = llmgw::bench::PhaseSamples::CallStamps;
    if (upstream_ == nullptr) return Commit(std::move(answer));
    llmgw::http::HttpRequest request;
    request.url = upstream_url_;
    request.headers = {{"content-type", "application/json"},
                       {"authorization", "Bearer sk-floor"}};
    request.body =
        R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
    llmgw::http::HttpHandlers handlers;
    handlers.on_complete = [this, stamps, answer = std::move(answer)](
                               llmgw::http::HttpResult) mutable {
      Stamp(stamps, &CallStamps::answered);
      Commit(std::move(answer));
    };
    upstream_->Send(std::move(request), std::move(handlers));
    Stamp(stamps, &CallStamps::sent);
  }

  // Loop thread: the durable commit (if any), then the answer.
  template <typename Answer>
  void Commit(Answer answer) {
    if (ledger_ == nullptr) return answer();
    ledger_->Commit(1250, [this, answer = std::move(answer)]() mutable {
      if (reply_from_writer_) {
        answer();
      } else {
        loop_->Post(std::move(answer));
      }
    });
  }

  const int deltas_;
  const int delay_ms_;
  llmgw::http::EventLoop* const loop_;
  llmgw::http::HttpClient* const upstream_;
  const std::string upstream_url_ = absl::GetFlag(FLAGS_upstream);
  llmgw::bench::FloorLedger* const ledger_;
  llmgw::bench::PhaseSamples* const phases_;
  const bool reply_from_writer_ = absl::GetFlag(FLAGS_reply_from_writer);
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Blocked before any thread starts, so every thread inherits the mask and
  // sigwait below receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::unique_ptr<llmgw::http::EventLoop> loop;
  if (absl::GetFlag(FLAGS_hop)) {
    absl::StatusOr<std::unique_ptr<llmgw::http::EventLoop>> created =
        llmgw::http::EventLoop::Create("floor-loop");
    if (!created.ok()) {
      std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
      return 1;
    }
    loop = *std::move(created);
  }
  std::unique_ptr<llmgw::bench::FloorLedger> ledger;
  if (loop != nullptr && !absl::GetFlag(FLAGS_commit_to).empty()) {
    ledger = llmgw::bench::FloorLedger::Open(absl::GetFlag(FLAGS_commit_to));
    if (ledger == nullptr) return 1;
  }
  std::unique_ptr<llmgw::http::HttpClient> upstream;
  if (loop != nullptr && !absl::GetFlag(FLAGS_upstream).empty()) {
    upstream = llmgw::http::HttpClient::Create(loop.get());
  }
  std::unique_ptr<llmgw::bench::PhaseSamples> phases;
  if (loop != nullptr && absl::GetFlag(FLAGS_report_phases)) {
    phases = std::make_unique<llmgw::bench::PhaseSamples>();
  }
  FloorService service(absl::GetFlag(FLAGS_deltas),
                       absl::GetFlag(FLAGS_delay_ms), loop.get(),
                       upstream.get(), ledger.get(), phases.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_host) + ":" +
                               std::to_string(absl::GetFlag(FLAGS_port)),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(16 << 20);  // as the gateway
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE,
                             absl::GetFlag(FLAGS_grpc_bdp_probe) ? 1 : 0);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "grpc_floor_server: cannot listen\n");
    return 1;
  }
  auto hold = llmgw::GrpcCallbackThreadHold::Start(
      server.get(), absl::GetFlag(FLAGS_grpc_callback_threads));
  std::printf("{\"grpc_port\":%d,\"listening\":true}\n", port);
  std::fflush(stdout);
  int sig = 0;
  while (sigwait(&set, &sig) == 0 && sig == SIGUSR1) {
    const std::string report =
        phases != nullptr ? phases->ReportAndReset() : "{\"calls\":0}";
    std::printf("%s\n", report.c_str());
    std::fflush(stdout);
  }
  hold->Release();
  server->Shutdown();
  hold.reset();
  upstream.reset();
  ledger.reset();  // after every call that could still commit
  return 0;
}
