// libFuzzer target: the YAML configuration loader (ParseGatewayConfig), the
// text an operator (or a config reload) hands the gateway.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "config/gateway_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // yaml-cpp recurses per nesting level; the loader's callers bound the file
  // size, so does the fuzzer.
  if (size > 64 << 10) return 0;
  (void)llmgw::ParseGatewayConfig(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
