#include "tests/fake_upstream/fake_upstream.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "httplib.h"
#include "tests/fake_upstream/socket_server.h"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";

void ControlError(httplib::Response& res, absl::string_view message) {
  res.status = 400;
  res.set_content(json{{"error", std::string(message)}}.dump(), kJson);
}

// The request body parsed as JSON; sends 400 and returns a discarded value
// if it is not JSON.
json ParseControlBody(const httplib::Request& req, httplib::Response& res) {
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) ControlError(res, "request body is not valid JSON");
  return j;
}

// For condition_variable::wait_for, which overflows on huge durations.
std::chrono::nanoseconds WaitTime(absl::Duration timeout) {
  return absl::ToChronoNanoseconds(
      std::clamp(timeout, absl::ZeroDuration(), absl::Hours(24 * 365)));
}

internal::SocketServer::Config SocketConfig(const FakeUpstreamOptions& o) {
  internal::SocketServer::Config c;
  c.read_timeout = o.io_timeout;
  c.write_timeout = o.io_timeout;
  c.keep_alive_timeout = o.keep_alive_timeout;
  c.max_threads = o.max_threads;
  return c;
}

}  // namespace

struct FakeUpstream::Format {
  std::string name;
  std::string base_path;
  std::unique_ptr<WireFormat> format;
};

std::optional<std::string> RecordedRequest::Header(
    absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

json RecordedRequest::JsonBody() const {
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

json RecordedRequest::ToJson() const {
  json h = json::object();
  for (const auto& [k, v] : headers) {
    auto it = h.find(k);
    if (it == h.end()) {
      h[k] = v;
    } else {
      *it = absl::StrCat(it->get<std::string>(), ", ", v);
    }
  }
  return json{{"seq", seq},
              {"method", method},
              {"path", path},
              {"query", query},
              {"headers", std::move(h)},
              {"body", body},
              {"arrival_unix_micros", absl::ToUnixMicros(arrival)},
              {"behavior", behavior}};
}

FakeUpstream::FakeUpstream() : FakeUpstream(Options()) {}

FakeUpstream::FakeUpstream(Options options)
    : options_(std::move(options)),
      routes_(std::make_unique<internal::RoutingServer>()),
      sockets_(std::make_unique<internal::SocketServer>(
          routes_.get(), SocketConfig(options_))) {}

FakeUpstream::~FakeUpstream() { Stop(); }

absl::Status FakeUpstream::Start(const std::string& host, int port) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return absl::FailedPreconditionError("already started");
    started_ = true;
  }
  std::vector<std::string> names =
      options_.formats.empty() ? RegisteredWireFormats() : options_.formats;
  for (const std::string& name : names) {
    std::unique_ptr<WireFormat> format = CreateWireFormat(name);
    if (format == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("wire format \"", name, "\" is not linked (linked: ",
                       absl::StrJoin(RegisteredWireFormats(), ", "), ")"));
    }
    std::string base_path = format->BasePath();
    formats_.push_back(std::make_unique<Format>(
        Format{name, std::move(base_path), std::move(format)}));
  }
  RegisterControlRoutes();
  Routes routes(*this, *routes_);
  for (const auto& f : formats_) f->format->RegisterRoutes(routes);
  RegisterFallbackRoutes();
  host_ = host;
  return sockets_->Start(host, port);
}

void FakeUpstream::Stop() { sockets_->Stop(); }

int FakeUpstream::port() const { return sockets_->port(); }

std::string FakeUpstream::url() const {
  std::string host = host_;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (absl::StrContains(host, ':')) host = absl::StrCat("[", host, "]");
  return absl::StrCat("http://", host, ":", port());
}

std::string FakeUpstream::base_url(absl::string_view format) const {
  for (const auto& f : formats_) {
    if (f->name == format) return absl::StrCat(url(), f->base_path);
  }
  return url();
}

std::vector<std::string> FakeUpstream::formats() const {
  std::vector<std::string> out;
  for (const auto& f : formats_) out.push_back(f->name);
  return out;
}

void FakeUpstream::Enqueue(Behavior behavior) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(behavior));
}

void FakeUpstream::Enqueue(std::vector<Behavior> behaviors) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Behavior& b : behaviors) queue_.push_back(std::move(b));
}

void FakeUpstream::SetDefault(Behavior behavior) {
  std::lock_guard<std::mutex> lock(mu_);
  default_ = std::move(behavior);
}

Behavior FakeUpstream::default_behavior() const {
  std::lock_guard<std::mutex> lock(mu_);
  return default_;
}

std::vector<Behavior> FakeUpstream::QueuedBehaviors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::vector<Behavior>(queue_.begin(), queue_.end());
}

void FakeUpstream::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
  default_ = Behavior();
  records_.clear();
  request_count_ = 0;
  disconnects_ = 0;
}

std::vector<RecordedRequest> FakeUpstream::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::vector<RecordedRequest>(records_.begin(), records_.end());
}

std::optional<RecordedRequest> FakeUpstream::LastRequest() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (records_.empty()) return std::nullopt;
  return records_.back();
}

int64_t FakeUpstream::RequestCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return request_count_;
}

bool FakeUpstream::WaitForRequests(int64_t n, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(
      lock, WaitTime(timeout),
      [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return request_count_ >= n; });
}

int64_t FakeUpstream::Disconnects() const {
  std::lock_guard<std::mutex> lock(mu_);
  return disconnects_;
}

