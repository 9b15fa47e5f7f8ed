#ifndef LLMGW_HTTP_CURL_RESPONSE_H_
#define LLMGW_HTTP_CURL_RESPONSE_H_

// Internal to //http:http_client: reading a response from curl (header
// lines, early size checks) and classifying how a transfer ended.

#include <curl/curl.h>

#include <cstddef>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "http/curl_exchange.h"

namespace llmgw::http::internal {

// Makes curl fail the transfer from inside a callback: returns the value
// the callback must return, and records `error` so the completion reports it
// instead of curl's generic write error.
size_t AbortTransfer(Exchange& ex, TransportError error, std::string message);

// "response body exceeds N bytes".
std::string TooLargeMessage(const Exchange& ex);

// Handles one header line as curl's CURLOPT_HEADERFUNCTION delivers it
// (status lines, header lines, the blank line ending each block; `n` is its
// length with the line end). Fills ex.response, fails early on a declared
// Content-Length over the limit, and calls on_headers once the final
// (non-1xx) block ends. Returns what the callback must return.
size_t HandleHeaderLine(Exchange& ex, absl::string_view line, size_t n);

// The TransportError and message for a finished transfer's CURLcode. The
// message quotes curl's error buffer only where it is about sockets, names
// and TLS (other texts may quote received header values).
std::pair<TransportError, std::string> ClassifyCurlResult(Exchange& ex,
                                                          CURLcode code);

}  // namespace llmgw::http::internal

#endif  // LLMGW_HTTP_CURL_RESPONSE_H_
