#include "registry/provider_factory.h"

#include <utility>

namespace llmgw {
namespace {

std::vector<std::unique_ptr<ProviderFactory>>& MutableFactories() {
  static auto* factories = new std::vector<std::unique_ptr<ProviderFactory>>();
  return *factories;
}

}  // namespace

bool RegisterProviderFactory(std::unique_ptr<ProviderFactory> factory) {
  MutableFactories().push_back(std::move(factory));
  return true;
}

const std::vector<std::unique_ptr<ProviderFactory>>& ProviderFactories() {
  return MutableFactories();
}

const ProviderFactory* FindProviderFactory(absl::string_view wire_format) {
  for (const auto& f : MutableFactories()) {
    if (f->wire_format() == wire_format) return f.get();
  }
  return nullptr;
}

}  // namespace llmgw
