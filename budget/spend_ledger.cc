#include "budget/spend_ledger.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

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

absl::Status LedgerUnavailableError(absl::string_view message,
                                    absl::Duration retry_after) {
  absl::Status status = absl::UnavailableError(message);
  status.SetPayload("llmgw/reason", absl::Cord("LEDGER_UNAVAILABLE"));
  status.SetPayload(
      "llmgw/retry_after_ms",
      absl::Cord(std::to_string(absl::ToInt64Milliseconds(retry_after))));
  return status;
}

void SpendLedger::ReserveAsync(ReserveRequest request, ReserveDone done) {
  const absl::Time start = absl::Now();
  absl::StatusOr<ReservationId> id = Reserve(request);
  Observe("reserve", start, id.ok() || !absl::IsUnavailable(id.status()));
  done(std::move(id));
}

void SpendLedger::CommitAsync(CommitRequest request, CommitDone done) {
  const absl::Time start = absl::Now();
  absl::Status status = Commit(request);
  Observe("commit", start, status.ok());
  done(std::move(status));
}

void SpendLedger::ReleaseAsync(ReservationId id) {
  const absl::Time start = absl::Now();
  Release(id);
  Observe("release", start, true);
}

void SpendLedger::SnapshotAsync(std::string scope, SnapshotDone done) {
  const absl::Time start = absl::Now();
  absl::StatusOr<BudgetSnapshot> snapshot = Snapshot(scope);
  Observe("snapshot", start, snapshot.ok());
  done(std::move(snapshot));
}

}  // namespace llmgw
