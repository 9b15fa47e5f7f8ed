// llmgw generate: one complete answer (LlmGateway.Generate).
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/request_options.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

namespace {

std::string ReadAll(FILE* in) {
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), in)) > 0) {
    text.append(buffer, n);
  }
  return text;
}

absl::Status AddMetadata(const CommandLine& line,
                         v1::GenerateRequest* request) {
  auto it = line.flags.find("metadata");
  if (it == line.flags.end()) return absl::OkStatus();
  for (const std::string& entry : it->second) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--metadata wants key=value, got \"", entry, "\""));
    }
    (*request->mutable_metadata())[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return absl::OkStatus();
}

void AddMessage(v1::Role role, std::string content,
                v1::GenerateRequest* request) {
  v1::ChatMessage* message = request->add_messages();
  message->set_role(role);
  message->set_content(std::move(content));
}

}  // namespace

const std::vector<FlagSpec>& GenerateFlags() {
  static const std::vector<FlagSpec> kFlags = [] {
    std::vector<FlagSpec> flags = {
        {"model"},    {"system"},        {"max_tokens"}, {"temperature"},
        {"top_p"},    {"stop"},          {"fallback"},   {"request_id"},
        {"metadata"}, {"min_confidence"}};
    for (const FlagSpec& f : ContractFlags()) flags.push_back(f);
    return flags;
  }();
  return kFlags;
}

absl::StatusOr<v1::GenerateRequest> BuildGenerateRequest(
    const CommandLine& line, FILE* in) {
  v1::GenerateRequest request;
  // --messages: earlier turns; the prompt is then optional (stdin is read
  // only for "-").
  std::vector<v1::ChatMessage> earlier;
  if (auto path = line.Last("messages")) {
    absl::StatusOr<std::string> json =
        ReadBoundedFile("messages", *path, kMaxJsonFileBytes);
    if (!json.ok()) return json.status();
    absl::StatusOr<std::vector<v1::ChatMessage>> parsed =
        ParseMessagesJson(*json);
    if (!parsed.ok()) return parsed.status();
    earlier = *std::move(parsed);
  }
  std::string prompt;
  if ((line.args.empty() && earlier.empty()) ||
      (line.args.size() == 1 && line.args[0] == "-")) {
    prompt = ReadAll(in);
    if (!prompt.empty() && prompt.back() == '\n') prompt.pop_back();
    if (!prompt.empty() && prompt.back() == '\r') prompt.pop_back();
  } else {
    prompt = absl::StrJoin(line.args, " ");
  }
  if (prompt.empty() && earlier.empty()) {
    return absl::InvalidArgumentError("the prompt is empty");
  }

  if (auto system = line.Last("system")) {
    AddMessage(v1::ROLE_SYSTEM, *system, &request);
  }
  for (v1::ChatMessage& m : earlier) *request.add_messages() = std::move(m);
  if (!prompt.empty()) AddMessage(v1::ROLE_USER, std::move(prompt), &request);
  if (auto model = line.Last("model")) request.set_model(*model);
  if (auto value = line.Last("max_tokens")) {
    absl::StatusOr<int32_t> max_tokens = ParseInt32Flag("max_tokens", *value);
    if (!max_tokens.ok()) return max_tokens.status();
    request.set_max_tokens(*max_tokens);
  }
  if (auto value = line.Last("temperature")) {
    absl::StatusOr<double> temperature = ParseDoubleFlag("temperature", *value);
    if (!temperature.ok()) return temperature.status();
    request.set_temperature(static_cast<float>(*temperature));
  }
  if (auto value = line.Last("top_p")) {
    absl::StatusOr<double> top_p = ParseDoubleFlag("top_p", *value);
    if (!top_p.ok()) return top_p.status();
    request.set_top_p(static_cast<float>(*top_p));
  }
  if (auto value = line.Last("min_confidence")) {
    absl::StatusOr<double> confidence =
        ParseDoubleFlag("min_confidence", *value);
    if (!confidence.ok()) return confidence.status();
    request.set_min_confidence(*confidence);
  }
  for (std::string& stop : line.AllSplit("stop"))
    request.add_stop(std::move(stop));
  for (std::string& model : line.AllSplit("fallback")) {
    request.add_fallback_models(std::move(model));
  }
  if (auto id = line.Last("request_id")) request.set_request_id(*id);
  if (absl::Status status = AddMetadata(line, &request); !status.ok()) {
    return status;
  }
  if (absl::Status status = ApplyContractOptions(line, &request);
      !status.ok()) {
    return status;
  }
  return request;
}

int RunGenerate(v1::LlmGateway::StubInterface& stub,
                const GlobalOptions& options,
                const v1::GenerateRequest& request, const Io& io) {
  auto context = NewCallContext(options);
  v1::GenerateResponse response;
  grpc::Status status = stub.Generate(context.get(), request, &response);
  if (!status.ok()) {
    std::fprintf(io.err, "%s\n", RpcErrorLine(status).c_str());
    return kExitRpcError;
  }
  if (options.json) {
    std::fprintf(io.out, "%s\n", ToJson(response, /*pretty=*/true).c_str());
    return kExitOk;
  }
  const std::string& text = response.text();
  // No blank line before tool calls or a refusal that come without text.
  const bool no_text = text.empty() && (response.tool_calls_size() > 0 ||
                                        !response.refusal().empty());
  if (!no_text) {
    std::fputs(text.c_str(), io.out);
    if (text.empty() || text.back() != '\n') std::fputc('\n', io.out);
  }
  std::fputs(ToolCallLines(response.tool_calls()).c_str(), io.out);
  if (!response.refusal().empty()) {
    std::fprintf(io.out, "refusal: %s\n", response.refusal().c_str());
  }
  std::fflush(io.out);
  std::fprintf(io.err, "%s\n",
               SummaryLine(response.provider(), response.model(),
                           response.finish_reason(), response.usage(),
                           response.cost_nano_usd(), response.latency_ms(),
                           response.attempts_size(), response.request_id())
                   .c_str());
  if (!response.block_reason().empty()) {
    std::fprintf(io.err, "blocked: %s\n", response.block_reason().c_str());
  }
  std::fputs(AttemptLines(response.attempts()).c_str(), io.err);
  return kExitOk;
}

}  // namespace llmgw::cli
