// llmgw: command-line client of the LLM gateway's gRPC API.
//
//   llmgw [--addr HOST:PORT] [--timeout SECONDS] [--json] COMMAND [flags]
//   [args]
//
// See kUsage below and cli/README.md. Exit codes: 0 success, 1 the RPC failed
// ("error: <GRPC_CODE_NAME>: <message>" on stderr), 2 usage error.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "grpcpp/grpcpp.h"
#include "llmgateway/v1/gateway.grpc.pb.h"

namespace llmgw::cli {
namespace {

constexpr char kUsage[] =
    R"(usage: llmgw [global flags] COMMAND [flags] [args]

commands:
  generate [flags] [PROMPT...]   one complete answer; the prompt is the
                                 arguments joined with spaces, or stdin when
                                 there are none or the only one is "-"
  stream [flags] [PROMPT...]     same, printing text as it arrives; the
                                 summary goes to stderr
  embed [flags] [TEXT...]        one vector per text (the arguments, or the
                                 non-empty lines of stdin); the summary goes
                                 to stderr
  status [--models]              providers, keys (fingerprints), fallback
                                 chain; --models: every model's context
                                 window, prices per million and features
  budget [--scope SCOPE]         spend of the current window ("global",
                                 "provider:NAME", ...)
  help                           this text

generate/stream flags:
  --model M            model, "provider/model" to pin a provider
  --system TEXT        system prompt
  --max_tokens N       upper bound on generated tokens
  --temperature T      sampling temperature
  --top_p P            nucleus sampling
  --stop S             stop sequence; repeatable, or a comma list
  --fallback M1,M2     fallback models, in order; repeatable
  --request_id ID      idempotency / correlation id
  --metadata K=V       tag recorded with the call; repeatable
  --min_confidence C   skip providers with a lower confidence score
  --tool 'NAME:DESCRIPTION:{JSON SCHEMA}'
                       a tool the model may call; repeatable
  --tools_file FILE    tools as an OpenAI-style JSON array
  --tool_choice C      auto, none, required or a tool's name
  --messages FILE      earlier turns (JSON array of ChatMessage, proto JSON):
                       tool calls and tool results for a round trip
  --json_schema S      JSON output matching the schema (a file, or inline
                       when it starts with "{"); --schema_name N, --strict
  --json_object        any JSON object
  --image PATH_OR_URL  an image for the prompt (.png .jpg .webp .gif, at
                       most 20 MiB, or an http(s)/data URL); repeatable
  --seed N             best-effort deterministic sampling

embed flags:
  --model M            embedding model ("" = the primary's default one)
  --dimensions N       shorter vectors where the model supports it
  --input_type T       search_document, search_query, classification or
                       clustering
  --fallback, --request_id, --metadata as for generate
  --quiet              print "N vectors of D dimensions" instead of vectors

Flag names take '-' or '_' alike (--tool-choice = --tool_choice).

global flags:
  --addr HOST:PORT     gateway address (default $LLMGW_ADDR or 127.0.0.1:50051)
  --timeout SECONDS    call deadline (default 120)
  --json               print the response message as JSON (stream: one JSON
                       event per line)

exit codes: 0 ok, 1 RPC error ("error: CODE: message" on stderr), 2 usage error
)";

constexpr char kDefaultAddr[] = "127.0.0.1:50051";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "llmgw: %s\nrun \"llmgw help\" for usage\n",
               message.c_str());
  return kExitUsage;
}

const std::vector<FlagSpec>& GlobalFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"addr"}, {"timeout"}, {"json", /*is_bool=*/true}, {"help", true}};
  return kFlags;
}

const std::map<std::string, std::vector<FlagSpec>>& CommandFlags() {
  static const std::map<std::string, std::vector<FlagSpec>> kFlags = {
      {"generate", GenerateFlags()}, {"stream", GenerateFlags()},
      {"embed", EmbedFlags()},       {"status", {{"models", true}}},
      {"budget", {{"scope"}}},       {"help", {}},
  };
  return kFlags;
}

int Main(int argc, char** argv) {
  absl::StatusOr<CommandLine> parsed =
      ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc),
                       GlobalFlags(), CommandFlags());
  if (!parsed.ok()) return UsageError(std::string(parsed.status().message()));
  const CommandLine& line = *parsed;
  if (line.command == "help" || line.IsSet("help")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (line.command.empty()) return UsageError("missing command");
  if (CommandFlags().count(line.command) == 0) {
    return UsageError("unknown command \"" + line.command + "\"");
  }

  GlobalOptions options;
  const char* env_addr = std::getenv("LLMGW_ADDR");
  options.addr = line.Last("addr").value_or(
      env_addr != nullptr && *env_addr != '\0' ? env_addr : kDefaultAddr);
  options.json = line.IsSet("json");
  if (auto value = line.Last("timeout")) {
    absl::StatusOr<double> seconds = ParseDoubleFlag("timeout", *value);
    if (!seconds.ok())
      return UsageError(std::string(seconds.status().message()));
    if (*seconds <= 0) return UsageError("--timeout must be positive");
    options.timeout = std::chrono::milliseconds(
        static_cast<int64_t>(std::llround(*seconds * 1000)));
  }

  const bool generates = line.command == "generate" || line.command == "stream";
  const bool embeds = line.command == "embed";
  if (!generates && !embeds && !line.args.empty()) {
    return UsageError(line.command + " takes no arguments");
  }
  llmgateway::v1::GenerateRequest request;
  if (generates) {
    absl::StatusOr<llmgateway::v1::GenerateRequest> built =
        BuildGenerateRequest(line, stdin);
    if (!built.ok()) return UsageError(std::string(built.status().message()));
    request = *std::move(built);
  }
  llmgateway::v1::EmbedRequest embed;
  if (embeds) {
    absl::StatusOr<llmgateway::v1::EmbedRequest> built =
        BuildEmbedRequest(line, stdin);
    if (!built.ok()) return UsageError(std::string(built.status().message()));
    embed = *std::move(built);
  }

  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.addr, grpc::InsecureChannelCredentials());
  std::unique_ptr<llmgateway::v1::LlmGateway::Stub> stub =
      llmgateway::v1::LlmGateway::NewStub(channel);
  Io io;
  if (line.command == "generate")
    return RunGenerate(*stub, options, request, io);
  if (line.command == "stream") return RunStream(*stub, options, request, io);
  if (embeds) return RunEmbed(*stub, options, embed, line.IsSet("quiet"), io);
  if (line.command == "status") {
    return RunStatus(*stub, options, line.IsSet("models"), io);
  }
  return RunBudget(*stub, options, line.Last("scope").value_or(""), io);
}

}  // namespace
}  // namespace llmgw::cli

int main(int argc, char** argv) { return llmgw::cli::Main(argc, argv); }
