// Registers the "anthropic" wire format (the Anthropic Messages API).

#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "providers/anthropic/anthropic_catalog.h"
#include "providers/anthropic/anthropic_codec.h"
#include "providers/common/http_provider.h"
#include "providers/common/wire_codec.h"
#include "registry/provider_factory.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

class AnthropicFactory : public CodecProviderFactory {
 public:
  absl::string_view wire_format() const override { return "anthropic"; }

  absl::string_view BuiltinCatalog() const override {
    return AnthropicCatalogYaml();
  }

  std::unique_ptr<WireCodec> NewCodec(const ProviderSpec& spec) const override {
    return std::make_unique<AnthropicCodec>(spec);
  }
};

LLMGW_REGISTER_PROVIDER_FACTORY(AnthropicFactory);

}  // namespace
}  // namespace llmgw
