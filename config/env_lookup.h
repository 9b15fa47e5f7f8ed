#ifndef LLMGW_CONFIG_ENV_LOOKUP_H_
#define LLMGW_CONFIG_ENV_LOOKUP_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace llmgw {

// Reads environment variables; injectable for tests. Unset and empty
// variables both read as nullopt.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The real process environment.
EnvLookup ProcessEnvironment();

// An environment made of `vars` only.
EnvLookup FixedEnvironment(std::map<std::string, std::string> vars);

// The longest duration a setting may give (one year): anything longer is a
// typo, and it keeps every duration far inside absl::Duration's range.
inline constexpr double kMaxConfigSeconds = 365.0 * 24 * 3600;

// Reads environment variable `name` as positive seconds (at most
// kMaxConfigSeconds): nullopt when unset, an error naming the variable when
// malformed.
absl::StatusOr<std::optional<absl::Duration>> EnvSeconds(
    const EnvLookup& env, const std::string& name);

// Reads `name` as an exact decimal USD amount in nano-USD: nullopt when unset,
// an error naming the variable when malformed.
absl::StatusOr<std::optional<int64_t>> EnvUsd(const EnvLookup& env,
                                              const std::string& name);

}  // namespace llmgw

#endif  // LLMGW_CONFIG_ENV_LOOKUP_H_
