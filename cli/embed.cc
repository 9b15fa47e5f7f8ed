// llmgw embed: vectors for a batch of texts (LlmGateway.Embed).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "cli/format.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

namespace {

// Bounds of the batch the CLI sends (EmbedRequest's documented limits).
constexpr int kMaxInputs = 2048;
constexpr size_t kMaxStdinBytes = 8 << 20;

absl::StatusOr<std::vector<std::string>> InputLines(FILE* in) {
  std::string text;
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), in)) > 0) {
    text.append(buffer, n);
    if (text.size() > kMaxStdinBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("stdin is larger than ", kMaxStdinBytes, " bytes"));
    }
  }
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.emplace_back(line);
  }
  return lines;
}

absl::StatusOr<v1::EmbedInputType> ParseInputType(absl::string_view value) {
  if (value == "search_document") return v1::EMBED_INPUT_TYPE_SEARCH_DOCUMENT;
  if (value == "search_query") return v1::EMBED_INPUT_TYPE_SEARCH_QUERY;
  if (value == "classification") return v1::EMBED_INPUT_TYPE_CLASSIFICATION;
  if (value == "clustering") return v1::EMBED_INPUT_TYPE_CLUSTERING;
  return absl::InvalidArgumentError(absl::StrCat(
      "--input_type wants search_document, search_query, classification or "
      "clustering, got \"",
      value, "\""));
}

std::string Vector(const v1::Embedding& e) {
  std::string line;
  char number[32];
  for (int i = 0; i < e.values_size(); ++i) {
    std::snprintf(number, sizeof(number), "%.9g", e.values(i));
    absl::StrAppend(&line, i == 0 ? "" : " ", number);
  }
  return line;
}

}  // namespace

const std::vector<FlagSpec>& EmbedFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"model"},      {"dimensions"}, {"input_type"}, {"fallback"},
      {"request_id"}, {"metadata"},   {"quiet", true}};
  return kFlags;
}

absl::StatusOr<v1::EmbedRequest> BuildEmbedRequest(const CommandLine& line,
                                                   FILE* in) {
  v1::EmbedRequest request;
  std::vector<std::string> texts = line.args;
  if (texts.empty() || (texts.size() == 1 && texts[0] == "-")) {
    absl::StatusOr<std::vector<std::string>> lines = InputLines(in);
    if (!lines.ok()) return lines.status();
    texts = *std::move(lines);
  }
  if (texts.empty()) return absl::InvalidArgumentError("nothing to embed");
  if (texts.size() > static_cast<size_t>(kMaxInputs)) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxInputs, " texts per call"));
  }
  for (std::string& text : texts) {
    if (text.empty()) return absl::InvalidArgumentError("empty text");
    request.add_inputs(std::move(text));
  }
  if (auto model = line.Last("model")) request.set_model(*model);
  if (auto value = line.Last("dimensions")) {
    absl::StatusOr<int32_t> dims = ParseInt32Flag("dimensions", *value);
    if (!dims.ok()) return dims.status();
    if (*dims < 0) {
      return absl::InvalidArgumentError("--dimensions must be 0 or more");
    }
    request.set_dimensions(*dims);
  }
  if (auto value = line.Last("input_type")) {
    absl::StatusOr<v1::EmbedInputType> type = ParseInputType(*value);
    if (!type.ok()) return type.status();
    request.set_input_type(*type);
  }
  for (std::string& model : line.AllSplit("fallback")) {
    request.add_fallback_models(std::move(model));
  }
  if (auto id = line.Last("request_id")) request.set_request_id(*id);
  if (auto it = line.flags.find("metadata"); it != line.flags.end()) {
    for (const std::string& entry : it->second) {
      const size_t eq = entry.find('=');
      if (eq == std::string::npos || eq == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--metadata wants key=value, got \"", entry, "\""));
      }
      (*request.mutable_metadata())[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  return request;
}

int RunEmbed(v1::LlmGateway::StubInterface& stub, const GlobalOptions& options,
             const v1::EmbedRequest& request, bool quiet, const Io& io) {
  auto context = NewCallContext(options);
  v1::EmbedResponse response;
  grpc::Status status = stub.Embed(context.get(), request, &response);
  if (!status.ok()) {
    std::fprintf(io.err, "%s\n", RpcErrorLine(status).c_str());
    return kExitRpcError;
  }
  if (options.json) {
    std::fprintf(io.out, "%s\n", ToJson(response, /*pretty=*/true).c_str());
    return kExitOk;
  }
  if (quiet) {
    const int dims = response.embeddings_size() > 0
                         ? response.embeddings(0).values_size()
                         : 0;
    std::fprintf(io.out, "%d vectors of %d dimensions\n",
                 response.embeddings_size(), dims);
  } else {
    for (const v1::Embedding& e : response.embeddings()) {
      std::fprintf(io.out, "%d\t%s\n", e.index(), Vector(e).c_str());
    }
  }
  std::fflush(io.out);
  std::fprintf(io.err, "%s/%s | tokens %lld in%s | cost %s | %lld ms | %d %s",
               response.provider().c_str(), response.model().c_str(),
               static_cast<long long>(response.usage().input_tokens()),
               response.usage().estimated() ? " (estimated)" : "",
               FormatNanoUsd(response.cost_nano_usd()).c_str(),
               static_cast<long long>(response.latency_ms()),
               response.attempts_size(),
               response.attempts_size() == 1 ? "attempt" : "attempts");
  if (!response.request_id().empty()) {
    std::fprintf(io.err, " | request %s", response.request_id().c_str());
  }
  std::fprintf(io.err, "\n%s", AttemptLines(response.attempts()).c_str());
  return kExitOk;
}

}  // namespace llmgw::cli
