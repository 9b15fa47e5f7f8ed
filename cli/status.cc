// llmgw status: providers, keys (fingerprints only) and the fallback chain
// (LlmGateway.Status).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/format.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

namespace {

// Models shown per provider before "+N more".
constexpr int kModelsShown = 3;

std::string ServingStateName(v1::ServingState state) {
  switch (state) {
    case v1::SERVING_STATE_SERVING:
      return "SERVING";
    case v1::SERVING_STATE_DEGRADED:
      return "DEGRADED";
    case v1::SERVING_STATE_NOT_SERVING:
      return "NOT_SERVING";
    default:
      return "UNSPECIFIED";
  }
}

std::string CircuitName(v1::CircuitState state) {
  switch (state) {
    case v1::CIRCUIT_STATE_CLOSED:
      return "closed";
    case v1::CIRCUIT_STATE_OPEN:
      return "open";
    case v1::CIRCUIT_STATE_HALF_OPEN:
      return "half_open";
    default:
      return "-";
  }
}

std::string KeyText(const v1::KeyStatus& key) {
  switch (key.state()) {
    case v1::KEY_STATE_COOLING_DOWN:
      return absl::StrCat(key.fingerprint(), " (cooling ",
                          key.cooldown_remaining_ms() / 1000, "s)");
    case v1::KEY_STATE_FAILED_PERMANENTLY:
      return absl::StrCat(key.fingerprint(), " (failed)");
    default:
      return key.fingerprint();
  }
}

std::string ModelsText(const v1::ProviderStatus& provider) {
  std::vector<std::string> names;
  for (const v1::ModelInfo& model : provider.models()) {
    if (static_cast<int>(names.size()) == kModelsShown) break;
    names.push_back(model.name());
  }
  if (names.empty() && !provider.default_model().empty()) {
    names.push_back(provider.default_model());
  }
  std::string text = names.empty() ? "-" : absl::StrJoin(names, ",");
  if (provider.models_size() > kModelsShown) {
    absl::StrAppend(&text, " +", provider.models_size() - kModelsShown,
                    " more");
  }
  return text;
}

}  // namespace

int RunStatus(v1::LlmGateway::StubInterface& stub, const GlobalOptions& options,
              bool models, const Io& io) {
  auto context = NewCallContext(options);
  v1::StatusResponse response;
  grpc::Status status =
      stub.Status(context.get(), v1::StatusRequest(), &response);
  if (!status.ok()) {
    std::fprintf(io.err, "%s\n", RpcErrorLine(status).c_str());
    return kExitRpcError;
  }
  if (options.json) {
    std::fprintf(io.out, "%s\n", ToJson(response, /*pretty=*/true).c_str());
    return kExitOk;
  }
  if (models) {
    std::fputs(ModelsTable(response).c_str(), io.out);
    return kExitOk;
  }
  std::string out = absl::StrCat("state: ", ServingStateName(response.state()));
  if (!response.state_reason().empty()) {
    absl::StrAppend(&out, " (", response.state_reason(), ")");
  }
  absl::StrAppend(&out, "\nprimary: ", response.primary_provider(),
                  "\nversion: ", response.version(), ", up ",
                  response.uptime_seconds(), " s\n\n");
  std::vector<std::vector<std::string>> rows = {{"PROVIDER", "AVAILABLE",
                                                 "MODELS", "CONFIDENCE",
                                                 "CHAIN", "KEYS", "CIRCUIT"}};
  for (const v1::ProviderStatus& provider : response.providers()) {
    std::vector<std::string> keys;
    for (const v1::KeyStatus& key : provider.keys())
      keys.push_back(KeyText(key));
    rows.push_back({
        provider.name(),
        provider.available()
            ? "yes"
            : absl::StrCat("no: ", provider.unavailable_reason()),
        ModelsText(provider),
        absl::StrCat(provider.confidence_score()),
        provider.in_fallback_chain() ? "yes" : "no",
        keys.empty() ? "-" : absl::StrJoin(keys, ","),
        CircuitName(provider.circuit_state()),
    });
  }
  out += FormatTable(rows);
  absl::StrAppend(&out, "\nfallback chain: ",
                  response.fallback_chain().empty()
                      ? "(none)"
                      : absl::StrJoin(response.fallback_chain(), " -> "),
                  "\n");
  std::fputs(out.c_str(), io.out);
  return kExitOk;
}

}  // namespace llmgw::cli
