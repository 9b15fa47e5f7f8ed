#include "common/json_text.h"

#include <cstdio>

#include "absl/time/time.h"

namespace llmgw {
namespace {

// Length of the valid UTF-8 sequence starting at `s[i]`, or 0 when the bytes
// there are not one (overlong forms, surrogates and code points above
// U+10FFFF included, as RFC 3629 defines them).
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(s[i + k]);
  };
  const auto cont = [&](size_t k) {
    return i + k < s.size() && (byte(k) & 0xC0) == 0x80;
  };
  const unsigned char b0 = byte(0);
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (b0 == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (b0 == 0xED && byte(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (b0 == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && byte(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

bool AppendJsonString(std::string& out, absl::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  bool valid = true;
  size_t plain_from = 0;  // start of the pending run copied as it is
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (size_t n = Utf8SequenceLength(text, i); n != 0) {
        i += n;
        continue;
      }
    }
    out.append(text.data() + plain_from, i - plain_from);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
          valid = false;
        }
    }
    ++i;
    plain_from = i;
  }
  out.append(text.data() + plain_from, text.size() - plain_from);
  out.push_back('"');
  return valid;
}

void AppendUtcTimestamp(std::string& out, int64_t unix_millis) {
  int64_t seconds = unix_millis / 1000;
  int64_t millis = unix_millis % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  // "YYYY-MM-DDTHH:MM:SS" of the last second this thread formatted.
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::string cached_text;
  if (seconds != cached_second) {
    cached_text =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(seconds),
                         absl::UTCTimeZone());
    cached_second = seconds;
  }
  char tail[8];
  std::snprintf(tail, sizeof tail, ".%03dZ", static_cast<int>(millis));
  out.append(cached_text);
  out.append(tail);
}

}  // namespace llmgw
