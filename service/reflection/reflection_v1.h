#ifndef LLMGW_SERVICE_REFLECTION_REFLECTION_V1_H_
#define LLMGW_SERVICE_REFLECTION_REFLECTION_V1_H_

#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace llmgw {

// grpc.reflection.v1.ServerReflection over the process's generated
// descriptor pool (every proto linked into the binary: the gateway's API,
// grpc.health.v1, both reflection versions). gRPC 1.51 ships only v1alpha;
// tools such as `buf curl` and newer grpcurl ask for v1 first.
// `services` is what list_services answers. Callback API: each stream is a
// reactor answering one request per read; nothing blocks.
class ReflectionV1Service
    : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  explicit ReflectionV1Service(std::vector<std::string> services);

  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

  // One request's answer (exposed for tests).
  grpc::reflection::v1::ServerReflectionResponse Answer(
      const grpc::reflection::v1::ServerReflectionRequest& request) const;

 private:
  const std::vector<std::string> services_;
};

}  // namespace llmgw

#endif  // LLMGW_SERVICE_REFLECTION_REFLECTION_V1_H_
