// How a provider wire format plugs into FakeUpstream.
//
// A format is one .cc file with a WireFormat subclass, registered by name
// with FAKE_UPSTREAM_REGISTER_WIRE_FORMAT, in its own cc_library with
// `alwayslink = 1` (so the registration survives linking). The core needs
// no edit: every linked format is served.
//
// The format owns the protocol (routes, auth, request validation, reply
// and error shapes); the core owns the behaviour script: for a valid
// generation request the format fills a GenerationRequest and calls
// Exchange::Generate() with a GenerationRenderer, and the core decides what
// happens (normal reply, injected error, hang, trickle, cut, stall,
// malformed, reset, delays) and writes the bytes the renderer produced.
//
//   class EchoFormat : public WireFormat {
//    public:
//     std::string BasePath() const override { return "/v1"; }
//     void RegisterRoutes(Routes& routes) override {
//       routes.Post("/v1/messages", [this](Exchange& ex) { Messages(ex); });
//     }
//    private:
//     class Renderer : public GenerationRenderer { ... };
//     void Messages(Exchange& ex) {
//       if (ex.ApiKey().empty()) return ex.SendJson(401, R"({"error":..})");
//       absl::StatusOr<nlohmann::json> body = ex.JsonBody();
//       if (!body.ok()) return ex.SendJson(400, R"({"error":..})");
//       GenerationRequest g;
//       g.model = (*body)["model"];
//       g.message_texts = ...;      // every message's text
//       g.last_user_text = ...;
//       g.stream = body->value("stream", false);
//       g.body = *std::move(body);
//       ex.Generate(std::move(g), renderer_);
//     }
//     Renderer renderer_;
//   };
//   FAKE_UPSTREAM_REGISTER_WIRE_FORMAT("echo", EchoFormat);
//
// Handlers run concurrently on worker threads: formats must be thread-safe
// (keep them stateless, or use atomics).

#ifndef LLMGW_TESTS_FAKE_UPSTREAM_WIRE_FORMAT_H_
#define LLMGW_TESTS_FAKE_UPSTREAM_WIRE_FORMAT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/behavior.h"
#include "tests/fake_upstream/fake_upstream.h"

namespace llmgw::fake_upstream {

// A complete HTTP reply.
struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;
};

// A valid generation request, as parsed by a format.
struct GenerationRequest {
  std::string model;
  // Text of every message (system, user, assistant, tool...), in order.
  // Their whitespace-separated words are the prompt tokens.
  std::vector<std::string> message_texts;
  // Text of the last user message; the reply echoes it.
  std::string last_user_text;
  bool stream = false;
  // Reply length limit in words (the format's max_tokens), if any.
  std::optional<int64_t> max_tokens;
  // The parsed request body, for format-specific rendering.
  nlohmann::json body;
  // Set by Exchange::Generate to Exchange::seq(): unique per server, handy
  // for reply ids.
  int64_t seq = 0;
};

// The answer the core decided on.
struct Generation {
  // Full reply text (after a Behavior text override and max_tokens).
  std::string text;
  // `text` split word by word; concatenated they equal `text`.
  std::vector<std::string> deltas;
  // True when max_tokens cut the reply short.
  bool truncated = false;
  // A Behavior's finish_reason override, to be sent verbatim.
  std::optional<std::string> finish_reason_override;
  Usage usage;
  // A Behavior's tool calls (ids filled in: "call_<seq>_<index>" when the
  // behaviour gave none), refusal and block reason. With tool calls the
  // format's finish reason is its "tool calls" one unless overridden; the
  // text may still be sent before them.
  std::vector<FakeToolCall> tool_calls;
  std::optional<std::string> refusal;
  std::optional<std::string> block_reason;

  // The override if any, else `length` when truncated, else `stop`.
  std::string FinishReason(absl::string_view stop,
                           absl::string_view length) const;
};

// A streamed reply as raw byte pieces; each piece is written (and flushed)
// as one chunk. The core cuts or stalls between `deltas`.
struct StreamScript {
  std::string content_type = "text/event-stream";
  HeaderList headers;
  // Pieces before the first content delta (e.g. the role chunk).
  std::vector<std::string> head;
  // One piece per Generation delta.
  std::vector<std::string> deltas;
  // Pieces after the last delta, terminal events included.
  std::vector<std::string> tail;
  // Written repeatedly by kTrickle before `head`.
  std::string keep_alive = ": keep-alive\n\n";
  // kMalformed: written in place of `deltas`.
  std::string malformed = "data: {\"malformed\": tru\n\n";
};

