// GenerateStream: text, refusal and tool-call deltas as the provider produces
// them (in order), then a summary.
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "service/call_admission.h"
#include "service/call_cancel_gate.h"
#include "service/gateway_service.h"
#include "service/proto_convert.h"

namespace llmgw {
namespace {

namespace pb = ::llmgateway::v1;

// gRPC allows one write in flight per stream. Deltas that arrive while a
// write is in flight are queued; consecutive queued deltas are coalesced into
// one message, so a slow reader costs memory proportional to the text, not to
// the number of chunks.
class GenerateStreamReactor
    : public grpc::ServerWriteReactor<pb::GenerateStreamEvent> {
 public:
  GenerateStreamReactor(GatewayCore* core, grpc::CallbackServerContext* context,
                        const pb::GenerateRequest* request)
      : core_(core), context_(context), arrival_(absl::Now()) {
    core_->metrics().RequestStarted("GenerateStream");
    absl::StatusOr<Caller> caller = AuthenticateCall(*core_, *context);
    if (!caller.ok()) {
      Fail(caller.status());
      return;
    }
    caller_ = *std::move(caller);
    absl::StatusOr<GenerateInput> input =
        ToGenerateInput(*context, *request, arrival_, true);
    if (!input.ok()) {
      Fail(input.status());
      return;
    }
    input_ = *std::move(input);
    AdmitCall(*core_, caller_, *input_, [this](absl::Status admitted) {
      if (!admitted.ok()) {
        Fail(admitted);
        return;
      }
      StartCall();
    });
  }

  void OnWriteDone(bool ok) override {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        // The caller is gone; OnCancel follows and aborts the upstream call.
        queue_.clear();
        client_gone_ = true;
      } else {
        queue_.pop_front();
      }
      action = NextActionLocked();
    }
    Perform(this, action);
  }

  void OnCancel() override {
    cancel_gate_.Cancel(absl::Now() >= DeadlineOf(*context_));
  }

  void OnDone() override { delete this; }

  // As UnaryCallReactor's: OnCancel only posts and OnDone only deletes, so
  // OnDone runs where the call completes, not on gRPC's executor thread.
  // (OnWriteDone is dispatched by gRPC either way.)
  bool InternalInlineable() override { return true; }

