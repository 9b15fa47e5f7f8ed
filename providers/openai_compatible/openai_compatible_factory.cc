// Registers the "openai_compatible" wire format and its presets.

#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "providers/common/http_provider.h"
#include "providers/common/wire_codec.h"
#include "providers/openai_compatible/openai_compatible_catalog.h"
#include "providers/openai_compatible/openai_compatible_codec.h"
#include "registry/provider_factory.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

class OpenAiCompatibleFactory : public CodecProviderFactory {
 public:
  absl::string_view wire_format() const override {
    return kOpenAiCompatibleWireFormat;
  }
  absl::string_view BuiltinCatalog() const override {
    return OpenAiCompatibleCatalogYaml();
  }
  std::unique_ptr<WireCodec> NewCodec(const ProviderSpec& spec) const override {
    return std::make_unique<OpenAiCompatibleCodec>(
        OpenAiCompatibleOptions::FromSpec(spec));
  }
};

LLMGW_REGISTER_PROVIDER_FACTORY(OpenAiCompatibleFactory);

}  // namespace
}  // namespace llmgw
