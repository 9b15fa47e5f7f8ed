#include "providers/common/fast_json.h"

#include <cstring>
#include <vector>

namespace llmgw {
namespace {

// One parser per thread (codecs run on the event loop thread), with a padded
// copy of the input, both reused.
struct ThreadParser {
  simdjson::dom::parser parser{kMaxFastJsonBytes};
  std::vector<char> padded;
};

}  // namespace

bool ParseFastJson(absl::string_view text, simdjson::dom::element& root) {
  if (text.empty() || text.size() > kMaxFastJsonBytes) return false;
  thread_local ThreadParser state;
  state.padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(state.padded.data(), text.data(), text.size());
  return state.parser.parse(state.padded.data(), text.size(), false)
             .get(root) == simdjson::SUCCESS;
}

}  // namespace llmgw
