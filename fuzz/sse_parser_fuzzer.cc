// libFuzzer target: the SSE parser, fed the input in chunks whose sizes come
// from the input itself (chunk boundaries anywhere, even inside CRLF).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "http/sse_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 64;
  absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t events = 0;
  llmgw::http::SseParser parser(
      [&events](const llmgw::http::SseEvent& event) {
        ++events;
        // Touch every field so a bad view would be caught by ASan.
        volatile size_t n =
            event.event.size() + event.data.size() + event.id.size();
        (void)n;
      },
      /*max_event_bytes=*/1 << 16);
  while (!rest.empty()) {
    const size_t n = rest.size() < step ? rest.size() : step;
    if (!parser.Feed(rest.substr(0, n)).ok()) break;
    rest.remove_prefix(n);
  }
  (void)parser.HasPartialEvent();
  return 0;
}
