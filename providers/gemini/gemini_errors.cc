#include "providers/gemini/gemini_errors.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "providers/common/http_errors.h"
#include "providers/common/json_fields.h"

namespace llmgw::gemini {
namespace {

using nlohmann::json;

constexpr absl::string_view kErrorInfoType =
    "type.googleapis.com/google.rpc.ErrorInfo";
constexpr absl::string_view kRetryInfoType =
    "type.googleapis.com/google.rpc.RetryInfo";

// Returns member `key` of `object` if it is a string, else "".
std::string StringMember(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// The first details[] entry of type `type`, or nullptr.
const json* FindDetail(const json& error, absl::string_view type) {
  auto details = error.find("details");
  if (details == error.end() || !details->is_array()) return nullptr;
  for (const json& detail : *details) {
    if (StringMember(detail, "@type") == type) return &detail;
  }
  return nullptr;
}

// Case-insensitive substring test (absl 20220623 has no StrContainsIgnoreCase).
bool ContainsIgnoreCase(absl::string_view haystack, absl::string_view needle) {
  return absl::StrContains(absl::AsciiStrToLower(haystack),
                           absl::AsciiStrToLower(needle));
}

// "The input token count (3475108) exceeds the maximum number of tokens
// allowed (1048576)." and "Request payload size exceeds the limit: ...".
bool SaysInputTooLarge(absl::string_view message) {
  return ContainsIgnoreCase(message, "exceeds the maximum number of tokens") ||
         (ContainsIgnoreCase(message, "input token count") &&
          ContainsIgnoreCase(message, "exceed")) ||
         ContainsIgnoreCase(message, "payload size exceeds");
}

bool SaysKeyInvalid(absl::string_view reason, absl::string_view message) {
  return absl::StartsWith(reason, "API_KEY_") ||
         ContainsIgnoreCase(message, "API key not valid") ||
         ContainsIgnoreCase(message, "API key expired");
}

// Google quotes the caller's key in some messages, e.g. a suspended key's
// 403: "Permission denied: Consumer 'api_key:AIza...' has been suspended.".
// ProviderError::message must never carry a key: mask what follows
// "api_key:".
std::string RedactApiKeys(std::string message) {
  constexpr absl::string_view kMarker = "api_key:";
  constexpr absl::string_view kMask = "<redacted>";
  size_t pos = 0;
  while (pos + kMarker.size() <= message.size()) {
    if (!absl::EqualsIgnoreCase(
            absl::string_view(message).substr(pos, kMarker.size()), kMarker)) {
      ++pos;
      continue;
    }
    const size_t start = pos + kMarker.size();
    size_t end = start;
    while (end < message.size() &&
           (absl::ascii_isalnum(static_cast<unsigned char>(message[end])) ||
            message[end] == '-' || message[end] == '_' ||
            message[end] == '.')) {
      ++end;
    }
    message.replace(start, end - start, kMask.data(), kMask.size());
    pos = start + kMask.size();
  }
  return message;
}

}  // namespace

ErrorClass ClassifyGoogleError(int http_status, absl::string_view status,
                               absl::string_view reason,
                               absl::string_view message) {
  if (SaysKeyInvalid(reason, message)) return ErrorClass::kKeyInvalid;
  if (status == "UNAUTHENTICATED" || status == "PERMISSION_DENIED") {
    return ErrorClass::kKeyInvalid;
  }
  if (status == "RESOURCE_EXHAUSTED") return ErrorClass::kRateLimited;
  if (status == "NOT_FOUND") return ErrorClass::kModelNotFound;
  if (status == "FAILED_PRECONDITION") return ErrorClass::kFailedPrecondition;
  if (status == "INVALID_ARGUMENT" || status == "OUT_OF_RANGE") {
    return SaysInputTooLarge(message) ? ErrorClass::kFailedPrecondition
                                      : ErrorClass::kInvalidRequest;
  }
  if (status == "INTERNAL" || status == "UNAVAILABLE" ||
      status == "DEADLINE_EXCEEDED" || status == "UNKNOWN" ||
      status == "ABORTED" || status == "CANCELLED") {
    return ErrorClass::kTransient;
  }
  ErrorClass by_status = ClassifyHttpStatus(http_status);
  if (by_status == ErrorClass::kInvalidRequest && SaysInputTooLarge(message)) {
    return ErrorClass::kFailedPrecondition;
  }
  return by_status;
}

std::optional<absl::Duration> ParseProtoDuration(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (!absl::ConsumeSuffix(&text, "s") || text.empty()) return std::nullopt;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && c != '.') return std::nullopt;
  }
  double seconds = 0;
  if (!absl::SimpleAtod(text, &seconds) || seconds < 0) return std::nullopt;
  return absl::Nanoseconds(static_cast<int64_t>(seconds * 1e9 + 0.5));
}

ProviderError ErrorFromGoogleStatus(const json& error, int http_status) {
  ProviderError result;
  int code = http_status;
  if (error.is_object()) {
    auto it = error.find("code");
    if (it != error.end() && it->is_number_integer()) code = it->get<int>();
  }
  const std::string status = StringMember(error, "status");
  std::string message = StringMember(error, "message");
  std::string reason;
  if (error.is_object()) {
    if (const json* info = FindDetail(error, kErrorInfoType)) {
      reason = StringMember(*info, "reason");
    }
    if (const json* retry = FindDetail(error, kRetryInfoType)) {
      result.retry_after =
          ParseProtoDuration(StringMember(*retry, "retryDelay"));
    }
  }
  result.http_status = code;
  result.error_class = ClassifyGoogleError(code, status, reason, message);
  message = RedactApiKeys(std::move(message));
  if (message.empty()) message = "no message";
  result.message =
      status.empty() ? message : absl::StrCat(status, ": ", message);
  if (!reason.empty())
    absl::StrAppend(&result.message, " (reason: ", reason, ")");
  return result;
}

ProviderError ParseGeminiHttpError(const http::HttpResponse& response) {
  json body = ParseJsonOrDiscarded(response.body);
  if (body.is_array() && body.size() == 1) body = body[0];
  const json* error = nullptr;
  if (body.is_object()) {
    auto it = body.find("error");
    if (it != body.end() && it->is_object()) error = &*it;
  }
  if (error == nullptr) {
    // Not Google's envelope: classify by HTTP status with a body excerpt.
    ProviderError result = MakeHttpError(response, "");
    result.error_class =
        ClassifyGoogleError(response.status_code, "", "", response.body);
    result.message = RedactApiKeys(std::move(result.message));
    return result;
  }
  ProviderError parsed = ErrorFromGoogleStatus(*error, response.status_code);
  // Headers (Retry-After, rate-limit headers) and the HTTP status really
  // received come from the shared helper; class and message from the body.
  ProviderError result = MakeHttpError(response, std::move(parsed.message));
  result.error_class = parsed.error_class;
  if (parsed.retry_after) result.retry_after = parsed.retry_after;
  return result;
}

}  // namespace llmgw::gemini
