// llmgw stream: text as it is generated (LlmGateway.GenerateStream).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/format.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

int RunStream(v1::LlmGateway::StubInterface& stub, const GlobalOptions& options,
              const v1::GenerateRequest& request, const Io& io) {
  auto context = NewCallContext(options);
  std::unique_ptr<grpc::ClientReaderInterface<v1::GenerateStreamEvent>> reader =
      stub.GenerateStream(context.get(), request);
  v1::GenerateStreamEvent event;
  v1::StreamSummary summary;
  bool have_summary = false;
  bool ends_with_newline = true;
  while (reader->Read(&event)) {
    if (options.json) {
      // JSON Lines: one event per line, as it arrives.
      std::fprintf(io.out, "%s\n", ToJson(event, /*pretty=*/false).c_str());
      std::fflush(io.out);
    } else if (event.has_delta() && !event.delta().text().empty()) {
      const std::string& text = event.delta().text();
      std::fwrite(text.data(), 1, text.size(), io.out);
      std::fflush(io.out);
      ends_with_newline = text.back() == '\n';
    }
    if (event.has_summary()) {
      summary = event.summary();
      have_summary = true;
    }
  }
  grpc::Status status = reader->Finish();
  if (!options.json && !ends_with_newline) {
    std::fputc('\n', io.out);
    std::fflush(io.out);
  }
  if (!status.ok()) {
    std::fprintf(io.err, "%s\n", RpcErrorLine(status).c_str());
    return kExitRpcError;
  }
  if (options.json) return kExitOk;
  if (!have_summary) {
    std::fprintf(io.err, "stream ended without a summary\n");
    return kExitOk;
  }
  std::fprintf(io.err, "%s | first token %lld ms\n%s",
               SummaryLine(summary.provider(), summary.model(),
                           summary.finish_reason(), summary.usage(),
                           summary.cost_nano_usd(), summary.latency_ms(),
                           summary.attempts_size(), summary.request_id())
                   .c_str(),
               static_cast<long long>(summary.time_to_first_token_ms()),
               AttemptLines(summary.attempts()).c_str());
  return kExitOk;
}

}  // namespace llmgw::cli
