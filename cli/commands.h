#ifndef LLMGW_CLI_COMMANDS_H_
#define LLMGW_CLI_COMMANDS_H_

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/flags.h"
#include "grpcpp/grpcpp.h"
#include "llmgateway/v1/gateway.grpc.pb.h"

namespace llmgw::cli {

// Settings every subcommand uses (global flags).
struct GlobalOptions {
  // --addr, else $LLMGW_ADDR, else 127.0.0.1:50051.
  std::string addr;
  // --timeout: the call's deadline, from when the call starts.
  std::chrono::milliseconds timeout{120'000};
  // --json: print response messages as JSON instead of text.
  bool json = false;
};

// Where a subcommand writes; stdin is read only by generate/stream for the
// prompt.
struct Io {
  FILE* in = stdin;
  FILE* out = stdout;
  FILE* err = stderr;
};

// A call context whose deadline is now + options.timeout.
inline std::unique_ptr<grpc::ClientContext> NewCallContext(
    const GlobalOptions& options) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + options.timeout);
  // The client key of a gateway with client keys (docs/security.md).
  if (const char* key = std::getenv("LLMGW_CLIENT_KEY"); key && *key) {
    context->AddMetadata("authorization", std::string("Bearer ") + key);
  }
  return context;
}

// Flags of generate and stream (besides the global ones).
const std::vector<FlagSpec>& GenerateFlags();

// Builds the GenerateRequest of generate/stream: the prompt from the
// positional arguments joined with spaces, or from stdin when there are none
// or the only one is "-" (one trailing newline removed); --system as a system
// message first. InvalidArgument for bad flag values or an empty prompt.
absl::StatusOr<llmgateway::v1::GenerateRequest> BuildGenerateRequest(
    const CommandLine& line, FILE* in);

// Flags of embed.
const std::vector<FlagSpec>& EmbedFlags();

// Builds the EmbedRequest of embed: the texts are the positional arguments,
// or the non-empty lines of stdin when there are none or the only one is "-"
// (at most 2048 texts, 8 MiB of stdin). InvalidArgument for bad values.
absl::StatusOr<llmgateway::v1::EmbedRequest> BuildEmbedRequest(
    const CommandLine& line, FILE* in);

// Each returns the process exit code (kExitOk, kExitRpcError...).
int RunGenerate(llmgateway::v1::LlmGateway::StubInterface& stub,
                const GlobalOptions& options,
                const llmgateway::v1::GenerateRequest& request, const Io& io);
int RunStream(llmgateway::v1::LlmGateway::StubInterface& stub,
              const GlobalOptions& options,
              const llmgateway::v1::GenerateRequest& request, const Io& io);
// Vectors on stdout, one line per input ("<index>\t<v0> <v1> ..."), or with
// `quiet` one line "N vectors of D dimensions"; the summary on stderr.
int RunEmbed(llmgateway::v1::LlmGateway::StubInterface& stub,
             const GlobalOptions& options,
             const llmgateway::v1::EmbedRequest& request, bool quiet,
             const Io& io);
// `models`: one row per catalog model (context window, prices per million
// tokens, features) instead of the provider table.
int RunStatus(llmgateway::v1::LlmGateway::StubInterface& stub,
              const GlobalOptions& options, bool models, const Io& io);

// "$2.50" for 2,500,000,000 nano-USD per million: exact, at least two
// decimals, no trailing zeros beyond.
std::string FormatUsdPerMillion(int64_t nano_usd_per_million);
// The table of `llmgw status --models`.
std::string ModelsTable(const llmgateway::v1::StatusResponse& response);
int RunBudget(llmgateway::v1::LlmGateway::StubInterface& stub,
              const GlobalOptions& options, const std::string& scope,
              const Io& io);

}  // namespace llmgw::cli

#endif  // LLMGW_CLI_COMMANDS_H_