 private:
  // Ends the call before any upstream work (auth, validation, admission).
  void Fail(const absl::Status& status) {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      CompleteLocked(status, nullptr);
      action = NextActionLocked();
    }
    Perform(this, action);
  }

  // Runs once admitted (inline, or on the loop after a Redis rate check).
  void StartCall() {
    request_id_ = input_->request.request_id;
    std::shared_ptr<GenerateCall> call = GenerateCall::Create(
        core_->dispatch_deps(), *std::move(input_),
        [this](absl::string_view text) { OnDelta(text); },
        [this](GenerateResult result) {
          RecordCallTokens(*core_, caller_, result);
          OnResult(std::move(result));
        });
    call->SetRichDeltaCallbacks(
        [this](const ToolCallDelta& delta) { OnToolCallDelta(delta); },
        [this](absl::string_view refusal) { OnRefusalDelta(refusal); });
    // on_done may run (and delete this) before Start returns.
    cancel_gate_.Start(std::move(call), absl::Now() >= DeadlineOf(*context_));
  }

  void OnDelta(absl::string_view text) {
    Enqueue(
        [text](pb::GenerateStreamEvent* last) {
          if (last != nullptr && last->has_delta() &&
              last->delta().refusal().empty()) {
            last->mutable_delta()->mutable_text()->append(text.data(),
                                                          text.size());
            return true;
          }
          return false;
        },
        [text](pb::GenerateStreamEvent& event) {
          event.mutable_delta()->set_text(std::string(text));
        });
  }

  // A refusal piece: its own TextDelta (text empty), coalesced only with a
  // queued refusal piece.
  void OnRefusalDelta(absl::string_view refusal) {
    Enqueue(
        [refusal](pb::GenerateStreamEvent* last) {
          if (last != nullptr && last->has_delta() &&
              last->delta().text().empty()) {
            last->mutable_delta()->mutable_refusal()->append(refusal.data(),
                                                             refusal.size());
            return true;
          }
          return false;
        },
        [refusal](pb::GenerateStreamEvent& event) {
          event.mutable_delta()->set_refusal(std::string(refusal));
        });
  }

  // A tool-call piece: always its own event, in order with the text.
  void OnToolCallDelta(const ToolCallDelta& delta) {
    Enqueue([](pb::GenerateStreamEvent*) { return false; },
            [&delta](pb::GenerateStreamEvent& event) {
              pb::ToolCallDelta* d = event.mutable_tool_call_delta();
              d->set_index(delta.index);
              d->set_id(delta.id);
              d->set_name(delta.name);
              d->set_arguments_json_delta(delta.arguments_json_delta);
            });
  }

  // Queues an event: `merge` may fold it into the last queued event that is
  // not being written (returns true when it did); otherwise `fill` builds a
  // new one.
  template <typename Merge, typename Fill>
  void Enqueue(Merge merge, Fill fill) {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      if (client_gone_) return;
      pb::GenerateStreamEvent* last =
          queue_.size() > (writing_ ? 1u : 0u) ? &queue_.back() : nullptr;
      if (!merge(last)) {
        pb::GenerateStreamEvent event;
        fill(event);
        queue_.push_back(std::move(event));
      }
      action = NextActionLocked();
    }
    Perform(this, action);
  }

  void OnResult(GenerateResult result) {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      if (result.status.ok()) {
        pb::GenerateStreamEvent event;
        FillStreamSummary(result, request_id_, event.mutable_summary());
        queue_.push_back(std::move(event));
        CompleteLocked(result.status, nullptr);
      } else {
        // The status carries the message. The usage and cost of a stream
        // broken after output travel in trailing metadata, since no message
        // can follow an error status on a gRPC stream.
        CompleteLocked(result.status, &result);
      }
      action = NextActionLocked();
    }
    Perform(this, action);
  }

  void CompleteLocked(const absl::Status& status, const GenerateResult* broken)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    core_->metrics().RequestFinished("GenerateStream",
                                     absl::StatusCodeToString(status.code()),
                                     absl::Now() - arrival_);
    if (broken != nullptr &&
        (broken->cost_nano_usd > 0 || !broken->reply.text.empty() ||
         !broken->reply.tool_calls.empty())) {
      context_->AddTrailingMetadata("llmgw-cost-nano-usd",
                                    std::to_string(broken->cost_nano_usd));
      context_->AddTrailingMetadata(
          "llmgw-input-tokens",
          std::to_string(broken->reply.usage.input_tokens));
      context_->AddTrailingMetadata(
          "llmgw-output-tokens",
          std::to_string(broken->reply.usage.output_tokens));
    }
    final_status_ =
        ToGrpcStatus(status, broken != nullptr ? &broken->attempts : nullptr);
    finishing_ = true;
  }

  // What to do next; decided under the lock, performed outside it (gRPC may
  // run reactions inline, and OnDone deletes this).
  struct Action {
    const pb::GenerateStreamEvent* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };

  Action NextActionLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Action action;
    if (writing_ || finished_) return action;
    if (!queue_.empty() && !client_gone_) {
      writing_ = true;
      // The front element stays put until OnWriteDone pops it.
      action.write = &queue_.front();
    } else if (finishing_) {
      finished_ = true;
      action.finish = true;
      action.status = final_status_;
    }
    return action;
  }

  // Once mu_ is released, another thread (OnWriteDone on a gRPC thread) may
  // write the rest, finish and delete the reactor, unless `action` holds the
  // next step, which no one else will take. So an empty action must not touch
  // `self` at all, not even to call a member function (found by ASan+UBSan:
  // the loop thread's OnResult called Perform after the stream had finished).
  static void Perform(GenerateStreamReactor* self, const Action& action) {
    if (action.write != nullptr) {
      self->StartWrite(action.write);
    } else if (action.finish) {
      self->Finish(action.status);
    }
  }

  GatewayCore* const core_;
  grpc::CallbackServerContext* const context_;
  const absl::Time arrival_;
  std::string request_id_;
  Caller caller_;
  std::optional<GenerateInput> input_;

  CallCancelGate cancel_gate_;
  absl::Mutex mu_;
  std::deque<pb::GenerateStreamEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool client_gone_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerWriteReactor<pb::GenerateStreamEvent>*
GatewayService::GenerateStream(grpc::CallbackServerContext* context,
                               const pb::GenerateRequest* request) {
  return new GenerateStreamReactor(core_, context, request);
}

}  // namespace llmgw
