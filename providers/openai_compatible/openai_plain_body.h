#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_PLAIN_BODY_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_PLAIN_BODY_H_

#include <optional>
#include <string>

#include "providers/openai_compatible/openai_dialect.h"
#include "registry/provider.h"

namespace llmgw::openai_compat {

// The chat request body of a plain request, written as JSON text with no
// nlohmann::json DOM: what most calls send, at a fifth of the instructions
// (docs/benchmarks.md, "Issue 14, fifth pass"). Plain means text-only
// messages of the system, user and assistant roles (no parts,
// images, tool calls or tool results), no tools or tool choice, a text
// response format, and no seed, penalties or end-user id; nullopt for any
// other request, whose body the DOM path builds. The text is byte for byte
// what the DOM path dumps (members in key order, the same escapes); the
// differential test (openai_plain_body_test.cc) holds this.
std::optional<std::string> PlainChatBody(const ChatDialect& dialect,
                                         const ProviderRequest& request,
                                         bool stream);

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_PLAIN_BODY_H_
