#include "service/strict_parse.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/error_details.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format_lite.h"

namespace llmgw {
namespace {

namespace gp = ::google::protobuf;
using gp::internal::WireFormatLite;

// The highest field number: the marker of a failed parse, as an unknown field
// holding "field\tdescription".
constexpr int kParseErrorField = 536870911;
constexpr int kMaxDepth = 8;

gp::LogHandler* previous_handler = nullptr;

void FilterProtobufLog(gp::LogLevel level, const char* filename, int line,
                       const std::string& message) {
  // Parse failures are answered as INVALID_ARGUMENT; no line per request.
  if (absl::StrContains(message, "invalid UTF-8 data when parsing")) return;
  if (previous_handler != nullptr) {
    previous_handler(level, filename, line, message);
  }
}

// Finds the first string field holding invalid UTF-8 in `data` (a serialized
// message of type `type`) and writes its path, e.g. "messages[1].content".
bool FindInvalidUtf8(const std::string& data, const gp::Descriptor* type,
                     const std::string& prefix, int depth, std::string* path) {
  gp::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(data.data()),
                              static_cast<int>(data.size()));
  std::map<int, int> seen;
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagWireType(tag) !=
        WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    uint32_t length = 0;
    std::string bytes;
    if (!in.ReadVarint32(&length) || !in.ReadString(&bytes, length)) {
      return false;
    }
    const gp::FieldDescriptor* field =
        type->FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    if (field == nullptr) continue;
    std::string name = prefix.empty()
                           ? field->name()
                           : absl::StrCat(prefix, ".", field->name());
    if (field->is_repeated()) {
      absl::StrAppend(&name, "[", seen[field->number()]++, "]");
    }
    if (field->type() == gp::FieldDescriptor::TYPE_STRING &&
        !gp::internal::IsStructurallyValidUTF8(
            bytes.data(), static_cast<int>(bytes.size()))) {
      *path = name;
      return true;
    }
    if (field->type() == gp::FieldDescriptor::TYPE_MESSAGE &&
        depth < kMaxDepth &&
        FindInvalidUtf8(bytes, field->message_type(), name, depth + 1, path)) {
      return true;
    }
  }
  return false;
}

std::string Flatten(grpc::ByteBuffer* buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer->Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

}  // namespace

grpc::Status StrictDeserialize(grpc::ByteBuffer* buffer, gp::Message* msg) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    previous_handler = gp::SetLogHandler(&FilterProtobufLog);
  });
  if (buffer == nullptr)
    return grpc::Status(grpc::StatusCode::INTERNAL, "No payload");
  bool parsed = false;
  {
    grpc::ProtoBufferReader reader(buffer);
    if (!reader.status().ok()) return reader.status();
    parsed = msg->ParseFromZeroCopyStream(&reader);
  }
  if (parsed) {
    const gp::Reflection* reflection = msg->GetReflection();
    if (!reflection->GetUnknownFields(*msg).empty()) {
      reflection->MutableUnknownFields(msg)->DeleteByNumber(kParseErrorField);
    }
  } else {
    std::string path;
    std::string marker;
    if (FindInvalidUtf8(Flatten(buffer), msg->GetDescriptor(), "", 0, &path)) {
      marker = absl::StrCat(
          path, "\t", path,
          " is not valid UTF-8: string fields must hold UTF-8 text");
    } else {
      marker =
          absl::StrCat("", "\tthe request is not a valid ",
                       msg->GetDescriptor()->full_name(), " protobuf message");
    }
    msg->Clear();
    msg->GetReflection()->MutableUnknownFields(msg)->AddLengthDelimited(
        kParseErrorField, marker);
  }
  buffer->Clear();
  return grpc::Status::OK;
}

absl::Status ParseFailureOf(const gp::Message& msg) {
  const gp::UnknownFieldSet& unknown =
      msg.GetReflection()->GetUnknownFields(msg);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const gp::UnknownField& field = unknown.field(i);
    if (field.number() != kParseErrorField ||
        field.type() != gp::UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    const std::string& marker = field.length_delimited();
    const size_t tab = marker.find('\t');
    const std::string name = marker.substr(0, tab);
    const std::string description = marker.substr(tab + 1);
    absl::Status status = absl::InvalidArgumentError(description);
    SetErrorReason(status, "INVALID_REQUEST");
    if (!name.empty()) SetFieldViolation(status, name, description);
    return status;
  }
  return absl::OkStatus();
}

}  // namespace llmgw
