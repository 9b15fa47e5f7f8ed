// grpc_health_probe: asks a gRPC server's grpc.health.v1 Check and exits 0
// when it answers SERVING, 1 for any other answer, 2 when the call fails.
// Used by the image test; usable as an exec probe where native gRPC probes
// are missing.
//
//   health_probe 127.0.0.1:50051 [service] [timeout_seconds]
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/grpc_health/health.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s HOST:PORT [SERVICE] [TIMEOUT_SECONDS]\n",
                 argv[0]);
    return 2;
  }
  const std::string service = argc > 2 ? argv[2] : "";
  const int timeout = argc > 3 ? std::atoi(argv[3]) : 2;
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::printf("error: %s\n", status.error_message().c_str());
    return 2;
  }
  std::printf("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                          response.status())
                          .c_str());
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? 0
             : 1;
}
