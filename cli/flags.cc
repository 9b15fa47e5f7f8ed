#include "cli/flags.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace llmgw::cli {
namespace {

const FlagSpec* FindFlag(const std::vector<FlagSpec>& specs,
                         absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> CommandLine::Last(const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> CommandLine::AllSplit(const std::string& name) const {
  std::vector<std::string> out;
  auto it = flags.find(name);
  if (it == flags.end()) return out;
  for (const std::string& value : it->second) {
    for (absl::string_view item :
         absl::StrSplit(value, ',', absl::SkipEmpty())) {
      out.emplace_back(item);
    }
  }
  return out;
}

bool CommandLine::IsSet(const std::string& name) const {
  std::optional<std::string> value = Last(name);
  return value.has_value() && *value != "false";
}

absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& argv, const std::vector<FlagSpec>& global,
    const std::map<std::string, std::vector<FlagSpec>>& per_command) {
  CommandLine line;
  static const std::vector<FlagSpec> kNone;
  bool flags_ended = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& token = argv[i];
    const bool is_flag =
        !flags_ended && absl::StartsWith(token, "-") && token != "-";
    if (!is_flag) {
      if (line.command.empty() && !flags_ended) {
        line.command = token;
      } else {
        line.args.push_back(token);
      }
      continue;
    }
    if (token == "--") {
      flags_ended = true;
      continue;
    }
    if (!absl::StartsWith(token, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", token, " (flags start with --)"));
    }
    absl::string_view body = absl::string_view(token).substr(2);
    std::optional<std::string> value;
    size_t eq = body.find('=');
    if (eq != absl::string_view::npos) {
      value = std::string(body.substr(eq + 1));
      body = body.substr(0, eq);
    }
    // "--max-tokens" and "--max_tokens" are the same flag.
    const std::string name = absl::StrReplaceAll(body, {{"-", "_"}});
    body = name;
    auto command_flags = per_command.find(line.command);
    const FlagSpec* spec = FindFlag(global, body);
    if (spec == nullptr && command_flags != per_command.end()) {
      spec = FindFlag(command_flags->second, body);
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          line.command.empty()
              ? absl::StrCat("unknown flag --", body)
              : absl::StrCat("unknown flag --", body, " for ", line.command));
    }
    if (spec->is_bool) {
      if (value && *value != "true" && *value != "false") {
        return absl::InvalidArgumentError(
            absl::StrCat("--", body, " takes no value, or =true / =false"));
      }
      value = value.value_or("true");
    } else if (!value) {
      if (i + 1 >= argv.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", body, " needs a value"));
      }
      value = argv[++i];
    }
    line.flags[spec->name].push_back(*value);
  }
  return line;
}

absl::StatusOr<int32_t> ParseInt32Flag(absl::string_view name,
                                       absl::string_view value) {
  int32_t out = 0;
  if (!absl::SimpleAtoi(value, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " wants an integer, got \"", value, "\""));
  }
  return out;
}

absl::StatusOr<int64_t> ParseInt64Flag(absl::string_view name,
                                       absl::string_view value) {
  int64_t out = 0;
  if (!absl::SimpleAtoi(value, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " wants an integer, got \"", value, "\""));
  }
  return out;
}

absl::StatusOr<double> ParseDoubleFlag(absl::string_view name,
                                       absl::string_view value) {
  double out = 0;
  if (!absl::SimpleAtod(value, &out) || !std::isfinite(out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " wants a number, got \"", value, "\""));
  }
  return out;
}

}  // namespace llmgw::cli
