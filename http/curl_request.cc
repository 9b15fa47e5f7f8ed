#include "http/curl_request.h"

#include <curl/curl.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace llmgw::http::internal {
namespace {

bool IsTokenChar(char c) {
  // RFC 9110 tchar.
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("!#$%&'*+-.^_`|~", c);
}

bool IsToken(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

bool IsValidHeaderValue(absl::string_view s) {
  return s.find_first_of(absl::string_view("\r\n\0", 3)) ==
         absl::string_view::npos;
}

long ToCurlMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 1;
  if (d == absl::InfiniteDuration()) return 0;  // curl's default (300 s).
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1)));
  return static_cast<long>(std::min<int64_t>(ms, LONG_MAX));
}

bool SendsBody(const HttpRequest& req) {
  return !req.body.empty() || req.method == "POST" || req.method == "PUT" ||
         req.method == "PATCH";
}

// Fills ex.header_lines from the request's headers, plus the lines that
// turn off curl's own: "Expect:" and, for a body without a Content-Type,
// "Content-Type:".
absl::Status BuildHeaderLines(Exchange& ex) {
  const HttpRequest& req = ex.request;
  bool has_content_type = false;
  bool has_expect = false;
  size_t bytes = 0;
  for (const auto& [name, value] : req.headers) {
    if (!IsToken(name)) {
      return absl::InvalidArgumentError("invalid request header name");
    }
    // Never echo the value: it may be a credential.
    if (!IsValidHeaderValue(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid value for request header ", name));
    }
    has_content_type |= absl::EqualsIgnoreCase(name, "content-type");
    has_expect |= absl::EqualsIgnoreCase(name, "expect");
    bytes += name.size() + 2 + value.size();
  }
  constexpr absl::string_view kNoExpect = "Expect:";
  constexpr absl::string_view kNoContentType = "Content-Type:";
  const bool blank_content_type = SendsBody(req) && !has_content_type;
  ex.header_lines.Clear();
  ex.header_lines.Reserve(req.headers.size() + 2,
                          bytes + kNoExpect.size() + kNoContentType.size());
  for (const auto& [name, value] : req.headers) {
    // "Name:" would make curl drop the header; "Name;" sends it empty.
    ex.header_lines.Add(name, value.empty() ? ";" : ": ", value);
  }
  // curl waits up to a second for "100 Continue" before sending bodies
  // over 1 MiB; upstream APIs never need it.
  if (!has_expect) ex.header_lines.Add(kNoExpect);
  // Otherwise curl labels the body application/x-www-form-urlencoded.
  if (blank_content_type) ex.header_lines.Add(kNoContentType);
  return absl::OkStatus();
}

void SetConnectionOptions(Exchange& ex, const EasyDefaults& defaults) {
  CURL* e = ex.easy;
  const HttpRequest& req = ex.request;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &ex);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ex.error_buffer);
  curl_easy_setopt(e, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  // Bodies are JSON or SSE and are passed through byte for byte.
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, nullptr);
  curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  if (!defaults.proxy_from_environment) {
    // Set, even empty, these stop curl from looking the proxy variables up
    // in the environment on every transfer; "" means no proxy.
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "");
  }
  if (defaults.enable_http2) {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     static_cast<long>(CURL_HTTP_VERSION_2TLS));
    // Over TLS, wait for an existing connection to the host to confirm
    // multiplexing (known after ALPN) rather than opening a parallel one.
    // Never for plain http://, which is HTTP/1.1: there curl learns a
    // connection cannot multiplex only from the first response's headers,
    // so every concurrent call to a slow local server (Ollama, vLLM) would
    // queue behind the first one.
    if (absl::StartsWithIgnoreCase(req.url, "https://")) {
      curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    }
  } else {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     static_cast<long>(CURL_HTTP_VERSION_1_1));
  }
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   ToCurlMillis(req.connect_timeout));
}

void SetMethodAndBody(Exchange& ex) {
  CURL* e = ex.easy;
  const HttpRequest& req = ex.request;
  if (req.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (SendsBody(req)) {
    // The body stays owned by the exchange until the handle is reset, so
    // curl can send it without a copy.
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, req.body.data());
    if (req.method != "POST") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
  } else {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    if (req.method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
  }
}

}  // namespace

bool ProxyInEnvironment() {
  for (const char* name :
       {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && value[0] != '\0') return true;
  }
  return false;
}

absl::Status ConfigureEasy(Exchange& ex, const EasyDefaults& defaults,
                           const CurlCallbacks& callbacks) {
  if (!IsToken(ex.request.method)) {
    return absl::InvalidArgumentError("invalid request method");
  }
  // Build the header list first: it can fail on bad input.
  if (absl::Status built = BuildHeaderLines(ex); !built.ok()) return built;
  SetConnectionOptions(ex, defaults);
  CURL* e = ex.easy;
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, callbacks.on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, callbacks.on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &ex);
  SetMethodAndBody(ex);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, ex.header_lines.List());
  return absl::OkStatus();
}

}  // namespace llmgw::http::internal
