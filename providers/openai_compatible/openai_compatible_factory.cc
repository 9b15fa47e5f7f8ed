// Registers the "openai_compatible" wire format and its presets.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
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
  absl::Status ValidateOptions(
      const std::map<std::string, std::string>& options) const override {
    return OpenAiCompatibleOptions::Parse(options).status();
  }
  // "base_url_suffix" (the "local" preset: LOCAL_LLM_URL may omit "/v1").
  std::string EffectiveBaseUrl(std::string base_url,
                               const ProviderSpec& spec) const override {
    auto suffix = spec.options.find(std::string(kBaseUrlSuffixOption));
    if (suffix != spec.options.end() && !suffix->second.empty() &&
        !absl::EndsWith(base_url, suffix->second)) {
      base_url += suffix->second;
    }
    return base_url;
  }
  std::unique_ptr<WireCodec> NewCodec(const ProviderSpec& spec) const override {
    return std::make_unique<OpenAiCompatibleCodec>(
        OpenAiCompatibleOptions::FromSpec(spec));
  }
};

LLMGW_REGISTER_PROVIDER_FACTORY(OpenAiCompatibleFactory);

}  // namespace
}  // namespace llmgw
