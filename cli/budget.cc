// llmgw budget: spend of the current window (LlmGateway.Budget).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/format.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

namespace {

std::string LimitText(int64_t nano_usd) {
  return nano_usd == 0 ? "none" : FormatNanoUsd(nano_usd);
}

}  // namespace

int RunBudget(v1::LlmGateway::StubInterface& stub, const GlobalOptions& options,
              const std::string& scope, const Io& io) {
  auto context = NewCallContext(options);
  v1::BudgetRequest request;
  request.set_scope(scope);
  v1::BudgetResponse response;
  grpc::Status status = stub.Budget(context.get(), request, &response);
  if (!status.ok()) {
    std::fprintf(io.err, "%s\n", RpcErrorLine(status).c_str());
    return kExitRpcError;
  }
  if (options.json) {
    std::fprintf(io.out, "%s\n", ToJson(response, /*pretty=*/true).c_str());
    return kExitOk;
  }
  const std::string window_start =
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                       absl::FromUnixMillis(response.window_start_unix_ms()),
                       absl::UTCTimeZone());
  std::vector<std::vector<std::string>> rows = {
      {"scope:", response.scope().empty() ? "global" : response.scope()},
      {"limit:", response.unlimited()
                     ? "unlimited"
                     : FormatNanoUsd(response.limit_nano_usd())},
      {"spent:", FormatNanoUsd(response.spent_nano_usd())},
      {"reserved:", absl::StrCat(FormatNanoUsd(response.reserved_nano_usd()),
                                 " (open reservations: ",
                                 response.open_reservations(), ")")},
      {"remaining:", response.unlimited()
                         ? "unlimited"
                         : FormatNanoUsd(response.remaining_nano_usd())},
      {"window:", absl::StrCat(window_start, ", ",
                               response.window_length_seconds(), " s")},
      {"hard cap:", LimitText(response.hard_cap_nano_usd())},
      {"lifetime spent:", FormatNanoUsd(response.lifetime_spent_nano_usd())},
  };
  std::string out = FormatTable(rows);
  if (response.breakdown_size() > 0) {
    std::vector<std::vector<std::string>> breakdown = {
        {"PROVIDER", "MODEL", "SPENT", "CALLS"}};
    for (const v1::SpendBreakdown& entry : response.breakdown()) {
      breakdown.push_back({entry.provider(), entry.model(),
                           FormatNanoUsd(entry.spent_nano_usd()),
                           absl::StrCat(entry.calls())});
    }
    out += "\n" + FormatTable(breakdown);
  }
  std::fputs(out.c_str(), io.out);
  return kExitOk;
}

}  // namespace llmgw::cli
