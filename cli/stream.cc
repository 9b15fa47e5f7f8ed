// llmgw stream: text as it is generated (LlmGateway.GenerateStream).
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/format.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

namespace {

// Prints text, refusal and tool-call deltas as they arrive. Text goes out
// as is; a refusal starts a "refusal: " line and each tool call a
// "tool_call <index> <id> <name> " line that its argument deltas continue.
class DeltaPrinter {
 public:
  explicit DeltaPrinter(FILE* out) : out_(out) {}

  void Print(const v1::GenerateStreamEvent& event) {
    if (event.has_delta()) {
      const v1::TextDelta& d = event.delta();
      if (!d.text().empty()) Write(Mode::kText, "", d.text());
      if (!d.refusal().empty()) Write(Mode::kRefusal, "refusal: ", d.refusal());
    } else if (event.has_tool_call_delta()) {
      const v1::ToolCallDelta& d = event.tool_call_delta();
      if (mode_ != Mode::kTool || d.index() != tool_index_ ||
          !d.name().empty()) {
        tool_index_ = d.index();
        mode_ = Mode::kNone;  // a new line for a new call
        Write(Mode::kTool,
              absl::StrCat("tool_call ", d.index(), " ", d.id(), " ", d.name(),
                           " "),
              d.arguments_json_delta());
      } else {
        Write(Mode::kTool, "", d.arguments_json_delta());
      }
    }
    std::fflush(out_);
  }
  // Ends the last line.
  void Finish() {
    if (!ends_with_newline_) std::fputc('\n', out_);
    std::fflush(out_);
  }

 private:
  enum class Mode { kNone, kText, kRefusal, kTool };

  void Write(Mode mode, const std::string& prefix, const std::string& text) {
    if (mode != mode_) {
      if (!ends_with_newline_) std::fputc('\n', out_);
      ends_with_newline_ = true;
      if (!prefix.empty()) {
        std::fputs(prefix.c_str(), out_);
        ends_with_newline_ = false;
      }
      mode_ = mode;
    }
    if (text.empty()) return;
    std::fwrite(text.data(), 1, text.size(), out_);
    ends_with_newline_ = text.back() == '\n';
  }

  FILE* out_;
  Mode mode_ = Mode::kNone;
  int32_t tool_index_ = -1;
  bool ends_with_newline_ = true;
};

}  // namespace

int RunStream(v1::LlmGateway::StubInterface& stub, const GlobalOptions& options,
              const v1::GenerateRequest& request, const Io& io) {
  auto context = NewCallContext(options);
  std::unique_ptr<grpc::ClientReaderInterface<v1::GenerateStreamEvent>> reader =
      stub.GenerateStream(context.get(), request);
  v1::GenerateStreamEvent event;
  v1::StreamSummary summary;
  bool have_summary = false;
  DeltaPrinter printer(io.out);
  while (reader->Read(&event)) {
    if (options.json) {
      // JSON Lines: one event per line, as it arrives.
      std::fprintf(io.out, "%s\n", ToJson(event, /*pretty=*/false).c_str());
      std::fflush(io.out);
    } else {
      printer.Print(event);
    }
    if (event.has_summary()) {
      summary = event.summary();
      have_summary = true;
    }
  }
  grpc::Status status = reader->Finish();
  if (!options.json) printer.Finish();
  if (!status.ok()) {
    std::fprintf(io.err, "%s\n", RpcErrorLine(status).c_str());
    return kExitRpcError;
  }
  if (options.json) return kExitOk;
  if (!have_summary) {
    std::fprintf(io.err, "stream ended without a summary\n");
    return kExitOk;
  }
  std::fprintf(io.err, "%s | first token %lld ms\n",
               SummaryLine(summary.provider(), summary.model(),
                           summary.finish_reason(), summary.usage(),
                           summary.cost_nano_usd(), summary.latency_ms(),
                           summary.attempts_size(), summary.request_id())
                   .c_str(),
               static_cast<long long>(summary.time_to_first_token_ms()));
  if (!summary.block_reason().empty()) {
    std::fprintf(io.err, "blocked: %s\n", summary.block_reason().c_str());
  }
  std::fputs(AttemptLines(summary.attempts()).c_str(), io.err);
  return kExitOk;
}

}  // namespace llmgw::cli
