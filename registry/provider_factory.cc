#include "registry/provider_factory.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace llmgw {
namespace {

std::vector<std::unique_ptr<ProviderFactory>>& MutableFactories() {
  static auto* factories = new std::vector<std::unique_ptr<ProviderFactory>>();
  return *factories;
}

}  // namespace

absl::Status ProviderFactory::ValidateOptions(
    const std::map<std::string, std::string>& options) const {
  return CheckOptionKeys(options, wire_format(), {});
}

absl::Status CheckOptionKeys(
    const std::map<std::string, std::string>& options,
    absl::string_view wire_format,
    std::initializer_list<absl::string_view> known,
    std::initializer_list<absl::string_view> known_prefixes) {
  for (const auto& [key, value] : options) {
    bool ok = false;
    for (absl::string_view k : known) ok = ok || key == k;
    for (absl::string_view p : known_prefixes) {
      ok = ok || (absl::StartsWith(key, p) && key.size() > p.size());
    }
    if (ok) continue;
    std::vector<std::string> names(known.begin(), known.end());
    for (absl::string_view p : known_prefixes)
      names.push_back(absl::StrCat(p, "<name>"));
    return absl::InvalidArgumentError(absl::StrCat(
        key, ": unknown option of wire format ", wire_format,
        names.empty()
            ? " (it takes no options)"
            : absl::StrCat(" (known: ", absl::StrJoin(names, ", "), ")")));
  }
  return absl::OkStatus();
}

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
