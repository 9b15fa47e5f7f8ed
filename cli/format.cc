#include "cli/format.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace llmgw::cli {

namespace v1 = ::llmgateway::v1;

std::string FormatNanoUsd(int64_t nano_usd) {
  constexpr uint64_t kNanoPerUsd = 1'000'000'000;
  const bool negative = nano_usd < 0;
  // Magnitude as unsigned so INT64_MIN does not overflow.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(nano_usd)
                                      : static_cast<uint64_t>(nano_usd);
  return absl::StrFormat("%s$%d.%09d", negative ? "-" : "",
                         magnitude / kNanoPerUsd, magnitude % kNanoPerUsd);
}

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

std::string RpcErrorLine(const grpc::Status& status) {
  return absl::StrCat("error: ", StatusCodeName(status.error_code()), ": ",
                      status.error_message());
}

std::string FinishReasonName(v1::FinishReason reason) {
  switch (reason) {
    case v1::FINISH_REASON_STOP:
      return "stop";
    case v1::FINISH_REASON_LENGTH:
      return "length";
    case v1::FINISH_REASON_CONTENT_FILTER:
      return "content_filter";
    case v1::FINISH_REASON_TOOL_CALLS:
      return "tool_calls";
    case v1::FINISH_REASON_ERROR:
      return "error";
    case v1::FINISH_REASON_CANCELLED:
      return "cancelled";
    default:
      return "unspecified";
  }
}

// The proto enum's own name without its prefix, lower-cased
// (ATTEMPT_OUTCOME_MODEL_NOT_FOUND -> "model_not_found"): one spelling of the
// outcomes, the proto's, so a new outcome needs no change here.
std::string AttemptOutcomeName(v1::AttemptOutcome outcome) {
  absl::string_view name = v1::AttemptOutcome_Name(outcome);
  if (!absl::ConsumePrefix(&name, "ATTEMPT_OUTCOME_")) return "unspecified";
  return absl::AsciiStrToLower(name);
}

namespace {

// " (8 cached, 2 cache write)" when the provider reported cache detail.
std::string InputDetail(const v1::Usage& usage) {
  std::vector<std::string> parts;
  if (usage.cached_input_tokens() > 0) {
    parts.push_back(absl::StrCat(usage.cached_input_tokens(), " cached"));
  }
  if (usage.cache_write_input_tokens() > 0) {
    parts.push_back(
        absl::StrCat(usage.cache_write_input_tokens(), " cache write"));
  }
  if (parts.empty()) return "";
  return absl::StrCat(" (", absl::StrJoin(parts, ", "), ")");
}

std::string OutputDetail(const v1::Usage& usage) {
  if (usage.reasoning_tokens() <= 0) return "";
  return absl::StrCat(" (", usage.reasoning_tokens(), " reasoning)");
}

}  // namespace

std::string ToolCallLines(
    const google::protobuf::RepeatedPtrField<v1::ToolCall>& calls) {
  std::string out;
  for (const v1::ToolCall& call : calls) {
    absl::StrAppend(
        &out, "tool_call ", call.id(), " ", call.name(), " ",
        call.arguments_json().empty() ? "{}" : call.arguments_json(), "\n");
  }
  return out;
}

std::string SummaryLine(absl::string_view provider, absl::string_view model,
                        v1::FinishReason finish, const v1::Usage& usage,
                        int64_t cost_nano_usd, int64_t latency_ms, int attempts,
                        absl::string_view request_id) {
  std::string line = absl::StrCat(
      provider, "/", model, " | finish ", FinishReasonName(finish),
      " | tokens ", usage.input_tokens(), " in", InputDetail(usage), " / ",
      usage.output_tokens(), " out", OutputDetail(usage),
      usage.estimated() ? " (estimated)" : "", " | cost ",
      FormatNanoUsd(cost_nano_usd), " | ", latency_ms, " ms | ", attempts,
      attempts == 1 ? " attempt" : " attempts");
  if (!request_id.empty()) absl::StrAppend(&line, " | request ", request_id);
  return line;
}

std::string AttemptLines(
    const google::protobuf::RepeatedPtrField<v1::Attempt>& attempts) {
  if (attempts.size() <= 1) return "";
  std::string out;
  int index = 0;
  for (const v1::Attempt& attempt : attempts) {
    absl::StrAppend(&out, "  attempt ", ++index, ": ", attempt.provider(), "/",
                    attempt.model(), " ",
                    AttemptOutcomeName(attempt.outcome()));
    if (attempt.http_status() != 0) {
      absl::StrAppend(&out, " http ", attempt.http_status());
    }
    absl::StrAppend(&out, " ", attempt.latency_ms(), " ms");
    if (!attempt.key_fingerprint().empty()) {
      absl::StrAppend(&out, " key ", attempt.key_fingerprint());
    }
    if (!attempt.detail().empty())
      absl::StrAppend(&out, ": ", attempt.detail());
    out += "\n";
  }
  return out;
}

namespace {

// Width in terminal columns, counting UTF-8 code points (key fingerprints
// contain "…").
size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

}  // namespace

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - DisplayWidth(row[i]) + 2, ' ');
      }
    }
    out += line + "\n";
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.always_print_primitive_fields = true;
  std::string out;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok())
    return absl::StrCat("{\"error\": \"", status.ToString(), "\"}");
  if (!pretty) return out;
  // add_whitespace output already ends with a newline.
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace llmgw::cli
