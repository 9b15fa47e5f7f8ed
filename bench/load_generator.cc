// llmgw_load: a closed-loop gRPC load generator for the gateway that checks
// every reply's status (h2load and similar tools count HTTP status only, so a
// failing RPC would look like a success there).
//
//   llmgw_load --target=127.0.0.1:50051 --concurrency=64 --duration=10s
//              [--stream] [--model=gpt-4o-mini] [--prompt="..."]
//
// Keeps `concurrency` calls in flight on the callback API (no thread per
// call), for `duration` (after a short warm-up), then prints one JSON line:
// {"requests":N,"ok":N,"errors":{"UNAVAILABLE":N},"rps":X,
//  "latency_ms":{"p50":..,"p90":..,"p99":..,"max":..},
//  "first_event_ms":{"p50":..,"p99":..}}  (streams: time to the first event)
// --write_grpc_frame=FILE writes the request framed for h2load and exits.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "llmgateway/v1/gateway.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Gateway address.");
ABSL_FLAG(int, concurrency, 32, "Calls kept in flight.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "Measured duration.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Unmeasured warm-up.");
ABSL_FLAG(bool, stream, false, "Use GenerateStream instead of Generate.");
ABSL_FLAG(std::string, model, "gpt-4o-mini", "Model to request.");
ABSL_FLAG(std::string, prompt, "Say hello to the load generator please",
          "User message.");
ABSL_FLAG(int, channels, 4, "gRPC channels (connections) to spread calls on.");
ABSL_FLAG(std::string, write_grpc_frame, "",
          "Write the request as one gRPC length-prefixed message to this "
          "file (for h2load -d) and exit.");

namespace {

namespace pb = ::llmgateway::v1;

struct Recorder {
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::vector<double> first_event_ms;  // streams: time to the first event
  std::map<std::string, int64_t> errors;
  int64_t ok = 0;
  std::atomic<bool> measuring{false};
  std::atomic<bool> stopping{false};

  void Record(const grpc::Status& status, absl::Duration latency,
              absl::Duration first_event) {
    if (!measuring.load()) return;
    std::lock_guard<std::mutex> lock(mu);
    if (status.ok()) {
      ++ok;
      latencies_ms.push_back(absl::ToDoubleMilliseconds(latency));
      if (first_event >= absl::ZeroDuration()) {
        first_event_ms.push_back(absl::ToDoubleMilliseconds(first_event));
      }
    } else {
      ++errors[absl::StrCat(status.error_code())];
    }
  }
};

// gRPC and absl share status code numbers and names.
std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// One slot: issues a call, and on completion the next one, until stopping.
class Slot {
 public:
  Slot(pb::LlmGateway::Stub* stub, const pb::GenerateRequest* request,
       Recorder* recorder, std::atomic<int>* live, absl::Notification* all_done)
      : stub_(stub),
        request_(request),
        recorder_(recorder),
        live_(live),
        all_done_(all_done) {}

  void Next() {
    if (recorder_->stopping.load()) {
      if (live_->fetch_sub(1) == 1) all_done_->Notify();
      return;
    }
    start_ = absl::Now();
    first_event_ = absl::InfinitePast();
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    if (absl::GetFlag(FLAGS_stream)) {
      reader_ = std::make_unique<StreamReader>(this);
      stub_->async()->GenerateStream(context_.get(), request_, reader_.get());
      reader_->Begin();
    } else {
      response_.Clear();
      stub_->async()->Generate(context_.get(), request_, &response_,
                               [this](grpc::Status s) { Done(s); });
    }
  }

 private:
  class StreamReader : public grpc::ClientReadReactor<pb::GenerateStreamEvent> {
   public:
    explicit StreamReader(Slot* slot) : slot_(slot) {}
    void Begin() {
      StartRead(&event_);
      StartCall();
    }
    void OnReadDone(bool ok) override {
      if (!ok) return;
      if (slot_->first_event_ == absl::InfinitePast()) {
        slot_->first_event_ = absl::Now();
      }
      StartRead(&event_);
    }
    void OnDone(const grpc::Status& s) override { slot_->Done(s); }

   private:
    Slot* slot_;
    pb::GenerateStreamEvent event_;
  };

  void Done(const grpc::Status& status) {
    const absl::Duration first = first_event_ == absl::InfinitePast()
                                     ? -absl::Seconds(1)
                                     : first_event_ - start_;
    recorder_->Record(status, absl::Now() - start_, first);
    Next();
  }

  pb::LlmGateway::Stub* stub_;
  const pb::GenerateRequest* request_;
  Recorder* recorder_;
  std::atomic<int>* live_;
  absl::Notification* all_done_;
  absl::Time start_;
  absl::Time first_event_;
  std::unique_ptr<grpc::ClientContext> context_;
  pb::GenerateResponse response_;
  std::unique_ptr<StreamReader> reader_;
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  pb::GenerateRequest request;
  request.set_model(absl::GetFlag(FLAGS_model));
  pb::ChatMessage* m = request.add_messages();
  m->set_role(pb::ROLE_USER);
  m->set_content(absl::GetFlag(FLAGS_prompt));
  if (const std::string path = absl::GetFlag(FLAGS_write_grpc_frame);
      !path.empty()) {
    const std::string body = request.SerializeAsString();
    std::string frame(5, '\0');
    for (int i = 0; i < 4; ++i) {
      frame[1 + i] = static_cast<char>((body.size() >> (24 - 8 * i)) & 0xff);
    }
    frame += body;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr ||
        std::fwrite(frame.data(), 1, frame.size(), f) != frame.size() ||
        std::fclose(f) != 0) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 2;
    }
    return 0;
  }

  std::vector<std::unique_ptr<pb::LlmGateway::Stub>> stubs;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    stubs.push_back(pb::LlmGateway::NewStub(
        grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                  grpc::InsecureChannelCredentials(), args)));
  }
  Recorder recorder;
  const int concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  std::atomic<int> live{concurrency};
  absl::Notification all_done;
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < concurrency; ++i) {
    slots.push_back(std::make_unique<Slot>(
        stubs[i % stubs.size()].get(), &request, &recorder, &live, &all_done));
  }
  for (auto& slot : slots) slot->Next();
  absl::SleepFor(absl::GetFlag(FLAGS_warmup));
  recorder.measuring = true;
  const absl::Time start = absl::Now();
  absl::SleepFor(absl::GetFlag(FLAGS_duration));
  recorder.measuring = false;
  const absl::Duration elapsed = absl::Now() - start;
  recorder.stopping = true;
  all_done.WaitForNotificationWithTimeout(absl::Seconds(90));

  std::lock_guard<std::mutex> lock(recorder.mu);
  std::vector<double>& lat = recorder.latencies_ms;
  std::sort(lat.begin(), lat.end());
  std::vector<double>& first = recorder.first_event_ms;
  std::sort(first.begin(), first.end());
  int64_t total = recorder.ok;
  std::string errors;
  for (const auto& [code, n] : recorder.errors) {
    total += n;
    absl::StrAppend(&errors, errors.empty() ? "" : ",", "\"",
                    CodeName(std::stoi(code)), "\":", n);
  }
  std::printf(
      "{\"mode\":\"%s\",\"concurrency\":%d,\"requests\":%lld,\"ok\":%lld,"
      "\"errors\":{%s},\"rps\":%.1f,\"latency_ms\":{\"p50\":%.2f,\"p90\":%.2f,"
      "\"p99\":%.2f,\"max\":%.2f},\"first_event_ms\":{\"p50\":%.2f,"
      "\"p99\":%.2f}}\n",
      absl::GetFlag(FLAGS_stream) ? "stream" : "unary", concurrency,
      static_cast<long long>(total), static_cast<long long>(recorder.ok),
      errors.c_str(), recorder.ok / absl::ToDoubleSeconds(elapsed),
      Percentile(lat, 0.5), Percentile(lat, 0.9), Percentile(lat, 0.99),
      lat.empty() ? 0.0 : lat.back(), Percentile(first, 0.5),
      Percentile(first, 0.99));
  return recorder.errors.empty() ? 0 : 1;
}
