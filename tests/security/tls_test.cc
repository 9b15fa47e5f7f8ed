// TLS and mTLS on the real in-process gateway, with certificates generated
// by openssl at test time, and a certificate rotation (new CA, new server
// certificate swapped in under the running server) during a call in flight.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/gateway.grpc.pb.h"
#include "service/gateway_server.h"
#include "tests/fake_upstream/fake_upstream.h"

namespace llmgw::testing {
namespace {

namespace pb = ::llmgateway::v1;
using fake_upstream::Behavior;
using fake_upstream::FakeUpstream;

constexpr char kOpenssl[] = "/usr/bin/openssl";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kOpenssl, X_OK), 0)
        << kOpenssl << " is missing: run scripts/install-deps.sh";
    dir_ = absl::StrCat(::testing::TempDir(), "/tls-", getpid());
    std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
    mkdir(dir_.c_str(), 0755);
    std::ofstream(dir_ + "/san.ext")
        << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    for (const char* ca : {"ca1", "ca2"}) MakeCa(ca);
    MakeLeaf("srv1", "ca1");
    MakeLeaf("srv2", "ca2");
    MakeLeaf("client", "ca1");
    ASSERT_TRUE(upstream_.Start().ok());
  }

  void Run(const std::string& command) {
    const std::string full =
        absl::StrCat("cd '", dir_, "' && ", command, " >/dev/null 2>&1");
    ASSERT_EQ(std::system(full.c_str()), 0) << command;
  }
  void MakeCa(const std::string& name) {
    Run(absl::StrCat(kOpenssl,
                     " req -x509 -newkey ec -pkeyopt "
                     "ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=",
                     name, " -keyout ", name, ".key -out ", name, ".pem"));
  }
  void MakeLeaf(const std::string& name, const std::string& ca) {
    Run(absl::StrCat(
        kOpenssl,
        " req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -subj /CN=localhost -keyout ",
        name, ".key -out ", name, ".csr && ", kOpenssl,
        " x509 -req -days 1 -in ", name, ".csr -CA ", ca, ".pem -CAkey ", ca,
        ".key -CAcreateserial -extfile san.ext", " -out ", name, ".pem"));
  }
  // Installs leaf `name` as the served certificate (rename: atomic per file).
  void Serve(const std::string& name) {
    Run(absl::StrCat("cp ", name, ".key tmp.key && cp ", name,
                     ".pem tmp.pem && mv tmp.key server.key && mv tmp.pem "
                     "server.pem"));
  }

  void StartGateway(bool mutual) {
    ServerOptions options;
    options.grpc_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.tls.cert_path = dir_ + "/server.pem";
    options.tls.key_path = dir_ + "/server.key";
    if (mutual) options.tls.client_ca_path = dir_ + "/ca1.pem";
    options.tls.refresh = absl::Seconds(1);
    GatewayConfig config;
    std::map<std::string, std::string> env = {
        {"OPENAI_API_KEY", "sk-tls-test"},
        {"OPENAI_API_BASE", upstream_.base_url("openai")},
        {"LLMGW_RESILIENCE", "off"}};
    const EnvLookup lookup = FixedEnvironment(env);
    ASSERT_TRUE(ApplyEnvironmentOverrides(lookup, config).ok());
    auto server = GatewayServer::Start(config, lookup, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::unique_ptr<pb::LlmGateway::Stub> Stub(const std::string& ca,
                                             const std::string& client = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(dir_ + "/" + ca + ".pem");
    if (!client.empty()) {
      ssl.pem_private_key = ReadFile(dir_ + "/" + client + ".key");
      ssl.pem_cert_chain = ReadFile(dir_ + "/" + client + ".pem");
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    // A fresh connection per stub (no shared subchannel).
    args.SetInt("grpc.use_local_subchannel_pool", 1);
    return pb::LlmGateway::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", server_->grpc_port()),
        grpc::SslCredentials(ssl), args));
  }

  static grpc::Status Status(pb::LlmGateway::Stub& stub) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(3));
    pb::StatusResponse response;
    return stub.Status(&context, pb::StatusRequest(), &response);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    upstream_.Stop();
  }

  std::string dir_;
  FakeUpstream upstream_;
  std::unique_ptr<GatewayServer> server_;
};

TEST_F(TlsTest, ServesTlsAndRefusesPlaintextAndUnknownCa) {
  Serve("srv1");
  StartGateway(false);
  EXPECT_TRUE(Status(*Stub("ca1")).ok());
  EXPECT_FALSE(Status(*Stub("ca2")).ok());
  auto plain = pb::LlmGateway::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->grpc_port()),
                          grpc::InsecureChannelCredentials()));
  EXPECT_FALSE(Status(*plain).ok());
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificate) {
  Serve("srv1");
  StartGateway(true);
  EXPECT_TRUE(Status(*Stub("ca1", "client")).ok());
  EXPECT_FALSE(Status(*Stub("ca1")).ok());
  // A certificate from another CA is refused too.
  EXPECT_FALSE(Status(*Stub("ca1", "srv2")).ok());
}

TEST_F(TlsTest, RotationKeepsCallsInFlightAndServesTheNewCertificate) {
  Serve("srv1");
  StartGateway(false);
  auto old_stub = Stub("ca1");
  ASSERT_TRUE(Status(*old_stub).ok());
  Behavior slow = Behavior::Ok();
  slow.delay = absl::Seconds(3);
  upstream_.Enqueue(slow);
  grpc::Status in_flight;
  std::thread call([&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    pb::GenerateRequest request;
    pb::ChatMessage* m = request.add_messages();
    m->set_role(pb::ROLE_USER);
    m->set_content("across the rotation");
    request.set_model("gpt-4o-mini");
    pb::GenerateResponse response;
    in_flight = old_stub->Generate(&context, request, &response);
  });
  ASSERT_TRUE(upstream_.WaitForRequests(1, absl::Seconds(5)));
  Serve("srv2");
  // The file watcher re-reads every second; new handshakes use srv2.
  bool rotated = false;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (!rotated && absl::Now() < until) {
    rotated = Status(*Stub("ca2")).ok();
    if (!rotated) absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(rotated);
  call.join();
  EXPECT_TRUE(in_flight.ok()) << in_flight.error_message();
  EXPECT_FALSE(Status(*Stub("ca1")).ok());
}

TEST(TlsSettingsTest, BadFilesAreNamedAtStart) {
  TlsSettings tls;
  tls.cert_path = "/nonexistent/cert.pem";
  tls.key_path = "/nonexistent/key.pem";
  absl::Status s = ValidateTlsSettings(tls);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("/nonexistent/cert.pem"), std::string::npos);
  TlsSettings ca_only;
  ca_only.client_ca_path = "/x.pem";
  EXPECT_FALSE(ValidateTlsSettings(ca_only).ok());
}

}  // namespace
}  // namespace llmgw::testing