bool FakeUpstream::WaitForDisconnects(int64_t n, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(
      lock, WaitTime(timeout),
      [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return disconnects_ >= n; });
}

FakeUpstreamStats FakeUpstream::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  FakeUpstreamStats s;
  s.requests = request_count_;
  s.disconnects = disconnects_;
  s.queued_behaviors = static_cast<int64_t>(queue_.size());
  return s;
}

int64_t FakeUpstream::Record(const httplib::Request& req) {
  RecordedRequest r;
  r.method = req.method;
  r.path = req.path;
  size_t q = req.target.find('?');
  if (q != std::string::npos) r.query = req.target.substr(q + 1);
  r.headers.reserve(req.headers.size() + 1);
  for (const auto& [k, v] : req.headers) {
    r.headers.emplace_back(absl::AsciiStrToLower(k), v);
  }
  internal::Connection* conn = internal::CurrentConnection();
  if (conn != nullptr && conn->accept_encoding.has_value()) {
    r.headers.emplace_back("accept-encoding", *conn->accept_encoding);
  }
  std::stable_sort(
      r.headers.begin(), r.headers.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  r.body = req.body;
  r.arrival = conn != nullptr ? conn->request_arrival : absl::Now();

  int64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = r.seq = next_seq_++;
    ++request_count_;
    if (options_.max_recorded_requests > 0) {
      if (records_.size() >= options_.max_recorded_requests) {
        records_.pop_front();
      }
      records_.push_back(std::move(r));
    }
  }
  changed_.notify_all();
  return seq;
}

void FakeUpstream::NoteBehavior(int64_t seq, Behavior::Kind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  if (records_.empty()) return;
  // Records are in seq order; recent ones are at the back.
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    if (it->seq == seq) {
      it->behavior = std::string(KindName(kind));
      return;
    }
    if (it->seq < seq) return;
  }
}

Behavior FakeUpstream::TakeBehavior(absl::string_view api_key,
                                    absl::string_view authorization) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!queue_.empty() && queue_.front().MatchesKey(api_key, authorization)) {
    Behavior b = queue_.front();
    if (--queue_.front().times <= 0) queue_.pop_front();
    return b;
  }
  if (default_.MatchesKey(api_key, authorization)) return default_;
  return Behavior::Ok();
}

void FakeUpstream::CountDisconnect() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++disconnects_;
  }
  changed_.notify_all();
}

void FakeUpstream::RegisterControlRoutes() {
  routes_->Post("/__fake/behaviors", [this](const httplib::Request& req,
                                            httplib::Response& res) {
    json j = ParseControlBody(req, res);
    if (j.is_discarded()) return;
    absl::StatusOr<std::vector<Behavior>> list = Behavior::ListFromJson(j);
    if (!list.ok()) return ControlError(res, list.status().message());
    Enqueue(*std::move(list));
    res.set_content(json{{"queued", Stats().queued_behaviors}}.dump(), kJson);
  });
  routes_->Get("/__fake/behaviors",
               [this](const httplib::Request&, httplib::Response& res) {
                 json queue = json::array();
                 for (const Behavior& b : QueuedBehaviors()) {
                   queue.push_back(b.ToJson());
                 }
                 res.set_content(json{{"default", default_behavior().ToJson()},
                                      {"queue", std::move(queue)}}
                                     .dump(),
                                 kJson);
               });
  routes_->Post("/__fake/default",
                [this](const httplib::Request& req, httplib::Response& res) {
                  json j = ParseControlBody(req, res);
                  if (j.is_discarded()) return;
                  absl::StatusOr<Behavior> b = Behavior::FromJson(j);
                  if (!b.ok()) return ControlError(res, b.status().message());
                  SetDefault(*std::move(b));
                  res.set_content(R"({"ok":true})", kJson);
                });
  routes_->Post("/__fake/reset",
                [this](const httplib::Request&, httplib::Response& res) {
                  Reset();
                  res.set_content(R"({"ok":true})", kJson);
                });
  routes_->Get("/__fake/requests",
               [this](const httplib::Request&, httplib::Response& res) {
                 json list = json::array();
                 for (const RecordedRequest& r : Requests()) {
                   list.push_back(r.ToJson());
                 }
                 res.set_content(list.dump(), kJson);
               });
  routes_->Get("/__fake/stats",
               [this](const httplib::Request&, httplib::Response& res) {
                 FakeUpstreamStats s = Stats();
                 res.set_content(json{{"requests", s.requests},
                                      {"disconnects", s.disconnects},
                                      {"queued_behaviors", s.queued_behaviors}}
                                     .dump(),
                                 kJson);
               });
}

void FakeUpstream::RegisterFallbackRoutes() {
  Routes routes(*this, *routes_);
  auto not_found = [](Exchange& ex) {
    const httplib::Request& req = ex.request();
    nlohmann::ordered_json body = {
        {"error",
         {{"message",
           absl::StrCat("Invalid URL (", req.method, " ", req.path, ")")},
          {"type", "invalid_request_error"},
          {"param", nullptr},
          {"code", nullptr}}}};
    ex.SendJson(404, body.dump());
  };
  routes.Get(".*", not_found);
  routes.Post(".*", not_found);
  routes.Put(".*", not_found);
  routes.Delete(".*", not_found);
}

}  // namespace llmgw::fake_upstream
