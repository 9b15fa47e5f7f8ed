#ifndef LLMGW_PROVIDERS_GEMINI_GEMINI_REQUEST_H_
#define LLMGW_PROVIDERS_GEMINI_GEMINI_REQUEST_H_

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "registry/provider.h"

// The GenerateContentRequest body (ai.google.dev/api/generate-content) of a
// chat request:
//
//   contents           user -> "user", assistant -> "model", tool -> "user";
//                      consecutive turns of one role are merged into one
//                      Content (so the results of parallel calls share one
//                      Content, as the API requires). Parts:
//                        text              {"text"}
//                        inline image      {"inlineData": {"mimeType",
//                                          "data": base64}}
//                        data: URL image   the same, from the URL
//                        https:// image    {"fileData": {"mimeType",
//                                          "fileUri"}}; the MIME type is the
//                                          part's, else guessed from the
//                                          path's extension, else refused
//                        tool call         {"functionCall": {"name", "args"}}
//                        tool result       {"functionResponse": {"name",
//                                          "response"}}: the result when it
//                                          is a JSON object, else
//                                          {"output": <text>}
//                      Image MIME types: image/png, image/jpeg, image/webp,
//                      image/heic, image/heif (others, e.g. image/gif, are
//                      refused). An image's detail "low"/"high" becomes
//                      generationConfig.mediaResolution (one for the request;
//                      conflicting details are refused).
//   systemInstruction  every system message's text, joined with "\n\n"
//   tools              [{"functionDeclarations": [{name, description,
//                      parameters (gemini_schema.h; omitted for a function
//                      without arguments)}]}]
//   toolConfig         functionCallingConfig: auto -> AUTO, none -> NONE,
//                      required -> ANY, named -> ANY + allowedFunctionNames
//   generationConfig   maxOutputTokens, temperature, topP, stopSequences,
//                      seed (int32), presencePenalty, frequencyPenalty,
//                      responseMimeType "application/json" (json_object and
//                      json_schema) + responseSchema (json_schema),
//                      mediaResolution; each only when set.
//
// Refused (INVALID_ARGUMENT naming the feature and the API):
// parallel_tool_calls = false (the API cannot limit a turn to one call), a
// seed outside int32, the schema keywords gemini_schema.h refuses, image
// MIME types the API does not take, an https image URL of unknown type.
// end_user_id is not sent: the API has no such field (README.md).
namespace llmgw::gemini {

absl::StatusOr<nlohmann::json> BuildGenerateContentBody(
    const ProviderRequest& request);

}  // namespace llmgw::gemini

#endif  // LLMGW_PROVIDERS_GEMINI_GEMINI_REQUEST_H_
