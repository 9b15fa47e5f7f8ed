#ifndef LLMGW_CLI_FLAGS_H_
#define LLMGW_CLI_FLAGS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llmgw::cli {

// One accepted flag. Flags are written "--name value" or "--name=value";
// boolean flags take no separate value ("--json", or "--json=false"). Names
// are spelled with '_'; on the command line '-' works too ("--max-tokens").
struct FlagSpec {
  std::string name;
  bool is_bool = false;
};

// A command line split into the subcommand, its flags and its positional
// arguments.
struct CommandLine {
  // The first positional token ("generate", "status"...); "" when none.
  std::string command;
  // Every value given for each flag, in order (booleans: "true"/"false").
  std::map<std::string, std::vector<std::string>> flags;
  // Positional arguments after the subcommand. "-" is positional, and so is
  // everything after a bare "--".
  std::vector<std::string> args;

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  // The last value of `name`, if given.
  std::optional<std::string> Last(const std::string& name) const;
  // All values of `name`, each also split at commas (empty items dropped):
  // "--stop a,b --stop c" gives {"a", "b", "c"}.
  std::vector<std::string> AllSplit(const std::string& name) const;
  // Boolean flag: given without "=false".
  bool IsSet(const std::string& name) const;
};

// Parses argv[1..]. `global` flags are accepted anywhere; flags of the
// subcommand (from `per_command`, keyed by subcommand name) only after it.
// InvalidArgument for an unknown flag or a missing value. An unknown
// subcommand is not an error here (the caller reports it).
absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& argv, const std::vector<FlagSpec>& global,
    const std::map<std::string, std::vector<FlagSpec>>& per_command);

// Typed values of flags; InvalidArgument naming the flag when malformed.
absl::StatusOr<int32_t> ParseInt32Flag(absl::string_view name,
                                       absl::string_view value);
absl::StatusOr<int64_t> ParseInt64Flag(absl::string_view name,
                                       absl::string_view value);
absl::StatusOr<double> ParseDoubleFlag(absl::string_view name,
                                       absl::string_view value);

}  // namespace llmgw::cli

#endif  // LLMGW_CLI_FLAGS_H_
