#ifndef LLMGW_PROVIDERS_COMMON_CODEC_UTIL_H_
#define LLMGW_PROVIDERS_COMMON_CODEC_UTIL_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "http/sse_parser.h"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"

// Small pieces every wire format's codec needs, written once.
namespace llmgw {

// "system", "user", "assistant" or "tool": the role names of the chat APIs.
absl::string_view ChatRoleName(MessageRole role);

// A kTransient error "malformed <api> <what>: <excerpt of body>", for a reply
// or stream event that does not parse (`http_status` 0 inside a stream).
ProviderError MalformedError(absl::string_view api, absl::string_view what,
                             int http_status, absl::string_view body);

// The data of one stream event parsed as a JSON object. nullopt with `update`
// untouched for a keep-alive (blank data); nullopt with update.error set
// (MalformedError(api, "stream event", 0, data)) when the data is not a JSON
// object.
std::optional<nlohmann::json> ParseEventObject(const http::SseEvent& event,
                                               absl::string_view api,
                                               StreamUpdate& update);

// A stream decoder for APIs whose events are JSON objects named by a "type"
// member or, failing that, the SSE event name (Anthropic Messages, Cohere v2
// Chat). It ignores keep-alives, reports an event that is not a JSON object as
// a kTransient error, and ignores everything after the first terminal event
// (one whose update has done or an error).
class TypedEventDecoder : public StreamDecoder {
 public:
  // `api` names the API in errors ("Anthropic").
  explicit TypedEventDecoder(absl::string_view api) : api_(api) {}

  StreamUpdate OnEvent(const http::SseEvent& event) final;
  const ProviderReply& Summary() const override { return summary_; }

 protected:
  // One event: its type ("" when it has none), parsed data and raw event.
  virtual void OnTypedEvent(const std::string& type, const nlohmann::json& data,
                            const http::SseEvent& event,
                            StreamUpdate& update) = 0;
  // Reads `data` (the event's data, whitespace stripped, never empty)
  // without a DOM when it has a shape the decoder knows exactly, with the
  // result OnTypedEvent would give; false leaves it to OnTypedEvent.
  virtual bool OnCommonEvent(absl::string_view data, StreamUpdate& update) {
    return false;
  }

  ProviderReply summary_;

 private:
  std::string api_;
  bool finished_ = false;
};

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COMMON_CODEC_UTIL_H_
