// Server reflection on the real binary: a grpc.reflection.v1 request through
// a generated stub lists every service and describes LlmGateway and
// grpc.health.v1 (with their dependencies), and `buf curl --list-methods`
// (npm @bufbuild/buf, which asks v1 then v1alpha) lists the methods of
// LlmGateway and Health.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdlib>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/gateway_process.h"

namespace llmgw::testing {
namespace {

namespace rpb = ::grpc::reflection::v1;

std::string BufPath() {
  const char* dir = std::getenv("LLMGW_TOOLS_DIR");
  return absl::StrCat(dir ? dir : "/opt/llmgw",
                      "/npm/operate/node_modules/.bin/buf");
}

class ReflectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = gateway_.Start({});
    ASSERT_TRUE(started.ok()) << started;
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_.grpc_port()),
                            grpc::InsecureChannelCredentials());
  }
  // Sends one request on a v1 reflection stream and returns the answer.
  rpb::ServerReflectionResponse Ask(const rpb::ServerReflectionRequest& req) {
    auto stub = rpb::ServerReflection::NewStub(channel_);
    grpc::ClientContext context;
    auto stream = stub->ServerReflectionInfo(&context);
    rpb::ServerReflectionResponse response;
    EXPECT_TRUE(stream->Write(req));
    EXPECT_TRUE(stream->Read(&response));
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
    return response;
  }
  std::set<std::string> Files(const rpb::ServerReflectionResponse& r) {
    std::set<std::string> names;
    for (const std::string& bytes :
         r.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      EXPECT_TRUE(file.ParseFromString(bytes));
      names.insert(file.name());
    }
    return names;
  }
  GatewayProcess gateway_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ReflectionTest, V1ListsAndDescribesEveryService) {
  rpb::ServerReflectionRequest list;
  list.set_list_services("*");
  std::set<std::string> services;
  const rpb::ServerReflectionResponse listed = Ask(list);
  for (const auto& s : listed.list_services_response().service()) {
    services.insert(s.name());
  }
  EXPECT_TRUE(services.count("llmgateway.v1.LlmGateway"));
  EXPECT_TRUE(services.count("grpc.health.v1.Health"));
  EXPECT_TRUE(services.count("grpc.reflection.v1.ServerReflection"));
  EXPECT_TRUE(services.count("grpc.reflection.v1alpha.ServerReflection"));
  for (const std::string& symbol :
       {"llmgateway.v1.LlmGateway", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection"}) {
    rpb::ServerReflectionRequest req;
    req.set_file_containing_symbol(symbol);
    rpb::ServerReflectionResponse r = Ask(req);
    EXPECT_FALSE(r.has_error_response())
        << symbol << ": " << r.error_response().error_message();
    EXPECT_FALSE(Files(r).empty()) << symbol;
  }
  rpb::ServerReflectionRequest missing;
  missing.set_file_containing_symbol("no.such.Service");
  EXPECT_EQ(Ask(missing).error_response().error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReflectionTest, BufCurlListsGatewayAndHealthMethods) {
  const std::string buf = BufPath();
  ASSERT_EQ(access(buf.c_str(), X_OK), 0)
      << buf << " missing: run scripts/install-deps.sh";
  CommandResult result =
      RunCommand(absl::StrCat(buf,
                              " curl --protocol grpc --http2-prior-knowledge "
                              "--list-methods http://127.0.0.1:",
                              gateway_.grpc_port(), " 2>&1"),
                 "");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  for (const std::string& method :
       {"llmgateway.v1.LlmGateway/Generate",
        "llmgateway.v1.LlmGateway/GenerateStream",
        "llmgateway.v1.LlmGateway/Status", "llmgateway.v1.LlmGateway/Budget",
        "grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"}) {
    EXPECT_NE(result.output.find(method), std::string::npos)
        << method << " not in:\n"
        << result.output;
  }
}

}  // namespace
}  // namespace llmgw::testing
