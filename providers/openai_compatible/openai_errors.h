#ifndef LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_ERRORS_H_
#define LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_ERRORS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "http/http_types.h"
#include "registry/provider.h"

// Error bodies of OpenAI Chat Completions and of the servers that imitate it.
// Shapes recognised (first match wins):
//
//   {"error": {"message": "...", "type": "...", "param": ..., "code": ...,
//              "metadata": {...}}}       OpenAI, Groq, DeepSeek, Together,
//                                        Fireworks, OpenRouter (numeric code,
//                                        metadata), Ollama, newer vLLM
//   {"error": "...", "error_type": "..."} Hugging Face TGI, Ollama native
//   {"object": "error", "message": "...", "type": "...", "code": 400}
//                                        older vLLM
//   {"detail": "..."} / {"detail": [{"msg": "..."}, ...]}
//                                        FastAPI-based servers (HTTP 422...)
namespace llmgw::openai_compat {

// The parts of an error body the classification looks at.
struct OpenAiErrorFields {
  std::string message;
  // "code" when it is a string ("invalid_api_key", "model_not_found"...).
  std::string code;
  // "code" when it is a number (OpenRouter and vLLM put the HTTP status there).
  int numeric_code = 0;
  // "type" ("invalid_request_error", "insufficient_quota", "tokens"...), or
  // TGI's "error_type".
  std::string type;
  // OpenRouter's moderation/guardrail metadata (metadata.reasons or
  // metadata.flagged_input) is present: the input was flagged.
  bool input_flagged = false;
};

// Extracts the error fields from a parsed body, or nullopt when the body is
// not one of the error shapes above ("error": null counts as no error).
std::optional<OpenAiErrorFields> ExtractOpenAiError(const nlohmann::json& body);

// Classifies an error. `http_status` is the response status (0 for an error
// event inside a stream, 2xx for an error object in a successful body).
// In order:
//   code/type insufficient_quota (HTTP 429!)           -> kKeyInvalid
//   code invalid_api_key, invalid_authentication,
//     account_deactivated; type authentication_error   -> kKeyInvalid
//   code model_not_found                               -> kModelNotFound
//   code context_length_exceeded                       -> kFailedPrecondition
//   OpenRouter input flagged (403 moderation)          -> kInvalidRequest
//   code rate_limit_exceeded; type rate_limit_error, tokens, requests
//                                                      -> kRateLimited, but
//     kFailedPrecondition with HTTP 413 (one request over the per-minute
//     token limit: Groq)
//   4xx (or no HTTP error) whose message says the prompt exceeds the context
//     window ("maximum context length"...)             -> kFailedPrecondition
//   4xx (or no HTTP error) whose message says the model does not exist
//     ("Model Not Exist", "model ... not found")       -> kModelNotFound
//   otherwise the HTTP status (ClassifyHttpStatus; a numeric "code" stands in
//   for it in-stream), then type invalid_request_error -> kInvalidRequest,
//   else kTransient (server_error and unknown in-stream errors).
ErrorClass ClassifyOpenAiError(int http_status,
                               const OpenAiErrorFields& fields);

// "<code>: <message>" when the error has a string code the message does not
// already contain, else the message (or the code when there is no message).
std::string OpenAiErrorMessage(const OpenAiErrorFields& fields);

// A ProviderError for an error reported with a 2xx status or inside a stream
// (`http_status` 0).
ProviderError OpenAiInBandError(const OpenAiErrorFields& fields,
                                int http_status);

// Classifies a non-2xx response: the body shapes above (any other body is
// classified by HTTP status with a short excerpt as message), Retry-After and
// x-ratelimit-* headers kept (MakeHttpError).
ProviderError ParseOpenAiHttpError(const http::HttpResponse& response);

}  // namespace llmgw::openai_compat

#endif  // LLMGW_PROVIDERS_OPENAI_COMPATIBLE_OPENAI_ERRORS_H_
