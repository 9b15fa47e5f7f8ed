#ifndef LLMGW_PROVIDERS_MINIMAX_MINIMAX_ERRORS_H_
#define LLMGW_PROVIDERS_MINIMAX_MINIMAX_ERRORS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "http/http_types.h"
#include "registry/provider.h"

// MiniMax reports most failures in-band: HTTP 200 with
//
//   {"base_resp": {"status_code": 1008, "status_msg": "insufficient balance"}}
//
// (status_code 0 means success). The codes are documented at
// platform.minimax.io/docs/api-reference/errorcode and in the BaseResp of each
// API reference.
namespace llmgw::minimax {

struct BaseResp {
  int64_t status_code = 0;
  std::string status_msg;
};

// body["base_resp"] when it reports a failure (status_code present and not
// 0), else nullopt.
std::optional<BaseResp> FailedBaseResp(const nlohmann::json& body);

// Classifies a base_resp status code:
//   1000 unknown error, 1001 request timeout, 1013 internal service error,
//     1024 internal error, 1033 system error               -> kTransient
//   1002 rate limit (RPM), 1039 token limit (TPM), 1041 connection limit,
//     2045 rate growth limit, 2056 usage limit exceeded (plan window)
//                                                          -> kRateLimited
//   1004 not authorized / token not match group, 2049 invalid API key,
//     1008 insufficient balance                            -> kKeyInvalid
//   1026 input sensitive, 1042 invisible character ratio limit,
//     2013 invalid params                                  -> kInvalidRequest
//   1027 output sensitive (the request was fine, the generated output was
//     blocked)                                             ->
//     kFailedPrecondition
// For 2013, 1039 and unknown codes the message decides first: a prompt over
// the context window -> kFailedPrecondition; an unknown model ->
// kModelNotFound. Other unknown codes: the HTTP status when it is an error
// (ClassifyHttpStatus), else kTransient.
ErrorClass ClassifyMiniMaxStatus(int64_t status_code,
                                 absl::string_view status_msg, int http_status);

// "<status_msg> (<status_code>)", the form MiniMax uses in its own messages.
std::string MiniMaxErrorMessage(const BaseResp& base_resp);

// A ProviderError for a failed base_resp in a 2xx response (`response`
// supplies the status and the Retry-After / rate-limit headers).
ProviderError ErrorFromBaseResp(const BaseResp& base_resp,
                                const http::HttpResponse& response);

// A ProviderError for a failed base_resp inside a stream (http_status 0).
ProviderError StreamErrorFromBaseResp(const BaseResp& base_resp);

// Classifies a non-2xx response: a failed base_resp (by code), else an
// OpenAI-style {"error": {"message": ...}} or {"error": "..."} (message kept,
// classified by HTTP status), else the HTTP status with a body excerpt.
// Retry-After and rate-limit headers are kept (MakeHttpError).
ProviderError ParseMiniMaxHttpError(const http::HttpResponse& response);

}  // namespace llmgw::minimax

#endif  // LLMGW_PROVIDERS_MINIMAX_MINIMAX_ERRORS_H_
