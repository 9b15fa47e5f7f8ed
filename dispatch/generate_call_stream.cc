// GenerateCall: stream deltas and the stream timers (first token, idle).
#include <utility>

#include "absl/strings/str_cat.h"
#include "dispatch/generate_call.h"

namespace llmgw {

void GenerateCall::SetRichDeltaCallbacks(
    ToolCallDeltaCallback on_tool_call_delta,
    RefusalDeltaCallback on_refusal_delta) {
  on_tool_call_delta_ = std::move(on_tool_call_delta);
  on_refusal_delta_ = std::move(on_refusal_delta);
}

void GenerateCall::MarkOutput() {
  if (!delivered_any_) {
    delivered_any_ = true;
    result_.time_to_first_token = deps_.loop->Now() - input_.arrival;
  }
  if (current_ != nullptr) {
    last_delta_at_ = deps_.loop->Now();
    if (!stream_timer_is_idle_) {
      // The first delta replaces the first-token timer with the idle timer.
      const absl::Duration idle =
          plan_[target_index_].entry->spec.timeouts.stream_idle;
      ArmStreamTimer(
          idle, absl::StrCat("stream idle for ", absl::FormatDuration(idle),
                             " after output had started"));
      stream_timer_is_idle_ = true;
    }
  }
}

void GenerateCall::OnDelta(absl::string_view text) {
  if (finished_ || text.empty()) return;
  MarkOutput();
  if (on_delta_) on_delta_(text);
}

void GenerateCall::OnToolCallDelta(const ToolCallDelta& delta) {
  if (finished_) return;
  MarkOutput();
  delivered_extra_bytes_ += static_cast<int64_t>(
      delta.arguments_json_delta.size() + delta.name.size());
  if (on_tool_call_delta_) on_tool_call_delta_(delta);
}

void GenerateCall::OnRefusalDelta(absl::string_view refusal) {
  if (finished_ || refusal.empty()) return;
  MarkOutput();
  delivered_extra_bytes_ += static_cast<int64_t>(refusal.size());
  if (on_refusal_delta_) on_refusal_delta_(refusal);
}

void GenerateCall::ArmFirstTokenTimer(const Target& target,
                                      const AttemptBudget& budget) {
  if (!input_.stream || delivered_any_) return;
  const absl::Duration first = target.entry->spec.timeouts.first_token;
  if (budget.limit < first) {
    ArmStreamTimer(budget.limit,
                   absl::StrCat("no first token within ",
                                absl::FormatDuration(budget.limit), " (",
                                budget.note, ")"));
  } else {
    ArmStreamTimer(first, absl::StrCat("no first token within ",
                                       absl::FormatDuration(first)));
  }
}

void GenerateCall::ArmStreamTimer(absl::Duration after, std::string detail) {
  CancelStreamTimer();
  if (after <= absl::ZeroDuration() || after == absl::InfiniteDuration()) {
    return;
  }
  stream_timer_detail_ = std::move(detail);
  stream_timer_ = deps_.loop->RunAfter(
      after, [self = shared_from_this()] { self->OnStreamTimeout(); });
}

void GenerateCall::CancelStreamTimer() {
  stream_timer_is_idle_ = false;
  if (stream_timer_) {
    deps_.loop->CancelTimer(*stream_timer_);
    stream_timer_.reset();
  }
}

void GenerateCall::OnStreamTimeout() {
  stream_timer_.reset();
  if (finished_ || current_ == nullptr) return;
  if (stream_timer_is_idle_) {
    // Deltas arrived since the timer was armed: wait for what is left.
    const absl::Duration idle =
        plan_[target_index_].entry->spec.timeouts.stream_idle;
    const absl::Duration quiet = deps_.loop->Now() - last_delta_at_;
    if (quiet < idle) {
      stream_timer_ = deps_.loop->RunAfter(
          idle - quiet,
          [self = shared_from_this()] { self->OnStreamTimeout(); });
      return;
    }
  }
  stream_timeout_ = stream_timer_detail_;
  // Completes the attempt (kCancelled), which OnAttemptDone turns into a
  // timeout.
  current_->Cancel();
}

}  // namespace llmgw
