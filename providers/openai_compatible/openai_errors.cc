#include "providers/openai_compatible/openai_errors.h"

#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"
#include "providers/openai_compatible/openai_dialect.h"

namespace llmgw::openai_compat {
namespace {

using nlohmann::json;

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// Reads "code", which is a string for OpenAI and a number for OpenRouter and
// vLLM.
void ReadCode(const json& object, OpenAiErrorFields& fields) {
  auto it = object.find("code");
  if (it == object.end()) return;
  if (it->is_string()) {
    fields.code = it->get<std::string>();
  } else if (it->is_number_integer() || it->is_number_unsigned()) {
    fields.numeric_code = it->get<int>();
  } else if (it->is_number_float()) {
    fields.numeric_code = static_cast<int>(std::lround(it->get<double>()));
  }
}

// FastAPI validation errors: {"detail": [{"loc": [...], "msg": "..."}]}.
std::string DetailMessage(const json& detail) {
  if (detail.is_string()) return detail.get<std::string>();
  if (!detail.is_array()) return detail.dump();
  std::vector<std::string> parts;
  for (const json& item : detail) {
    if (item.is_object() && item.contains("msg") && item["msg"].is_string()) {
      parts.push_back(item["msg"].get<std::string>());
    } else if (item.is_string()) {
      parts.push_back(item.get<std::string>());
    }
  }
  return absl::StrJoin(parts, "; ");
}

// `message` lower-cased.
bool LooksLikeContextTooLong(absl::string_view message) {
  return ContainsAny(message,
                     {"maximum context length", "context_length_exceeded",
                      "context length exceeded", "exceeds the context window",
                      "exceeds context window", "prompt is too long",
                      "input is too long", "tokens + `max_new_tokens`"});
}

// `message` lower-cased.
bool LooksLikeUnknownModel(absl::string_view message) {
  return absl::StrContains(message, "model") &&
         ContainsAny(message, {"not exist", "not found", "unknown model",
                               "no such model", "model_not_found"});
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

}  // namespace

std::optional<OpenAiErrorFields> ExtractOpenAiError(const json& body) {
  if (!body.is_object()) return std::nullopt;
  OpenAiErrorFields fields;
  if (auto it = body.find("error"); it != body.end() && !it->is_null()) {
    const json& error = *it;
    if (error.is_object()) {
      fields.message = StringField(error, "message");
      fields.type = StringField(error, "type");
      ReadCode(error, fields);
      auto metadata = error.find("metadata");
      if (metadata != error.end() && metadata->is_object()) {
        fields.input_flagged = metadata->contains("reasons") ||
                               metadata->contains("flagged_input");
      }
    } else if (error.is_string()) {
      fields.message = error.get<std::string>();
      fields.type = StringField(body, "error_type");
    } else {
      fields.message = error.dump();
    }
    return fields;
  }
  if (StringField(body, "object") == "error") {
    fields.message = StringField(body, "message");
    fields.type = StringField(body, "type");
    ReadCode(body, fields);
    return fields;
  }
  if (auto it = body.find("detail"); it != body.end() && !it->is_null()) {
    fields.message = DetailMessage(*it);
    return fields;
  }
  return std::nullopt;
}

ErrorClass ClassifyOpenAiError(int http_status,
                               const OpenAiErrorFields& fields) {
  const std::string code = absl::AsciiStrToLower(fields.code);
  const std::string type = absl::AsciiStrToLower(fields.type);
  const std::string message = absl::AsciiStrToLower(fields.message);

  if (code == "insufficient_quota" || type == "insufficient_quota") {
    return ErrorClass::kKeyInvalid;
  }
  if (code == "invalid_api_key" || code == "invalid_authentication" ||
      code == "account_deactivated" || type == "authentication_error") {
    return ErrorClass::kKeyInvalid;
  }
  if (code == "model_not_found") return ErrorClass::kModelNotFound;
  if (code == "context_length_exceeded") {
    return ErrorClass::kFailedPrecondition;
  }
  if (fields.input_flagged) return ErrorClass::kInvalidRequest;

  // In a stream (or a 2xx body) a numeric code is the HTTP status the error
  // would have had.
  int status = http_status;
  if ((status == 0 || IsSuccess(status)) && fields.numeric_code >= 400 &&
      fields.numeric_code <= 599) {
    status = fields.numeric_code;
  }

  if (code == "rate_limit_exceeded" || type == "rate_limit_error" ||
      type == "tokens" || type == "requests") {
    return status == 413 ? ErrorClass::kFailedPrecondition
                         : ErrorClass::kRateLimited;
  }
  const bool client_error_or_none =
      status == 0 || IsSuccess(status) ||
      (status >= 400 && status < 500 && status != 429);
  if (client_error_or_none && LooksLikeContextTooLong(message)) {
    return ErrorClass::kFailedPrecondition;
  }
  if (client_error_or_none && LooksLikeUnknownModel(message)) {
    return ErrorClass::kModelNotFound;
  }
  if (status >= 400) return ClassifyHttpStatus(status);
  if (type == "invalid_request_error") return ErrorClass::kInvalidRequest;
  return ErrorClass::kTransient;
}

std::string OpenAiErrorMessage(const OpenAiErrorFields& fields) {
  if (fields.message.empty()) {
    if (!fields.code.empty()) return fields.code;
    if (!fields.type.empty()) return fields.type;
    return "";
  }
  if (!fields.code.empty() && !absl::StrContains(fields.message, fields.code)) {
    return absl::StrCat(fields.code, ": ", fields.message);
  }
  return fields.message;
}

ProviderError OpenAiInBandError(const OpenAiErrorFields& fields,
                                int http_status) {
  ProviderError error;
  error.http_status = http_status;
  error.error_class = ClassifyOpenAiError(http_status, fields);
  error.message = OpenAiErrorMessage(fields);
  if (error.message.empty()) error.message = "provider reported an error";
  return error;
}

ProviderError ParseOpenAiHttpError(const http::HttpResponse& response) {
  json body = ParseJsonOrDiscarded(response.body);
  std::optional<OpenAiErrorFields> fields;
  if (!body.is_discarded()) fields = ExtractOpenAiError(body);
  if (!fields) return MakeHttpError(response, "");
  ProviderError error = MakeHttpError(response, OpenAiErrorMessage(*fields));
  error.error_class = ClassifyOpenAiError(response.status_code, *fields);
  return error;
}

}  // namespace llmgw::openai_compat
