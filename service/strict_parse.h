#ifndef LLMGW_SERVICE_STRICT_PARSE_H_
#define LLMGW_SERVICE_STRICT_PARSE_H_

// Request parsing that turns bad bytes into INVALID_ARGUMENT.
//
// gRPC parses each request before the handler runs; when the protobuf parse
// fails (a proto3 string field holding invalid UTF-8, truncated bytes) the
// callback API answers UNIMPLEMENTED with an empty message, and protobuf
// writes an unstructured line to stderr. The generated service header
// (proto/llmgateway/v1/BUILD, additional_header_includes) includes this file,
// whose SerializationTraits specializations parse GenerateRequest,
// BudgetRequest and EmbedRequest with StrictDeserialize: a failed parse yields
// an empty request carrying a marker, and the handler answers
// ParseFailureOf(request), an INVALID_ARGUMENT naming the field
// ("messages[0].content is not valid UTF-8 ..."), with reason INVALID_REQUEST
// and a BadRequest violation. protobuf's own "invalid UTF-8 when parsing" log
// line is dropped; every other protobuf log line goes to the previous handler.

#include <grpcpp/impl/codegen/proto_utils.h>

#include "absl/status/status.h"
#include "llmgateway/v1/gateway.pb.h"

namespace llmgw {

// Parses `buffer` into `msg`. Always OK for a payload that arrived; a parse
// failure leaves `msg` empty with a marker that ParseFailureOf reports. A
// marker sent by a client is removed.
grpc::Status StrictDeserialize(grpc::ByteBuffer* buffer,
                               google::protobuf::Message* msg);

// INVALID_ARGUMENT when `msg` was produced by a failed StrictDeserialize,
// else OK.
absl::Status ParseFailureOf(const google::protobuf::Message& msg);

}  // namespace llmgw

namespace grpc {

#define LLMGW_STRICT_SERIALIZATION_TRAITS(Type)                              \
  template <>                                                                \
  class SerializationTraits<Type, void> {                                    \
   public:                                                                   \
    static Status Serialize(const grpc::protobuf::MessageLite& msg,          \
                            ByteBuffer* bb, bool* own_buffer) {              \
      return GenericSerialize<ProtoBufferWriter, Type>(msg, bb, own_buffer); \
    }                                                                        \
    static Status Deserialize(ByteBuffer* buffer,                            \
                              grpc::protobuf::MessageLite* msg) {            \
      return ::llmgw::StrictDeserialize(buffer, static_cast<Type*>(msg));    \
    }                                                                        \
  }

LLMGW_STRICT_SERIALIZATION_TRAITS(::llmgateway::v1::GenerateRequest);
LLMGW_STRICT_SERIALIZATION_TRAITS(::llmgateway::v1::BudgetRequest);
LLMGW_STRICT_SERIALIZATION_TRAITS(::llmgateway::v1::EmbedRequest);

#undef LLMGW_STRICT_SERIALIZATION_TRAITS

}  // namespace grpc

#endif  // LLMGW_SERVICE_STRICT_PARSE_H_
