#ifndef LLMGW_HTTP_CURL_REQUEST_H_
#define LLMGW_HTTP_CURL_REQUEST_H_

// Internal to //http:http_client: turning an HttpRequest into options of a
// curl easy handle.

#include <curl/curl.h>

#include "absl/status/status.h"
#include "http/curl_exchange.h"

namespace llmgw::http::internal {

// The curl callbacks an exchange's easy handle reports to; their user data
// is the Exchange.
struct CurlCallbacks {
  curl_write_callback on_header = nullptr;
  curl_write_callback on_body = nullptr;
};

// What every easy handle of one client shares.
struct EasyDefaults {
  bool enable_http2 = true;
  // Whether the process environment names a proxy (ProxyInEnvironment). When
  // it does not, every handle is told so (CURLOPT_PROXY and CURLOPT_NOPROXY
  // ""), which spares curl five getenv calls per transfer: each walks the
  // whole environment, which in a Kubernetes pod holds a few variables per
  // Service of the namespace.
  bool proxy_from_environment = false;
};

// True when any variable curl reads for a proxy to an http:// or https://
// upstream is set and not empty: http_proxy, https_proxy, HTTPS_PROXY,
// all_proxy, ALL_PROXY (curl ignores HTTP_PROXY, by design). no_proxy only
// narrows a proxy, so alone it changes nothing.
bool ProxyInEnvironment();

// Validates `ex.request` (method, header names and values; values are never
// quoted in errors, they may be credentials) and sets every option of
// `ex.easy` (already acquired, freshly reset): URL, protocols, timeouts,
// HTTP version, headers (into `ex.header_lines`), method and body. The body
// is sent from `ex.request.body` without a copy, so the request must stay
// unchanged until the handle is reset.
absl::Status ConfigureEasy(Exchange& ex, const EasyDefaults& defaults,
                           const CurlCallbacks& callbacks);

}  // namespace llmgw::http::internal

#endif  // LLMGW_HTTP_CURL_REQUEST_H_
