#include "tests/fake_upstream/wire_format.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/fake_upstream/socket_server.h"

namespace llmgw::fake_upstream {
namespace {

using Kind = Behavior::Kind;
using internal::Connection;

std::mutex& RegistryMutex() {
  static auto* mu = new std::mutex();
  return *mu;
}

std::map<std::string, WireFormatFactory>& Registry() {
  static auto* registry = new std::map<std::string, WireFormatFactory>();
  return *registry;
}

// Adds `extra` to `headers`, replacing entries of the same name.
void MergeHeaders(HeaderList* headers, const HeaderList& extra) {
  for (const auto& [name, value] : extra) {
    headers->erase(std::remove_if(headers->begin(), headers->end(),
                                  [&name = name](const auto& h) {
                                    return absl::EqualsIgnoreCase(h.first,
                                                                  name);
                                  }),
                   headers->end());
  }
  headers->insert(headers->end(), extra.begin(), extra.end());
}

// Sets `headers` on `res`; returns the Content-Type among them, if any.
std::optional<std::string> ApplyHeaders(const HeaderList& headers,
                                        httplib::Response& res) {
  std::optional<std::string> content_type;
  for (const auto& [name, value] : headers) {
    if (absl::EqualsIgnoreCase(name, "content-type")) {
      content_type = value;
    } else {
      res.set_header(name, value);
    }
  }
  return content_type;
}

// State shared by a request's handler and its content provider, which runs
// after the handler returned.
class RequestState {
 public:
  explicit RequestState(std::function<void()> on_disconnect)
      : on_disconnect_(std::move(on_disconnect)) {}

  // Counts the client's disconnect once.
  void Disconnected() {
    if (!gone_.exchange(true)) on_disconnect_();
  }

  // Sleeps `d` on `conn`; false if the client left or the server stops.
  bool Wait(Connection* conn, absl::Duration d) {
    if (d <= absl::ZeroDuration()) return true;
    if (conn == nullptr) {
      absl::SleepFor(d);
      return true;
    }
    switch (conn->Wait(d)) {
      case Connection::WaitResult::kElapsed:
        return true;
      case Connection::WaitResult::kPeerClosed:
        Disconnected();
        return false;
      case Connection::WaitResult::kStopping:
        return false;
    }
    return false;
  }

 private:
  const std::function<void()> on_disconnect_;
  std::atomic<bool> gone_{false};
};

constexpr size_t kNever = std::numeric_limits<size_t>::max();

// The bytes of a chunked 200 response and when to misbehave while writing.
struct Plan {
  std::string content_type;
  std::vector<std::string> head;
  std::vector<std::string> deltas;
  std::vector<std::string> tail;
  std::string keep_alive;
  absl::Duration trickle = absl::ZeroDuration();
  absl::Duration keep_alive_interval = absl::Milliseconds(20);
  absl::Duration delta_interval = absl::ZeroDuration();
  // Close the connection before delta #cut_after (deltas.size() = before
  // the tail).
  size_t cut_after = kNever;
  // Go silent for `stall` before delta #stall_after.
  size_t stall_after = kNever;
  absl::Duration stall = absl::ZeroDuration();
};

// Writes `plan`; runs inside httplib's response writer on the worker thread
// serving the connection.
bool RunPlan(const Plan& plan, RequestState& state, httplib::DataSink& sink) {
  Connection* conn = internal::CurrentConnection();
  auto write = [&](const std::string& s) {
    if (s.empty()) return true;
    if (sink.write(s.data(), s.size())) return true;
    state.Disconnected();
    return false;
  };
  auto abort = [&] {
    if (conn != nullptr) conn->Close();
    return false;
  };
  if (plan.trickle > absl::ZeroDuration()) {
    const absl::Time end = absl::Now() + plan.trickle;
    for (;;) {
      if (!write(plan.keep_alive)) return abort();
      absl::Duration left = end - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      if (!state.Wait(conn, std::min(left, plan.keep_alive_interval))) {
        return abort();
      }
    }
  }
  for (const std::string& s : plan.head) {
    if (!write(s)) return abort();
  }
  const size_t n = plan.deltas.size();
  for (size_t i = 0; i <= n; ++i) {
    if (i == plan.cut_after) return abort();
    if (i == plan.stall_after && !state.Wait(conn, plan.stall)) return abort();
    if (i == n) break;
    if (i > 0 && !state.Wait(conn, plan.delta_interval)) return abort();
    if (!write(plan.deltas[i])) return abort();
  }
  for (const std::string& s : plan.tail) {
    if (!write(s)) return abort();
  }
  sink.done();
  return true;
}

Generation MakeGeneration(const GenerationRequest& request,
                          const Behavior& behavior) {
  Generation g;
  g.text = behavior.text.has_value()
               ? *behavior.text
               : absl::StrCat("Echo: ", request.last_user_text);
  if (request.max_tokens.has_value() &&
      *request.max_tokens < CountWords(g.text)) {
    g.text = FirstWords(g.text, *request.max_tokens);
    g.truncated = true;
  }
  g.deltas = SplitDeltas(g.text);
  g.finish_reason_override = behavior.finish_reason;
  g.tool_calls = behavior.tool_calls;
  for (size_t i = 0; i < g.tool_calls.size(); ++i) {
    if (g.tool_calls[i].id.empty()) {
      g.tool_calls[i].id = absl::StrCat("call_", request.seq, "_", i);
    }
  }
  g.refusal = behavior.refusal;
  g.block_reason = behavior.block_reason;
  if (behavior.usage.has_value()) {
    g.usage = *behavior.usage;
  } else {
    for (const std::string& t : request.message_texts) {
      g.usage.prompt_tokens += CountWords(t);
    }
    g.usage.completion_tokens = CountWords(g.text);
  }
  return g;
}

}  // namespace

std::string Generation::FinishReason(absl::string_view stop,
                                     absl::string_view length) const {
  if (finish_reason_override.has_value()) return *finish_reason_override;
  return std::string(truncated ? length : stop);
}

bool RegisterWireFormat(const std::string& name, WireFormatFactory factory) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry()[name] = std::move(factory);
  return true;
}

