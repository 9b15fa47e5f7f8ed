#include "config/yaml_util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/money.h"
#include "config/env_lookup.h"
#include "config/env_lookup.h"

namespace llmgw::config_internal {

absl::Status KeyError(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("config: ", where, ": ", what));
}

absl::StatusOr<std::string> ScalarString(const YAML::Node& node,
                                         absl::string_view where) {
  if (!node.IsScalar()) return KeyError(where, "expected a scalar");
  return node.Scalar();
}

absl::StatusOr<double> ScalarDouble(const YAML::Node& node,
                                    absl::string_view where) {
  double value = 0;
  if (!node.IsScalar() || !absl::SimpleAtod(node.Scalar(), &value)) {
    return KeyError(where, "expected a number");
  }
  return value;
}

absl::StatusOr<int64_t> ScalarInt(const YAML::Node& node,
                                  absl::string_view where) {
  int64_t value = 0;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &value)) {
    return KeyError(where, "expected an integer");
  }
  return value;
}

absl::StatusOr<int64_t> ScalarIntIn(const YAML::Node& node,
                                    absl::string_view where, int64_t lo,
                                    int64_t hi) {
  absl::StatusOr<int64_t> value = ScalarInt(node, where);
  if (value.ok() && (*value < lo || *value > hi)) {
    return KeyError(where,
                    absl::StrCat("expected an integer from ", lo, " to ", hi));
  }
  return value;
}

absl::StatusOr<absl::Duration> ScalarSeconds(const YAML::Node& node,
                                             absl::string_view where) {
  absl::StatusOr<double> seconds = ScalarDouble(node, where);
  if (!seconds.ok()) return seconds.status();
  // At most a year: larger values are typos, and a double beyond int64
  // milliseconds must never reach a conversion (the config fuzzer found one).
  if (!(*seconds > 0 && *seconds <= kMaxConfigSeconds)) {
    return KeyError(where, absl::StrCat("must be positive seconds, at most ",
                                        kMaxConfigSeconds));
  }
  return absl::Seconds(*seconds);
}

// Prices are written in USD (decimal strings, parsed exactly).
absl::StatusOr<int64_t> ScalarUsd(const YAML::Node& node,
                                  absl::string_view where) {
  if (!node.IsScalar()) return KeyError(where, "expected a USD amount");
  absl::StatusOr<int64_t> nano = ParseUsd(node.Scalar());
  if (!nano.ok()) return KeyError(where, nano.status().message());
  return nano;
}

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node,
                                                    absl::string_view where) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    for (absl::string_view part : absl::StrSplit(node.Scalar(), ',')) {
      part = absl::StripAsciiWhitespace(part);
      if (!part.empty()) out.emplace_back(part);
    }
    return out;
  }
  if (!node.IsSequence()) return KeyError(where, "expected a list");
  for (const YAML::Node& item : node) {
    absl::StatusOr<std::string> s = ScalarString(item, where);
    if (!s.ok()) return s.status();
    out.push_back(*s);
  }
  return out;
}

absl::StatusOr<bool> ScalarBool(const YAML::Node& node,
                                absl::string_view where) {
  if (!node.IsScalar()) return KeyError(where, "expected true or false");
  bool value = false;
  if (!YAML::convert<bool>::decode(node, value)) {
    return KeyError(where, "expected true or false");
  }
  return value;
}

}  // namespace llmgw::config_internal
