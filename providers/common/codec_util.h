#ifndef LLMGW_PROVIDERS_COMMON_CODEC_UTIL_H_
#define LLMGW_PROVIDERS_COMMON_CODEC_UTIL_H_

#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/string_view.h"
#include "http/sse_parser.h"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"

// Small pieces every wire format's codec needs, written once.
namespace llmgw {

// "system", "user" or "assistant": the role names of the chat APIs.
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

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COMMON_CODEC_UTIL_H_