std::vector<std::string> RegisteredWireFormats() {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  std::vector<std::string> names;
  for (const auto& [name, factory] : Registry()) names.push_back(name);
  return names;
}

std::unique_ptr<WireFormat> CreateWireFormat(absl::string_view name) {
  WireFormatFactory factory;
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    auto it = Registry().find(std::string(name));
    if (it == Registry().end()) return nullptr;
    factory = it->second;
  }
  return factory();
}

int64_t CountWords(absl::string_view text) {
  int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = absl::ascii_isspace(static_cast<unsigned char>(c));
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::vector<std::string> SplitDeltas(absl::string_view text) {
  std::vector<std::string> deltas;
  size_t start = 0;
  size_t i = 0;
  auto is_space = [&](size_t k) {
    return absl::ascii_isspace(static_cast<unsigned char>(text[k]));
  };
  while (i < text.size()) {
    // Skip leading whitespace (only before the first word), the word, then
    // the whitespace after it.
    while (i < text.size() && is_space(i)) ++i;
    while (i < text.size() && !is_space(i)) ++i;
    while (i < text.size() && is_space(i)) ++i;
    deltas.emplace_back(text.substr(start, i - start));
    start = i;
  }
  return deltas;
}

std::string FirstWords(absl::string_view text, int64_t n) {
  if (n <= 0) return "";
  size_t i = 0;
  int64_t words = 0;
  auto is_space = [&](size_t k) {
    return absl::ascii_isspace(static_cast<unsigned char>(text[k]));
  };
  while (i < text.size()) {
    while (i < text.size() && is_space(i)) ++i;
    if (i == text.size()) break;
    while (i < text.size() && !is_space(i)) ++i;
    if (++words == n) break;
  }
  return std::string(text.substr(0, i));
}

std::optional<std::string> Exchange::Header(absl::string_view name) const {
  auto it = req_.headers.find(std::string(name));
  if (it == req_.headers.end()) return std::nullopt;
  return it->second;
}

std::string Exchange::ApiKey() const {
  if (std::optional<std::string> auth = Header("Authorization")) {
    absl::string_view v = *auth;
    if (v.size() > 7 && absl::StartsWithIgnoreCase(v, "bearer ")) {
      return std::string(absl::StripAsciiWhitespace(v.substr(7)));
    }
  }
  if (std::optional<std::string> key = Header("x-api-key")) return *key;
  if (std::optional<std::string> key = Header("x-goog-api-key")) return *key;
  if (req_.has_param("key")) return req_.get_param_value("key");
  return "";
}

absl::StatusOr<nlohmann::json> Exchange::JsonBody() const {
  nlohmann::json j =
      nlohmann::json::parse(req_.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError("request body is not valid JSON");
  }
  return j;
}

void Exchange::Send(const HttpReply& reply) {
  res_.status = reply.status;
  std::optional<std::string> content_type = ApplyHeaders(reply.headers, res_);
  res_.set_content(reply.body, content_type.value_or(reply.content_type));
}

void Exchange::SendJson(int status, const std::string& body,
                        const HeaderList& headers) {
  HttpReply reply;
  reply.status = status;
  reply.body = body;
  reply.headers = headers;
  Send(reply);
}

void Exchange::Generate(GenerationRequest request,
                        const GenerationRenderer& renderer) {
  request.seq = seq_;
  Behavior b = upstream_.TakeBehavior(
      ApiKey(), Header("Authorization").value_or(std::string()));
  upstream_.NoteBehavior(seq_, b.kind);
  Connection* conn = internal::CurrentConnection();
  FakeUpstream* upstream = &upstream_;
  auto state = std::make_shared<RequestState>(
      [upstream] { upstream->CountDisconnect(); });

  if (!state->Wait(conn, b.delay)) {
    if (conn != nullptr) conn->Close();
    return;
  }
  switch (b.kind) {
    case Kind::kReset:
      if (conn != nullptr) conn->Reset();
      return;
    case Kind::kHang:
      state->Wait(conn, b.duration);
      if (conn != nullptr) conn->Close();
      return;
    case Kind::kHttpError: {
      HttpReply reply = renderer.Error(request, b.status);
      reply.status = b.status;
      if (b.body.has_value()) reply.body = *b.body;
      MergeHeaders(&reply.headers, b.headers);
      Send(reply);
      return;
    }
    default:
      break;
  }

  const Generation gen = MakeGeneration(request, b);
  auto plan = std::make_shared<Plan>();
  HeaderList headers;
  if (!request.stream) {
    HttpReply reply = renderer.Reply(request, gen);
    MergeHeaders(&reply.headers, b.headers);
    if (b.kind == Kind::kMalformed) {
      reply.body = b.body.value_or(renderer.MalformedBody());
    }
    if (b.kind == Kind::kOk || b.kind == Kind::kMalformed) {
      Send(reply);  // The cheap path: one write with Content-Length.
      return;
    }
    headers = std::move(reply.headers);
    plan->content_type = reply.content_type;
    plan->keep_alive = " ";  // Leading whitespace is valid JSON.
    if (b.kind == Kind::kCutStream) {
      const size_t half = reply.body.size() / 2;
      plan->deltas = {reply.body.substr(0, half), reply.body.substr(half)};
      plan->cut_after = 1;
    } else {
      plan->deltas = {std::move(reply.body)};
    }
  } else {
    StreamScript script = renderer.Stream(request, gen);
    MergeHeaders(&script.headers, b.headers);
    headers = std::move(script.headers);
    plan->content_type = std::move(script.content_type);
    plan->head = std::move(script.head);
    plan->deltas = std::move(script.deltas);
    plan->tail = std::move(script.tail);
    plan->keep_alive = std::move(script.keep_alive);
    plan->delta_interval = b.delta_interval;
    if (b.kind == Kind::kMalformed) {
      plan->deltas = {b.body.value_or(script.malformed)};
    } else if (b.kind == Kind::kCutStream) {
      plan->cut_after = std::min<size_t>(b.after_deltas, plan->deltas.size());
    }
  }
  if (b.kind == Kind::kTrickle) {
    plan->trickle = b.duration;
    plan->keep_alive_interval = b.keep_alive_interval;
  } else if (b.kind == Kind::kStallStream) {
    plan->stall_after =
        request.stream ? std::min<size_t>(b.after_deltas, plan->deltas.size())
                       : 0;
    plan->stall = b.duration;
  }

  res_.status = 200;
  if (std::optional<std::string> ct = ApplyHeaders(headers, res_)) {
    plan->content_type = *ct;
  }
  res_.set_chunked_content_provider(
      plan->content_type,
      [plan, state](size_t /*offset*/, httplib::DataSink& sink) {
        return RunPlan(*plan, *state, sink);
      });
}

Routes& Routes::Get(const std::string& pattern, Handler handler) {
  server_.Get(pattern, Wrap(std::move(handler)));
  return *this;
}

Routes& Routes::Post(const std::string& pattern, Handler handler) {
  server_.Post(pattern, Wrap(std::move(handler)));
  return *this;
}

Routes& Routes::Put(const std::string& pattern, Handler handler) {
  server_.Put(pattern, Wrap(std::move(handler)));
  return *this;
}

Routes& Routes::Delete(const std::string& pattern, Handler handler) {
  server_.Delete(pattern, Wrap(std::move(handler)));
  return *this;
}

httplib::Server::Handler Routes::Wrap(Handler handler) {
  FakeUpstream* upstream = &upstream_;
  return [upstream, handler = std::move(handler)](const httplib::Request& req,
                                                  httplib::Response& res) {
    Exchange exchange(*upstream, req, res, upstream->Record(req));
    handler(exchange);
  };
}

}  // namespace llmgw::fake_upstream
