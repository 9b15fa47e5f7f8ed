#ifndef LLMGW_CONFIG_YAML_UTIL_H_
#define LLMGW_CONFIG_YAML_UTIL_H_

// Helpers for the typed YAML parsers of config/. Every error names the key
// path ("providers.openai.read_timeout_seconds") and what was expected.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace llmgw::config_internal {

absl::Status KeyError(absl::string_view where, absl::string_view what);
absl::StatusOr<std::string> ScalarString(const YAML::Node& node,
                                         absl::string_view where);
absl::StatusOr<double> ScalarDouble(const YAML::Node& node,
                                    absl::string_view where);
absl::StatusOr<int64_t> ScalarInt(const YAML::Node& node,
                                  absl::string_view where);
// An integer from `lo` to `hi` inclusive.
absl::StatusOr<int64_t> ScalarIntIn(const YAML::Node& node,
                                    absl::string_view where, int64_t lo,
                                    int64_t hi);
absl::StatusOr<bool> ScalarBool(const YAML::Node& node,
                                absl::string_view where);
// Positive seconds (fractions allowed).
absl::StatusOr<absl::Duration> ScalarSeconds(const YAML::Node& node,
                                             absl::string_view where);
// A decimal USD amount, parsed exactly into nano-USD.
absl::StatusOr<int64_t> ScalarUsd(const YAML::Node& node,
                                  absl::string_view where);
// A YAML list, or a comma-separated scalar.
absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node,
                                                    absl::string_view where);

}  // namespace llmgw::config_internal

// Assigns the value of a StatusOr expression or returns its error.
#define ASSIGN_OR_RETURN_CFG(lhs, expr) \
  {                                     \
    auto _r = (expr);                   \
    if (!_r.ok()) return _r.status();   \
    lhs = *std::move(_r);               \
  }

#endif  // LLMGW_CONFIG_YAML_UTIL_H_
