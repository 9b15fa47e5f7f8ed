// The HTTP front's routes: GET /v1/models and POST /v1/chat/completions
// (authentication, admission, the GenerateCall and its answer). Loop thread
// only.
#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json_log.h"
#include "front/front_impl.h"
#include "service/call_admission.h"

namespace llmgw::front {

namespace {

// The caller's Authorization header value, if any (never logged or echoed).
std::optional<absl::string_view> AuthorizationOf(
    const std::map<std::string, std::string>& headers) {
  auto it = headers.find("authorization");
  if (it == headers.end()) return std::nullopt;
  return absl::string_view(it->second);
}

// The self-declared budget client of an open gateway (as gRPC's
// x-llmgw-client-id); with client keys AdmitCall replaces it by the tenant.
absl::StatusOr<std::string> ClientIdHeader(
    const std::map<std::string, std::string>& headers) {
  auto it = headers.find("x-llmgw-client-id");
  if (it == headers.end()) return std::string();
  if (it->second.size() > 256) {
    return absl::InvalidArgumentError(
        "x-llmgw-client-id is longer than 256 bytes");
  }
  return it->second;
}

absl::Status Error(absl::StatusCode code, std::string message,
                   const std::string& reason) {
  absl::Status s(code, message);
  s.SetPayload("llmgw/reason", absl::Cord(reason));
  return s;
}

// One line per failed call (the dispatch logs its attempts; this ties the
// HTTP request id to the status the caller saw). 4xx answers are the
// caller's to fix and are counted, not logged.
void LogCallFailure(const std::shared_ptr<FrontServer::Impl::Conn>& c,
                    const absl::Status& status, bool streaming) {
  const HttpError e = ToHttpError(status);
  if (e.status < 500) return;
  LogWarning("http_front_call_failed",
             {{"request_id", c->request_id},
              {"http_status", absl::StrCat(e.status)},
              {"code", absl::StatusCodeToString(status.code())},
              {"streaming", streaming ? "true" : "false"},
              {"message", std::string(status.message().substr(0, 512))}});
}

}  // namespace

void FrontServer::Impl::Handle(const ConnPtr& c, const RequestHead& head,
                               std::string body) {
  if (head.path == "/v1/models") {
    c->route = FrontMetrics::kModels;
    if (head.method != "GET") {
      SendError(c, absl::InvalidArgumentError("use GET /v1/models"));
      return;
    }
    Send(c, 200, "application/json",
         ModelsJson(*core_->current()->registry,
                    absl::ToUnixSeconds(loop_->Now())),
         {});
    return;
  }
  if (head.path == "/v1/chat/completions") {
    c->route = FrontMetrics::kChat;
    if (head.method != "POST") {
      SendError(c, absl::InvalidArgumentError("use POST /v1/chat/completions"));
      return;
    }
    HandleChat(c, head, body);
    return;
  }
  SendError(c, Error(absl::StatusCode::kNotFound,
                     absl::StrCat("no route ", head.method, " ", head.path,
                                  ": the gateway serves POST "
                                  "/v1/chat/completions and GET /v1/models"),
                     "NOT_FOUND"));
}

void FrontServer::Impl::HandleChat(const ConnPtr& c, const RequestHead& head,
                                   const std::string& body) {
  absl::StatusOr<Caller> caller =
      core_->gatekeeper().Authenticate(AuthorizationOf(head.headers));
  if (!caller.ok()) {
    SendError(c, caller.status());
    return;
  }
  absl::StatusOr<std::string> client_id = ClientIdHeader(head.headers);
  if (!client_id.ok()) {
    SendError(c, client_id.status());
    return;
  }
  const absl::Time now = loop_->Now();
  absl::StatusOr<ChatRequest> chat =
      ParseChatRequest(body, *client_id, c->request_id, now);
  if (!chat.ok()) {
    SendError(c, chat.status());
    return;
  }
  absl::Duration timeout = options_.request_timeout;
  if (auto it = head.headers.find("x-llmgw-timeout-ms");
      it != head.headers.end()) {
    int64_t ms = 0;
    if (!absl::SimpleAtoi(it->second, &ms) || ms <= 0) {
      SendError(c, absl::InvalidArgumentError(
                       "x-llmgw-timeout-ms must be a positive integer"));
      return;
    }
    timeout = std::min(timeout, absl::Milliseconds(ms));
  }
  chat->input.deadline = now + timeout;
  // Tenant, allowed models and rate limits, as for gRPC; the answer comes
  // inline or on this loop (a Redis rate check).
  auto pending = std::make_shared<ChatRequest>(*std::move(chat));
  AdmitCall(
      *core_, *caller, pending->input,
      [w = std::weak_ptr<Impl>(shared_from_this()), wc = std::weak_ptr<Conn>(c),
       pending, caller = *caller, timeout](absl::Status admitted) {
        auto s = w.lock();
        auto conn = wc.lock();
        if (!s || !conn || conn->fd < 0) return;
        if (!admitted.ok()) {
          s->SendError(conn, admitted);
          return;
        }
        s->StartChat(conn, std::move(*pending), caller, timeout);
      });
}

void FrontServer::Impl::StartChat(const ConnPtr& c, ChatRequest chat_request,
                                  const Caller& caller,
                                  absl::Duration timeout) {
  ChatRequest* chat = &chat_request;
  const absl::Time now = loop_->Now();
  c->completion_id = "chatcmpl-" + c->request_id;
  c->model = chat->model;
  c->include_usage = chat->include_usage;
  c->created = absl::ToUnixSeconds(now);
  c->streaming = false;
  c->first_delta = true;
  c->stream = chat->input.stream;
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  const uint64_t id = next_call_id_++;
  c->call_id = id;
  std::weak_ptr<Impl> w = shared_from_this();
  std::weak_ptr<Conn> wc = c;
  GenerateCall::DeltaCallback on_delta;
  if (chat->input.stream) {
    on_delta = [w, wc](absl::string_view text) {
      auto s = w.lock();
      auto conn = wc.lock();
      if (s && conn && conn->fd >= 0) s->OnDelta(conn, text);
    };
  }
  auto call = GenerateCall::Create(
      core_->dispatch_deps(), std::move(chat->input), std::move(on_delta),
      [w, wc, id, caller](GenerateResult result) {
        auto s = w.lock();
        if (!s) return;
        RecordCallTokens(*s->core_, caller, result);
        {
          absl::MutexLock lock(&s->mu_);
          --s->in_flight_;
        }
        // Destroy the call outside its own callback.
        s->loop_->Post([w, id] {
          if (auto s2 = w.lock()) s2->calls_.erase(id);
        });
        auto conn = wc.lock();
        if (conn && conn->fd >= 0 && conn->call_id == id) {
          s->OnDone(conn, std::move(result));
        }
      });
  calls_[id] = call;
  c->deadline_timer = loop_->RunAfter(timeout, [w, id] {
    auto s = w.lock();
    if (!s) return;
    if (auto it = s->calls_.find(id); it != s->calls_.end()) {
      it->second->Cancel(/*deadline=*/true);
    }
  });
  call->Start();
}

void FrontServer::Impl::OnDelta(const ConnPtr& c, absl::string_view text) {
  if (!c->streaming) SendStreamHead(c);
  SendStreamData(c, ChunkEvent(c->completion_id, c->model, c->created,
                               c->first_delta, text, ""));
  c->first_delta = false;
  if (c->out.size() > options_.max_pending_output_bytes) {
    LogWarning("http_front_slow_reader_cut",
               {{"request_id", c->request_id},
                {"pending_bytes", absl::StrCat(c->out.size())}});
    Close(c);  // the reader is far behind: cut it, cancelling the call
  }
}

void FrontServer::Impl::OnDone(const ConnPtr& c, GenerateResult result) {
  if (c->deadline_timer) loop_->CancelTimer(*c->deadline_timer);
  c->deadline_timer.reset();
  c->call_id = 0;
  if (!result.status.ok() && !c->streaming) {
    LogCallFailure(c, result.status, /*streaming=*/false);
    SendError(c, result.status);
    return;
  }
  const std::string model = result.model.empty() ? c->model : result.model;
  if (!result.status.ok()) {
    // Output was already sent: the error travels as an SSE event, no [DONE].
    const HttpError e = ToHttpError(result.status);
    LogCallFailure(c, result.status, /*streaming=*/true);
    SendStreamData(c, ErrorEvent(e));
    c->keep_alive = false;
    EndRequest(c, e.status);
    return;
  }
  if (!c->stream) {
    const Headers extra = {
        {"x-llmgw-provider", result.provider},
        {"x-llmgw-model", result.model},
        {"x-llmgw-cost-nano-usd", absl::StrCat(result.cost_nano_usd)},
        {"x-llmgw-attempts", absl::StrCat(result.attempts.size())}};
    Send(c, 200, "application/json",
         ChatCompletionJson(result, c->completion_id, c->model, c->created),
         extra);
    return;
  }
  if (!c->streaming) SendStreamHead(c);
  std::string tail =
      ChunkEvent(c->completion_id, model, c->created, c->first_delta, "",
                 FinishReasonString(result.reply.finish_reason));
  if (c->include_usage) {
    absl::StrAppend(&tail, UsageChunkEvent(c->completion_id, model, c->created,
                                           result.reply.usage));
  }
  // An SSE comment (ignored by SDKs): what headers carry for non-streams.
  absl::StrAppend(
      &tail, ": llmgw provider=", result.provider, " model=", result.model,
      " cost_nano_usd=", result.cost_nano_usd, "\n\n", "data: [DONE]\n\n");
  SendStreamData(c, tail);
  EndRequest(c, 200);
}

}  // namespace llmgw::front
