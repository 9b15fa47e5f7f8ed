// Pieces of the fake Gemini API shared by its files: Google's error replies
// and authentication (gemini_format.cc), the rich-contract checks and
// rendering (gemini_fake_contract.cc) and the embeddings endpoint
// (gemini_fake_embed.cc). Internal to tests/fake_upstream/gemini.
#ifndef LLMGW_TESTS_FAKE_UPSTREAM_GEMINI_GEMINI_FAKE_H_
#define LLMGW_TESTS_FAKE_UPSTREAM_GEMINI_GEMINI_FAKE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream::gemini_fake {

using ojson = nlohmann::ordered_json;

inline constexpr char kJsonType[] = "application/json; charset=UTF-8";

// Headers Google's front end sends with every API reply.
HeaderList CommonHeaders();
// A google.rpc.Status error reply {"error": {code, message, status,
// details}}.
HttpReply GoogleError(int code, absl::string_view message,
                      ojson details = ojson::array());
// 400 with a google.rpc.BadRequest detail, as the JSON transcoder sends it.
HttpReply InvalidJson(absl::string_view message, absl::string_view field);
// 404 "models/<m> is not found for API version v1beta, or is not supported
// for <method>. ...".
HttpReply ModelNotFound(absl::string_view model, absl::string_view method);

// The key and how it was sent, or the error reply for the request.
struct Caller {
  std::string api_key;
  std::optional<HttpReply> error;
};
Caller Authenticate(Exchange& ex, absl::string_view method);

// The rules of the rich contract on a transcoded GenerateContentRequest, in
// the API's words (gemini_fake_contract.cc): tools / functionDeclarations and
// their Schema (unknown fields, types, empty OBJECT properties), toolConfig
// (mode, allowedFunctionNames naming declared functions, only with ANY),
// inlineData (base64, supported image MIME types), fileData (mimeType and an
// https:// or gs:// URI), functionCall only in model turns and
// functionResponse only in user turns, as many responses as the calls of
// the turn before, responseMimeType and responseSchema.
std::optional<HttpReply> CheckContract(const nlohmann::json& body);

// The text a Content contributes to the prompt and to the echo: its text
// parts and its function responses (as JSON), joined with spaces.
std::string ContentText(const nlohmann::json& content);

// {"functionCall": {"name", "args"}} of a fake tool call.
ojson FunctionCallPart(const FakeToolCall& call);

// usageMetadata: promptTokenCount (cached included), candidatesTokenCount
// (reasoning excluded), thoughtsTokenCount and cachedContentTokenCount when
// non-zero, totalTokenCount, promptTokensDetails. `completion` is nullopt
// for a blocked prompt (no candidates).
ojson UsageMetadata(const Usage& usage, std::optional<int64_t> completion);

// POST /v1beta/models/{model}:batchEmbedContents and :embedContent
// (gemini_fake_embed.cc).
void RegisterEmbedRoutes(Routes& routes);

// Value `index` of the fake embedding of `text`: ((FNV-1a-64(text + "#" +
// index) % 2049) - 1024) / 1024, exact in a float.
float FakeEmbeddingValue(const std::string& text, int index);

}  // namespace llmgw::fake_upstream::gemini_fake

#endif  // LLMGW_TESTS_FAKE_UPSTREAM_GEMINI_GEMINI_FAKE_H_
