// Registers the "gemini" wire format (Google's Gemini API) with the provider
// registry. Link //providers/gemini into a binary to make it available.
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "providers/common/http_provider.h"
#include "providers/common/wire_codec.h"
#include "providers/gemini/gemini_catalog.h"
#include "providers/gemini/gemini_codec.h"
#include "registry/provider_factory.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

class GeminiFactory : public CodecProviderFactory {
 public:
  absl::string_view wire_format() const override { return "gemini"; }

  absl::string_view BuiltinCatalog() const override {
    return GeminiCatalogYaml();
  }

  std::unique_ptr<WireCodec> NewCodec(
      const ProviderSpec& /*spec*/) const override {
    // The codec has no per-spec options.
    return std::make_unique<GeminiCodec>();
  }
};

LLMGW_REGISTER_PROVIDER_FACTORY(GeminiFactory);

}  // namespace
}  // namespace llmgw
