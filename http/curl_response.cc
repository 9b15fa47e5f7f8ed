#include "http/curl_response.h"

#include <curl/curl.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace llmgw::http::internal {
namespace {

// "HTTP/x 200 ...": a new header block; after 1xx only the last one counts.
void StartHeaderBlock(HttpResponse& response, absl::string_view line) {
  response.headers.clear();
  response.status_code = 0;
  const size_t space = line.find(' ');
  int code = 0;
  if (space != absl::string_view::npos &&
      absl::SimpleAtoi(line.substr(space + 1, 3), &code)) {
    response.status_code = code;
  }
}

// The blank line ending a header block.
size_t EndHeaderBlock(Exchange& ex, size_t n) {
  HttpResponse& response = ex.response;
  if (response.status_code == 0) {
    long code = 0;
    curl_easy_getinfo(ex.easy, CURLINFO_RESPONSE_CODE, &code);
    response.status_code = static_cast<int>(code);
  }
  if (response.status_code >= 100 && response.status_code < 200) {
    return n;  // Informational; the real response follows.
  }
  ex.headers_done = true;
  // Fail early on a declared length that is too large (HEAD, 204 and
  // 304 responses declare a length without sending a body).
  const bool has_body = ex.request.method != "HEAD" &&
                        response.status_code != 204 &&
                        response.status_code != 304;
  if (std::optional<std::string> length =
          has_body ? response.Header("content-length") : std::nullopt) {
    uint64_t declared = 0;
    if (absl::SimpleAtoi(*length, &declared) &&
        declared > ex.request.max_response_bytes) {
      return AbortTransfer(ex, TransportError::kResponseTooLarge,
                           TooLargeMessage(ex));
    }
  }
  if (ex.handlers.on_headers) ex.handlers.on_headers(response);
  return n;
}

// "Name: value", or a folded continuation of the previous value.
void AddHeaderLine(HttpResponse& response, absl::string_view line) {
  if ((line.front() == ' ' || line.front() == '\t') &&
      !response.headers.empty()) {
    // Obsolete line folding continues the previous value.
    absl::string_view more = absl::StripAsciiWhitespace(line);
    std::string& value = response.headers.back().second;
    if (!more.empty()) {
      if (!value.empty()) value.push_back(' ');
      value.append(more.data(), more.size());
    }
    return;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos || colon == 0) return;
  response.headers.emplace_back(
      absl::AsciiStrToLower(line.substr(0, colon)),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
}

// CURLE_OPERATION_TIMEDOUT: no overall CURLOPT_TIMEOUT is set, so this is
// the connect timeout unless the connection (and TLS, for https) was up.
bool IsConnectTimeout(Exchange& ex) {
  curl_off_t connect_us = 0;
  curl_off_t tls_us = 0;
  char* scheme = nullptr;
  curl_easy_getinfo(ex.easy, CURLINFO_CONNECT_TIME_T, &connect_us);
  curl_easy_getinfo(ex.easy, CURLINFO_APPCONNECT_TIME_T, &tls_us);
  curl_easy_getinfo(ex.easy, CURLINFO_SCHEME, &scheme);
  const bool tls = scheme != nullptr && absl::EqualsIgnoreCase(scheme, "https");
  return connect_us == 0 || (tls && tls_us == 0);
}

// CURLE_COULDNT_CONNECT: curl may report an expired connect attempt (ours
// with several addresses, or the kernel's SYN retries) as a failure to
// connect. Refusals and unreachable networks carry their errno.
bool ConnectExpired(Exchange& ex) {
  long os_errno = 0;
  curl_easy_getinfo(ex.easy, CURLINFO_OS_ERRNO, &os_errno);
  curl_off_t elapsed_us = 0;
  curl_easy_getinfo(ex.easy, CURLINFO_TOTAL_TIME_T, &elapsed_us);
  return os_errno == ETIMEDOUT ||
         (os_errno == 0 &&
          absl::Microseconds(elapsed_us) >= ex.request.connect_timeout);
}

bool IsConnectFailure(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return true;
    default:
      return false;
  }
}

}  // namespace

size_t AbortTransfer(Exchange& ex, TransportError error, std::string message) {
  ex.abort_error = error;
  ex.abort_message = std::move(message);
  return CURL_WRITEFUNC_ERROR;
}

std::string TooLargeMessage(const Exchange& ex) {
  return absl::StrCat("response body exceeds ", ex.request.max_response_bytes,
                      " bytes");
}

size_t HandleHeaderLine(Exchange& ex, absl::string_view line, size_t n) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (absl::StartsWith(line, "HTTP/")) {
    StartHeaderBlock(ex.response, line);
    return n;
  }
  if (ex.headers_done) return n;  // Trailers are not exposed.
  if (line.empty()) return EndHeaderBlock(ex, n);
  AddHeaderLine(ex.response, line);
  return n;
}

std::pair<TransportError, std::string> ClassifyCurlResult(Exchange& ex,
                                                          CURLcode code) {
  if (code == CURLE_OK) return {TransportError::kNone, ""};
  if (ex.abort_error != TransportError::kNone) {
    return {ex.abort_error, std::move(ex.abort_message)};
  }
  auto detailed = [&] {
    std::string message = curl_easy_strerror(code);
    if (ex.error_buffer[0] != '\0') {
      absl::StrAppend(&message, ": ", ex.error_buffer);
    }
    return message;
  };
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {IsConnectTimeout(ex) ? TransportError::kConnectTimeout
                                   : TransportError::kOther,
              detailed()};
    case CURLE_COULDNT_CONNECT:
      return {ConnectExpired(ex) ? TransportError::kConnectTimeout
                                 : TransportError::kConnectFailed,
              detailed()};
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return {TransportError::kConnectionReset, detailed()};
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return {TransportError::kConnectionReset, curl_easy_strerror(code)};
    default:
      if (IsConnectFailure(code)) {
        return {TransportError::kConnectFailed, detailed()};
      }
      return {TransportError::kOther, curl_easy_strerror(code)};
  }
}

}  // namespace llmgw::http::internal
