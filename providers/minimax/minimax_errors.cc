#include "providers/minimax/minimax_errors.h"

#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"
#include "providers/openai_compatible/openai_dialect.h"

namespace llmgw::minimax {
namespace {

using nlohmann::json;
using openai_compat::ContainsAny;

// `message` lower-cased.
bool LooksLikeContextTooLong(absl::string_view message) {
  return ContainsAny(
      message, {"context window", "context length", "context_length",
                "prompt is too long", "input is too long", "input too long",
                "exceeds the maximum input", "exceed the maximum input"});
}

// `message` lower-cased.
bool LooksLikeUnknownModel(absl::string_view message) {
  return absl::StrContains(message, "model") &&
         ContainsAny(message, {"not exist", "not found", "unknown model",
                               "not support", "invalid model"});
}

std::optional<int64_t> Integer(const json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_unsigned())
    return static_cast<int64_t>(value.get<uint64_t>());
  if (value.is_number_float()) return std::llround(value.get<double>());
  if (value.is_string()) {
    // Some gateways in front of MiniMax quote the code.
    const std::string& text = value.get_ref<const std::string&>();
    char* end = nullptr;
    long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && end != nullptr && *end == '\0') return parsed;
  }
  return std::nullopt;
}

}  // namespace

std::optional<BaseResp> FailedBaseResp(const json& body) {
  if (!body.is_object()) return std::nullopt;
  auto base = body.find("base_resp");
  if (base == body.end() || !base->is_object()) return std::nullopt;
  auto code = base->find("status_code");
  if (code == base->end()) return std::nullopt;
  std::optional<int64_t> status_code = Integer(*code);
  if (!status_code || *status_code == 0) return std::nullopt;
  BaseResp result;
  result.status_code = *status_code;
  auto msg = base->find("status_msg");
  if (msg != base->end() && msg->is_string()) {
    result.status_msg = msg->get<std::string>();
  }
  return result;
}

ErrorClass ClassifyMiniMaxStatus(int64_t status_code,
                                 absl::string_view status_msg,
                                 int http_status) {
  switch (status_code) {
    case 1000:  // unknown error
    case 1001:  // request timeout
    case 1013:  // internal service error (ChatCompletion v2 reference)
    case 1024:  // internal error
    case 1033:  // system error / downstream service error
      return ErrorClass::kTransient;
    case 1002:  // rate limit (requests per minute)
    case 1041:  // connection limit
    case 2045:  // rate growth limit
    case 2056:  // usage limit exceeded (plan window)
      return ErrorClass::kRateLimited;
    case 1004:  // not authorized / token not match group / cookie is missing
    case 1008:  // insufficient balance
    case 2049:  // invalid API key
      return ErrorClass::kKeyInvalid;
    case 1026:  // input content sensitive
    case 1042:  // invisible character ratio limit
      return ErrorClass::kInvalidRequest;
    case 1027:  // output content sensitive
      return ErrorClass::kFailedPrecondition;
    default:
      break;
  }
  const std::string message = absl::AsciiStrToLower(status_msg);
  if (LooksLikeContextTooLong(message)) return ErrorClass::kFailedPrecondition;
  if (LooksLikeUnknownModel(message)) return ErrorClass::kModelNotFound;
  if (status_code == 1039) return ErrorClass::kRateLimited;     // token limit
  if (status_code == 2013) return ErrorClass::kInvalidRequest;  // bad params
  if (http_status >= 400) return ClassifyHttpStatus(http_status);
  return ErrorClass::kTransient;
}

std::string MiniMaxErrorMessage(const BaseResp& base_resp) {
  if (base_resp.status_msg.empty()) {
    return absl::StrCat("MiniMax status ", base_resp.status_code);
  }
  return absl::StrCat(base_resp.status_msg, " (", base_resp.status_code, ")");
}

ProviderError ErrorFromBaseResp(const BaseResp& base_resp,
                                const http::HttpResponse& response) {
  ProviderError error = MakeHttpError(response, MiniMaxErrorMessage(base_resp));
  error.error_class = ClassifyMiniMaxStatus(
      base_resp.status_code, base_resp.status_msg, response.status_code);
  return error;
}

ProviderError StreamErrorFromBaseResp(const BaseResp& base_resp) {
  ProviderError error;
  error.http_status = 0;
  error.error_class =
      ClassifyMiniMaxStatus(base_resp.status_code, base_resp.status_msg, 0);
  error.message = MiniMaxErrorMessage(base_resp);
  return error;
}

ProviderError ParseMiniMaxHttpError(const http::HttpResponse& response) {
  json body = ParseJsonOrDiscarded(response.body);
  if (body.is_discarded() || !body.is_object()) {
    return MakeHttpError(response, "");
  }
  if (std::optional<BaseResp> base = FailedBaseResp(body)) {
    return ErrorFromBaseResp(*base, response);
  }
  std::string message;
  if (auto error = body.find("error"); error != body.end()) {
    if (error->is_object()) {
      auto text = error->find("message");
      if (text != error->end() && text->is_string()) {
        message = text->get<std::string>();
      }
    } else if (error->is_string()) {
      message = error->get<std::string>();
    }
  }
  return MakeHttpError(response, std::move(message));
}

}  // namespace llmgw::minimax
