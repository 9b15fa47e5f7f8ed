#include "service/grpc_error.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/error_details.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "llmgateway/v1/error_details.pb.h"
#include "service/proto_convert.h"

namespace llmgw {
namespace {

constexpr int kMaxMetadataEntries = 16;
constexpr size_t kMaxMetaValueBytes = 256;
constexpr size_t kMaxViolationBytes = 512;

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string Cap(absl::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  const absl::string_view suffix = "...";
  size_t end = max > suffix.size() ? max - suffix.size() : 0;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return absl::StrCat(text.substr(0, end), suffix);
}

// The reason when no layer set one.
std::string DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_REQUEST";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    default:
      return "INTERNAL";
  }
}

void AddTrail(const std::vector<AttemptRecord>& attempts,
              google::rpc::Status* out) {
  llmgateway::v1::AttemptTrail trail;
  size_t bytes = 0;
  for (const AttemptRecord& a : attempts) {
    llmgateway::v1::Attempt attempt;
    FillAttempt(a, &attempt);
    attempt.set_detail(Cap(a.detail, kMaxAttemptDetailBytes));
    bytes += attempt.ByteSizeLong() + 3;
    if (bytes > kMaxTrailBytes) {
      trail.set_truncated(trail.truncated() + 1);
      continue;
    }
    *trail.add_attempts() = std::move(attempt);
  }
  out->add_details()->PackFrom(trail);
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status,
                          const std::vector<AttemptRecord>* attempts) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(Cap(status.message(), kMaxErrorMessageBytes));

  google::rpc::ErrorInfo info;
  info.set_domain(kErrorDomain);
  std::string reason = ErrorReason(status);
  info.set_reason(reason.empty() ? DefaultReason(status.code())
                                 : Cap(reason, 64));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    if (!absl::StartsWith(url, kMetaPayloadPrefix) ||
        info.metadata_size() >= kMaxMetadataEntries) {
      return;
    }
    (*info.mutable_metadata())[Cap(url.substr(strlen(kMetaPayloadPrefix)),
                                   64)] =
        Cap(std::string(value), kMaxMetaValueBytes);
  });
  rpc.add_details()->PackFrom(info);

  if (std::optional<absl::Duration> after = RetryAfter(status)) {
    google::rpc::RetryInfo retry;
    const int64_t ms = absl::ToInt64Milliseconds(*after);
    retry.mutable_retry_delay()->set_seconds(ms / 1000);
    retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(ms % 1000) *
                                           1000000);
    rpc.add_details()->PackFrom(retry);
  }
  if (auto violation = status.GetPayload(kFieldViolationPayload)) {
    const std::string text(*violation);
    const size_t tab = text.find('\t');
    google::rpc::BadRequest bad;
    auto* v = bad.add_field_violations();
    v->set_field(Cap(text.substr(0, tab), 128));
    v->set_description(tab == std::string::npos
                           ? ""
                           : Cap(text.substr(tab + 1), kMaxViolationBytes));
    rpc.add_details()->PackFrom(bad);
  }
  if (attempts != nullptr && !attempts->empty()) AddTrail(*attempts, &rpc);

  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      rpc.message(), rpc.SerializeAsString());
}

}  // namespace llmgw