// Renders the replies of one generation endpoint. Must be thread-safe.
class GenerationRenderer {
 public:
  virtual ~GenerationRenderer() = default;
  // The 200 reply of a non-streaming request.
  virtual HttpReply Reply(const GenerationRequest& request,
                          const Generation& generation) const = 0;
  // The 200 reply of a streaming request.
  virtual StreamScript Stream(const GenerationRequest& request,
                              const Generation& generation) const = 0;
  // The realistic error reply (body and headers, e.g. Retry-After on 429)
  // this provider sends with `status`, used by kHttpError.
  virtual HttpReply Error(const GenerationRequest& request,
                          int status) const = 0;
  // The non-streaming body of kMalformed.
  virtual std::string MalformedBody() const { return "{\"malformed\": tru"; }
};

// One request being served, handed to a format's route handler.
class Exchange {
 public:
  const httplib::Request& request() const { return req_; }
  httplib::Response& response() { return res_; }
  FakeUpstream& upstream() { return upstream_; }
  // The recorded request's seq: unique per server, handy for reply ids.
  int64_t seq() const { return seq_; }

  // First value of request header `name` (any case).
  std::optional<std::string> Header(absl::string_view name) const;
  // The API key: the token of "Authorization: Bearer <key>", else
  // x-api-key, else x-goog-api-key, else the "key" query parameter, else "".
  std::string ApiKey() const;
  absl::StatusOr<nlohmann::json> JsonBody() const;

  void Send(const HttpReply& reply);
  void SendJson(int status, const std::string& body,
                const HeaderList& headers = {});

  // Runs the behaviour script for a valid generation request: takes the
  // next Behavior, computes the Generation and sends what the renderer
  // produced, misbehaving as told. Call once, as the handler's last step.
  void Generate(GenerationRequest request, const GenerationRenderer& renderer);

 private:
  friend class Routes;
  Exchange(FakeUpstream& upstream, const httplib::Request& req,
           httplib::Response& res, int64_t seq)
      : upstream_(upstream), req_(req), res_(res), seq_(seq) {}

  FakeUpstream& upstream_;
  const httplib::Request& req_;
  httplib::Response& res_;
  const int64_t seq_;
};

// Where a format registers its routes. Patterns are httplib regexes
// (std::regex, full match on the path); captures land in
// request().matches. Requests to these routes are recorded before the
// handler runs.
class Routes {
 public:
  using Handler = std::function<void(Exchange&)>;

  Routes& Get(const std::string& pattern, Handler handler);
  Routes& Post(const std::string& pattern, Handler handler);
  Routes& Put(const std::string& pattern, Handler handler);
  Routes& Delete(const std::string& pattern, Handler handler);

 private:
  friend class FakeUpstream;
  Routes(FakeUpstream& upstream, httplib::Server& server)
      : upstream_(upstream), server_(server) {}
  httplib::Server::Handler Wrap(Handler handler);

  FakeUpstream& upstream_;
  httplib::Server& server_;
};

class WireFormat {
 public:
  virtual ~WireFormat() = default;
  // Path prefix clients configure after the host, e.g. "/v1"; base_url()
  // returns url() + this.
  virtual std::string BasePath() const = 0;
  virtual void RegisterRoutes(Routes& routes) = 0;
};

using WireFormatFactory = std::function<std::unique_ptr<WireFormat>()>;

// Registers a format under `name`; returns true (for static initializers).
bool RegisterWireFormat(const std::string& name, WireFormatFactory factory);
// Names of the registered (linked) formats, sorted.
std::vector<std::string> RegisteredWireFormats();
std::unique_ptr<WireFormat> CreateWireFormat(absl::string_view name);

// Number of whitespace-separated words in `text`.
int64_t CountWords(absl::string_view text);
// `text` word by word, each word keeping the whitespace after it (leading
// whitespace goes with the first word).
std::vector<std::string> SplitDeltas(absl::string_view text);
// The prefix of `text` holding its first `n` words (no trailing space).
std::string FirstWords(absl::string_view text, int64_t n);

#define FAKE_UPSTREAM_REGISTER_WIRE_FORMAT(name, Class)                 \
  [[maybe_unused]] static const bool fake_upstream_registered_##Class = \
      ::llmgw::fake_upstream::RegisterWireFormat(                       \
          name, [] { return std::make_unique<Class>(); })

}  // namespace llmgw::fake_upstream

#endif  // LLMGW_TESTS_FAKE_UPSTREAM_WIRE_FORMAT_H_
