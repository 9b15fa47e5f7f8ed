#ifndef LLMGW_HTTP_SSE_PARSER_H_
#define LLMGW_HTTP_SSE_PARSER_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace llmgw::http {

// One Server-Sent Event.
struct SseEvent {
  // The "event:" field; empty means the default type ("message").
  std::string event;
  // All "data:" lines of the event joined with '\n'.
  std::string data;
  // The last "id:" field seen on the stream, if any (per the spec it
  // persists across events until the stream sets another one).
  std::string id;
};

// Incremental parser for the text/event-stream format (WHATWG HTML, "Server-
// sent events"): lines end in LF, CRLF or CR; a blank line dispatches the
// event; lines starting with ':' are comments; "retry:" is ignored. Chunks may
// split lines and even CRLF pairs anywhere.
class SseParser {
 public:
  using EventCallback = std::function<void(const SseEvent& event)>;

  // `max_event_bytes` bounds a single event's buffered size.
  explicit SseParser(EventCallback on_event, size_t max_event_bytes = 4 << 20);

  // Feeds the next bytes of the stream. Returns an error (and parses nothing
  // more) if an event grows beyond max_event_bytes.
  absl::Status Feed(absl::string_view chunk);

  // True if bytes of an unfinished event are buffered (the stream was cut
  // off mid-event if this is true at EOF).
  bool HasPartialEvent() const;

 private:
  void ProcessLine(absl::string_view line);
  void Dispatch();

  EventCallback on_event_;
  size_t max_event_bytes_;
  std::string line_;
  SseEvent pending_;
  bool pending_has_data_ = false;
  bool pending_any_field_ = false;
  bool last_was_cr_ = false;
  bool failed_ = false;
  bool seen_first_line_ = false;
};

}  // namespace llmgw::http

#endif  // LLMGW_HTTP_SSE_PARSER_H_
