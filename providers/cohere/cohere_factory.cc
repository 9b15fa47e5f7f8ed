// Registers the "cohere" wire format (Cohere's v2 Chat API).

#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "providers/cohere/cohere_catalog.h"
#include "providers/cohere/cohere_codec.h"
#include "providers/common/http_provider.h"
#include "providers/common/wire_codec.h"
#include "registry/provider_factory.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

class CohereFactory : public CodecProviderFactory {
 public:
  absl::string_view wire_format() const override { return "cohere"; }

  absl::string_view BuiltinCatalog() const override {
    return CohereCatalogYaml();
  }

  std::unique_ptr<WireCodec> NewCodec(
      const ProviderSpec& /*spec*/) const override {
    return std::make_unique<CohereCodec>();
  }
};

LLMGW_REGISTER_PROVIDER_FACTORY(CohereFactory);

}  // namespace
}  // namespace llmgw
