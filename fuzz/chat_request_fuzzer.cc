// libFuzzer target: request validation on the HTTP front, the body of
// POST /v1/chat/completions mapped to a GenerateInput
// (front::ParseChatRequest). Besides "never crashes, never leaks", it checks
// what validation promises for every request it accepts: at least one and at
// most kMaxMessages messages, every string valid UTF-8, no status without a
// message, and INVALID_ARGUMENT as the only refusal.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "front/openai_mapping.h"

namespace {

// Structural UTF-8 (lead byte and continuation bytes).
bool ValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    size_t n;
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 6) {
      n = 1;
    } else if ((c >> 4) == 14) {
      n = 2;
    } else if ((c >> 3) == 30) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size() && n > 0) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The HTTP layer bounds bodies (front: max body bytes); so does the fuzzer.
  if (size > 256 << 10) return 0;
  absl::string_view body(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<llmgw::front::ChatRequest> parsed =
      llmgw::front::ParseChatRequest(body, "client", "req-1",
                                     absl::UnixEpoch());
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "refusal is INVALID_ARGUMENT");
    Check(!parsed.status().message().empty(), "refusal has a message");
    return 0;
  }
  const auto& messages = parsed->input.request.messages;
  Check(!messages.empty(), "at least one message");
  Check(messages.size() <= llmgw::front::kMaxMessages, "message cap");
  for (const auto& m : messages) {
    Check(ValidUtf8(m.content), "message content is UTF-8");
  }
  Check(ValidUtf8(parsed->model), "model is UTF-8");
  Check(ValidUtf8(parsed->input.request.model), "routed model is UTF-8");
  return 0;
}
