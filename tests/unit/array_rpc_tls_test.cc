// The array over TCP with TLS on 127.0.0.1 (no root): certificates made for
// the test by running `openssl` (argv, no shell) in a temporary directory,
// with the commands docs/array.md gives: a CA, a server certificate with
// SAN IP:127.0.0.1, client certificates CN=hostA, CN=hostB and
// CN=shadowport-admin, and a client certificate from a rogue CA.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "os/process.h"
#include "unit/array_rpc_fixture.h"

namespace sp::array::rpc {
namespace {

namespace fs = std::filesystem;

void Openssl(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  Result<os::ProcessResult> run = os::RunProcess(args);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(run->success()) << args[1] << " in " << dir << ": " << run->err;
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// A self-signed CA: <name>.key, <name>.crt.
void MakeCa(const fs::path& dir, const std::string& name) {
  const std::string base = (dir / name).string();
  Openssl(dir, {"req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                base + ".key", "-out", base + ".crt", "-days", "2", "-subj",
                "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

// A certificate <name>.crt/.key with subject CN=cn, signed by `ca`, with the
// extensions in `ext`.
void MakeCert(const fs::path& dir, const std::string& ca,
              const std::string& name, const std::string& cn,
              const std::string& ext) {
  const std::string base = (dir / name).string();
  const std::string ca_base = (dir / ca).string();
  WriteFile(base + ".ext", ext);
  Openssl(dir, {"req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                base + ".key", "-out", base + ".csr", "-subj", "/CN=" + cn});
  Openssl(dir, {"x509", "-req", "-in", base + ".csr", "-CA", ca_base + ".crt",
                "-CAkey", ca_base + ".key", "-CAcreateserial", "-out",
                base + ".crt", "-days", "2", "-extfile", base + ".ext"});
}

constexpr char kServerExt[] =
    "basicConstraints=CA:FALSE\n"
    "keyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=serverAuth\n"
    "subjectAltName=IP:127.0.0.1\n";
constexpr char kClientExt[] =
    "basicConstraints=CA:FALSE\n"
    "keyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=clientAuth\n";

class RpcTlsTest : public RpcTest {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl =
        (fs::temp_directory_path() / "sp_rpc_tls.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    certs_ = new fs::path(tmpl);
    MakeCa(*certs_, "ca");
    MakeCert(*certs_, "ca", "server", "array", kServerExt);
    MakeCert(*certs_, "ca", "hostA", "hostA", kClientExt);
    MakeCert(*certs_, "ca", "hostB", "hostB", kClientExt);
    MakeCert(*certs_, "ca", "admin", kDefaultAdminCommonName, kClientExt);
    MakeCa(*certs_, "rogue-ca");
    MakeCert(*certs_, "rogue-ca", "rogue-hostA", "hostA", kClientExt);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*certs_, ec);
    delete certs_;
    certs_ = nullptr;
  }

  void SetUp() override {
    RpcTest::SetUp();
    if (HasFatalFailure()) return;
    StopServer();
    ListenOptions listen;
    listen.unix_socket = socket_;
    listen.tcp_address = "127.0.0.1:0";
    listen.tls_cert_file = Cert("server.crt");
    listen.tls_key_file = Cert("server.key");
    listen.tls_client_ca_file = Cert("ca.crt");
    StartServer(listen);
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(server_->tcp_port(), 0);
  }

  static std::string Cert(const std::string& name) {
    return (*certs_ / name).string();
  }

  // TCP client presenting the certificate `cert_name` (.crt/.key).
  ClientOptions TlsOptions(const std::string& cert_name) const {
    ClientOptions options;
    options.target = "127.0.0.1:" + std::to_string(server_->tcp_port());
    options.tls_ca_file = Cert("ca.crt");
    options.tls_cert_file = Cert(cert_name + ".crt");
    options.tls_key_file = Cert(cert_name + ".key");
    options.deadline = std::chrono::seconds(10);
    return options;
  }
  std::unique_ptr<ArrayClient> TlsHost(const std::string& cert_name,
                                       const std::string& host,
                                       const std::string& credential) {
    ClientOptions options = TlsOptions(cert_name);
    options.host = host;
    options.credential = credential;
    return MakeClient(options);
  }

  static fs::path* certs_;
};

fs::path* RpcTlsTest::certs_ = nullptr;

TEST_F(RpcTlsTest, MatchingCertificateAndCredentialWork) {
  const std::string a = AddHost("hostA");
  const uint64_t lun = NewLun("hostA");
  std::unique_ptr<ArrayClient> host_a = TlsHost("hostA", "hostA", a);
  Result<Caller> who = host_a->WhoAmI();
  SP_RPC_ASSERT_OK(who);
  EXPECT_EQ(who->host, "hostA");
  Result<std::vector<LunInfo>> luns = host_a->ListLuns();
  SP_RPC_ASSERT_OK(luns);
  ASSERT_EQ(luns->size(), 1u);
  EXPECT_EQ((*luns)[0].id, lun);
  // The log names the TCP peer.
  EXPECT_TRUE(log_.HasLine({"ListLuns by host hostA from ipv4:127.0.0.1:"}))
      << ::testing::PrintToString(log_.Lines());
}

TEST_F(RpcTlsTest, CertificateOfAnotherHostIsRefused) {
  const std::string a = AddHost("hostA");
  AddHost("hostB");
  // hostB's certificate, hostA's name and credential.
  std::unique_ptr<ArrayClient> mixed = TlsHost("hostB", "hostA", a);
  SP_RPC_EXPECT_CODE(mixed->ListLuns(), kUnauthenticated);
  EXPECT_TRUE(log_.HasLine({"refused ListLuns", "from ipv4:127.0.0.1:",
                            "claiming \"hostA\"", "CN \"hostB\""}))
      << ::testing::PrintToString(log_.Lines());
  EXPECT_FALSE(log_.Mentions(a));
}

TEST_F(RpcTlsTest, WrongCredentialWithTheRightCertificateIsRefused) {
  AddHost("hostA");
  SP_RPC_EXPECT_CODE(
      TlsHost("hostA", "hostA", std::string(64, 'a'))->ListLuns(),
      kUnauthenticated);
}

TEST_F(RpcTlsTest, AdminNeedsTheAdminCertificate) {
  ClientOptions admin = TlsOptions("admin");
  admin.admin_token = kAdminToken;
  Result<Caller> who = MakeClient(admin)->WhoAmI();
  SP_RPC_ASSERT_OK(who);
  EXPECT_TRUE(who->admin);

  ClientOptions wrong_cert = TlsOptions("hostA");
  wrong_cert.admin_token = kAdminToken;
  SP_RPC_EXPECT_CODE(MakeClient(wrong_cert)->ListHosts(), kUnauthenticated);
  EXPECT_TRUE(log_.HasLine({"refused ListHosts", "is not the admin's"}));
}

TEST_F(RpcTlsTest, CertificateFromAnotherCaFailsTheHandshake) {
  const std::string a = AddHost("hostA");
  // The TLS handshake fails: no call reaches the service.
  SP_RPC_EXPECT_CODE(TlsHost("rogue-hostA", "hostA", a)->ListLuns(),
                     kUnavailable);
  EXPECT_FALSE(log_.Mentions("ListLuns by host hostA"));
}

TEST_F(RpcTlsTest, UnixSocketServesAlongside) {
  const std::string a = AddHost("hostA");
  SP_RPC_ASSERT_OK(AsHost("hostA", a)->WhoAmI());
}

}  // namespace
}  // namespace sp::array::rpc
