// Registers the "minimax" wire format and its preset.

#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "providers/common/http_provider.h"
#include "providers/common/wire_codec.h"
#include "providers/minimax/minimax_catalog.h"
#include "providers/minimax/minimax_codec.h"
#include "registry/provider_factory.h"
#include "registry/provider_spec.h"

namespace llmgw {
namespace {

class MiniMaxFactory : public CodecProviderFactory {
 public:
  absl::string_view wire_format() const override { return "minimax"; }
  absl::string_view BuiltinCatalog() const override {
    return MiniMaxCatalogYaml();
  }
  std::unique_ptr<WireCodec> NewCodec(const ProviderSpec&) const override {
    return std::make_unique<MiniMaxCodec>();
  }
};

LLMGW_REGISTER_PROVIDER_FACTORY(MiniMaxFactory);

}  // namespace
}  // namespace llmgw
