#include "http/sse_parser.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace llmgw::http {

SseParser::SseParser(EventCallback on_event, size_t max_event_bytes)
    : on_event_(std::move(on_event)), max_event_bytes_(max_event_bytes) {}

absl::Status SseParser::Feed(absl::string_view chunk) {
  if (failed_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("SSE event exceeds ", max_event_bytes_, " bytes"));
  }
  size_t pos = 0;
  while (pos < chunk.size()) {
    if (last_was_cr_) {
      last_was_cr_ = false;
      // The LF of a CRLF pair that was split across chunks (or not).
      if (chunk[pos] == '\n') {
        ++pos;
        continue;
      }
    }
    const size_t eol = chunk.find_first_of("\r\n", pos);
    if (eol == absl::string_view::npos) {
      line_.append(chunk.data() + pos, chunk.size() - pos);
      break;
    }
    const absl::string_view segment = chunk.substr(pos, eol - pos);
    if (line_.empty()) {
      // Common case: the whole line is in this chunk; no copy.
      ProcessLine(segment);
    } else {
      line_.append(segment.data(), segment.size());
      ProcessLine(line_);
      line_.clear();
    }
    if (failed_) break;
    last_was_cr_ = chunk[eol] == '\r';
    pos = eol + 1;
  }
  if (!failed_ && line_.size() + pending_.data.size() + pending_.event.size() +
                          pending_.id.size() >
                      max_event_bytes_) {
    failed_ = true;
  }
  if (failed_) {
    // Nothing more is parsed; release what was buffered.
    line_.clear();
    line_.shrink_to_fit();
    pending_ = SseEvent();
    return absl::ResourceExhaustedError(
        absl::StrCat("SSE event exceeds ", max_event_bytes_, " bytes"));
  }
  return absl::OkStatus();
}

bool SseParser::HasPartialEvent() const {
  return !line_.empty() || pending_any_field_;
}

void SseParser::ProcessLine(absl::string_view line) {
  if (!seen_first_line_) {
    seen_first_line_ = true;
    // A UTF-8 byte order mark at the start of the stream is ignored.
    if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  }
  if (line.empty()) {
    Dispatch();
    return;
  }
  if (line.front() == ':') return;  // Comment (often a keep-alive).

  absl::string_view field = line;
  absl::string_view value;
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }

  pending_any_field_ = true;
  if (field == "data") {
    if (pending_has_data_) pending_.data.push_back('\n');
    pending_.data.append(value.data(), value.size());
    pending_has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value.data(), value.size());
  } else if (field == "id") {
    // Per the spec an id containing NUL is ignored, and the last event id
    // persists across events until the stream sets another one.
    if (value.find('\0') == absl::string_view::npos) {
      pending_.id.assign(value.data(), value.size());
    }
  }
  // "retry" and unknown fields are ignored.
  if (pending_.data.size() + pending_.event.size() + pending_.id.size() >
      max_event_bytes_) {
    failed_ = true;
  }
}

void SseParser::Dispatch() {
  // An event without any data line is dropped, but still resets the type.
  if (pending_has_data_) on_event_(pending_);
  pending_.data.clear();
  pending_.event.clear();
  pending_has_data_ = false;
  pending_any_field_ = false;
}

}  // namespace llmgw::http
