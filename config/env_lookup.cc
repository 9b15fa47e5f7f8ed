#include "config/env_lookup.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/money.h"

namespace llmgw {

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

EnvLookup FixedEnvironment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](
             const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

absl::StatusOr<std::optional<absl::Duration>> EnvSeconds(
    const EnvLookup& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  if (!v) return std::optional<absl::Duration>();
  double seconds = 0;
  if (!absl::SimpleAtod(*v, &seconds) ||
      !(seconds > 0 && seconds <= kMaxConfigSeconds)) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, "='", *v, "' must be a positive number of seconds, at most ",
        kMaxConfigSeconds));
  }
  return std::optional<absl::Duration>(absl::Seconds(seconds));
}

absl::StatusOr<std::optional<int64_t>> EnvUsd(const EnvLookup& env,
                                              const std::string& name) {
  std::optional<std::string> v = env(name);
  if (!v) return std::optional<int64_t>();
  absl::StatusOr<int64_t> nano = ParseUsd(*v);
  if (!nano.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", nano.status().message()));
  }
  return std::optional<int64_t>(*nano);
}

}  // namespace llmgw
