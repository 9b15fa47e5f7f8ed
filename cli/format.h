#ifndef LLMGW_CLI_FORMAT_H_
#define LLMGW_CLI_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "llmgateway/v1/gateway.pb.h"

namespace llmgw::cli {

// Exit codes of llmgw.
inline constexpr int kExitOk = 0;
// The RPC failed (any non-OK gRPC status, including an unreachable server).
inline constexpr int kExitRpcError = 1;
// The command line was wrong (unknown subcommand or flag, bad value).
inline constexpr int kExitUsage = 2;

// "$0.000001234" for 1234 nano-USD: integer arithmetic, always 9 decimals;
// negative amounts get a leading '-'.
std::string FormatNanoUsd(int64_t nano_usd);

// Canonical gRPC code name, e.g. "DEADLINE_EXCEEDED".
std::string StatusCodeName(grpc::StatusCode code);

// "error: <CODE_NAME>: <message>", the line printed for a failed RPC.
std::string RpcErrorLine(const grpc::Status& status);

// Lower-case short names: "stop", "length", "content_filter", ...
std::string FinishReasonName(llmgateway::v1::FinishReason reason);
std::string AttemptOutcomeName(llmgateway::v1::AttemptOutcome outcome);

// The one-line summary of a generation:
// "openai/gpt-4o-mini | finish stop | tokens 12 in / 34 out | cost
// $0.000001234 | 532 ms | 1 attempt | request r-1". Usage the gateway
// estimated is marked "(estimated)"; usage detail the provider reported
// follows its total: "tokens 1200 in (1000 cached, 100 cache write) / 80 out
// (64 reasoning)".
std::string SummaryLine(absl::string_view provider, absl::string_view model,
                        llmgateway::v1::FinishReason finish,
                        const llmgateway::v1::Usage& usage,
                        int64_t cost_nano_usd, int64_t latency_ms, int attempts,
                        absl::string_view request_id);

// One line per tool call: "tool_call <id> <name> <arguments JSON>".
std::string ToolCallLines(
    const google::protobuf::RepeatedPtrField<llmgateway::v1::ToolCall>& calls);

// One line per attempt when there was more than one (failures and skips
// matter then): "  attempt 1: openai/gpt-4o rate_limited http 429 120 ms:
// detail". Empty for a single attempt.
std::string AttemptLines(
    const google::protobuf::RepeatedPtrField<llmgateway::v1::Attempt>&
        attempts);

// Renders rows as left-aligned columns separated by two spaces; the first row
// is the header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// The message as JSON (google::protobuf::util::MessageToJsonString, default
// values included). `pretty` adds line breaks and indentation.
std::string ToJson(const google::protobuf::Message& message, bool pretty);

}  // namespace llmgw::cli

#endif  // LLMGW_CLI_FORMAT_H_
