// Registers the "anthropic" wire format (the Anthropic Messages API).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
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

  // One option: anthropic_version, a date such as "2023-06-01".
  absl::Status ValidateOptions(
      const std::map<std::string, std::string>& options) const override {
    absl::Status keys =
        CheckOptionKeys(options, wire_format(), {kAnthropicVersionOption});
    if (!keys.ok()) return keys;
    auto it = options.find(std::string(kAnthropicVersionOption));
    if (it != options.end()) {
      absl::CivilDay day;
      if (!absl::ParseCivilTime(it->second, &day)) {
        return absl::InvalidArgumentError(absl::StrCat(
            it->first, ": expected a date such as ", kDefaultAnthropicVersion));
      }
    }
    return absl::OkStatus();
  }

  std::unique_ptr<WireCodec> NewCodec(const ProviderSpec& spec) const override {
    return std::make_unique<AnthropicCodec>(spec);
  }
};

LLMGW_REGISTER_PROVIDER_FACTORY(AnthropicFactory);

}  // namespace
}  // namespace llmgw
