#include "budget/spend_ledger.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace llmgw {

std::string ClientScope(absl::string_view client_id) {
  return absl::StrCat("client:", client_id);
}
std::string ProviderScope(absl::string_view provider) {
  return absl::StrCat("provider:", provider);
}
std::string ModelScope(absl::string_view model) {
  return absl::StrCat("model:", model);
}

absl::StatusOr<std::string> NormalizeScope(absl::string_view scope) {
  if (scope.empty() || scope == kGlobalScope) return std::string(kGlobalScope);
  for (absl::string_view prefix : {"client:", "provider:", "model:"}) {
    if (absl::StartsWith(scope, prefix) && scope.size() > prefix.size()) {
      return std::string(scope);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown budget scope '", scope,
      "'; use \"\" or \"global\", \"client:<id>\", \"provider:<name>\" or "
      "\"model:<name>\""));
}

std::vector<std::string> ChargedScopes(absl::string_view provider,
                                       absl::string_view model,
                                       absl::string_view client_id) {
  std::vector<std::string> scopes = {kGlobalScope, ProviderScope(provider),
                                     ModelScope(model)};
  if (!client_id.empty()) scopes.push_back(ClientScope(client_id));
  return scopes;
}

}  // namespace llmgw
