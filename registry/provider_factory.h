#ifndef LLMGW_REGISTRY_PROVIDER_FACTORY_H_
#define LLMGW_REGISTRY_PROVIDER_FACTORY_H_

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
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
  // Checks ProviderSpec::options against this wire format's typed options:
  // InvalidArgument "<key>: <what>" for the first key it does not know or
  // whose value is bad. The registry calls it for every provider of the
  // schema (built-in catalogs and config) and prefixes the key path. Default:
  // the wire format takes no options.
  virtual absl::Status ValidateOptions(
      const std::map<std::string, std::string>& options) const;
  // The base URL a provider of this wire format calls, given the configured
  // one (trailing slashes already removed). The registry never interprets
  // options; a wire format whose options change the URL does it here.
  // Default: unchanged.
  virtual std::string EffectiveBaseUrl(std::string base_url,
                                       const ProviderSpec& spec) const {
    (void)spec;
    return base_url;
  }
  // Creates a provider for a resolved spec (options already validated).
  virtual absl::StatusOr<std::unique_ptr<ILLMProvider>> Create(
      const ProviderSpec& spec, const ProviderContext& context) const = 0;
};

// For ValidateOptions implementations: InvalidArgument "<key>: unknown option
// of wire format <wire_format> (known: a, b)" for the first key of `options`
// that is not in `known` and does not start with one of `known_prefixes`.
absl::Status CheckOptionKeys(
    const std::map<std::string, std::string>& options,
    absl::string_view wire_format,
    std::initializer_list<absl::string_view> known,
    std::initializer_list<absl::string_view> known_prefixes = {});

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
