#ifndef LLMGW_REGISTRY_PROVIDER_FACTORY_H_
#define LLMGW_REGISTRY_PROVIDER_FACTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/http_client.h"
#include "registry/provider.h"
#include "registry/provider_spec.h"

namespace llmgw {

// Shared infrastructure handed to factories.
struct ProviderContext {
  http::HttpClient* http_client = nullptr;
  // Resolved base URL (schema default, config, or <PROVIDER>_API_BASE).
  std::string base_url;
};

// Creates providers of one wire format. Each wire format lives in its own
// directory under providers/ with a Bazel target that registers its factory
// (LLMGW_REGISTER_PROVIDER_FACTORY, alwayslink = 1); the server binary's deps
// decide which wire formats exist.
class ProviderFactory {
 public:
  virtual ~ProviderFactory() = default;
  // E.g. "openai_compatible". ProviderSpec::wire_format refers to it.
  virtual absl::string_view wire_format() const = 0;
  // The built-in catalog of the providers that use this wire format: YAML in
  // the format of registry/provider_catalog.h, usually the wire format's
  // catalog.yaml compiled in with embed_text.
  virtual absl::string_view BuiltinCatalog() const = 0;
  // Creates a provider for a resolved spec.
  virtual absl::StatusOr<std::unique_ptr<ILLMProvider>> Create(
      const ProviderSpec& spec, const ProviderContext& context) const = 0;
};

// Adds a factory to the process-wide list. Called from static initializers.
bool RegisterProviderFactory(std::unique_ptr<ProviderFactory> factory);

// Every registered factory, in registration order.
const std::vector<std::unique_ptr<ProviderFactory>>& ProviderFactories();

// Finds the factory for `wire_format`, or nullptr.
const ProviderFactory* FindProviderFactory(absl::string_view wire_format);

}  // namespace llmgw

// Registers `FactoryClass` (default-constructible) at static-init time. Put it
// in a .cc of a cc_library with alwayslink = 1.
#define LLMGW_REGISTER_PROVIDER_FACTORY(FactoryClass)                  \
  static const bool llmgw_registered_##FactoryClass [[maybe_unused]] = \
      ::llmgw::RegisterProviderFactory(std::make_unique<FactoryClass>())

#endif  // LLMGW_REGISTRY_PROVIDER_FACTORY_H_
