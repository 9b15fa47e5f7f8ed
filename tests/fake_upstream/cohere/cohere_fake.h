// Internals shared by the files of the fake Cohere v2 format
// (cohere_format.cc has the documentation of what the fake does).

#ifndef LLMGW_TESTS_FAKE_UPSTREAM_COHERE_COHERE_FAKE_H_
#define LLMGW_TESTS_FAKE_UPSTREAM_COHERE_COHERE_FAKE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream::cohere_fake {

// Cohere's error body {"message": ...}.
std::string MessageBody(absl::string_view message);
std::string TraceId(int64_t seq);
// Headers Cohere sends with every reply.
HeaderList CommonHeaders(int64_t seq);
HttpReply ErrorReply(int status, absl::string_view message, int64_t seq);
HttpReply BadRequest(absl::string_view message, int64_t seq);
bool ModelMissing(absl::string_view model);
std::string ModelNotFoundMessage(absl::string_view model);
std::string TypeName(const nlohmann::json& v);
std::string InvalidType(absl::string_view field, absl::string_view expected,
                        const nlohmann::json& got);
// The 401 reply for a request without a usable key, if any.
std::optional<HttpReply> CheckAuth(Exchange& ex);
// Content-Type and a JSON object body, else the 400 reply.
std::optional<HttpReply> CheckJsonBody(Exchange& ex, nlohmann::json* body);

// Validates a chat body (cohere_request.cc); fills `g`. Returns the 400
// message if bad.
std::optional<std::string> ParseChatRequest(const nlohmann::json& body,
                                            GenerationRequest* g);

// POST /v2/embed (cohere_embed.cc).
void Embed(Exchange& ex);

}  // namespace llmgw::fake_upstream::cohere_fake

#endif  // LLMGW_TESTS_FAKE_UPSTREAM_COHERE_COHERE_FAKE_H_
