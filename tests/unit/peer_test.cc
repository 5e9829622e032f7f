// The peer channel between two shadowportd (src/service/peer, docs/service.md
// "Peers") without root, on 127.0.0.1: a real Service (coordinator_fixture.h:
// real inventory, fake provider and system) as host "one" holding a
// transportable set that host "two" may import; its PeerService behind an
// RpcServer with mutual TLS; PeerClient calling it with certificates made by
// running `openssl` (argv, no shell) for hosts one, two and three, plus a
// certificate for "two" from a rogue CA.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "array/rpc/server.h"
#include "os/process.h"
#include "service/grpc_service.h"
#include "service/peer/peer_client.h"
#include "service/peer/peer_server.h"
#include "shadowport/backup_components.h"
#include "shadowport/documents.h"
#include "unit/coordinator_fixture.h"

namespace sp::service::peer {
namespace {

namespace fs = std::filesystem;
using coordinator_test::CoordinatorTest;
using coordinator_test::kBackup;
using ::testing::HasSubstr;

void Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  Result<os::ProcessResult> run = os::RunProcess(args);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(run->success()) << args[1] << ": " << run->err;
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// A self-signed CA: <name>.key, <name>.crt.
void MakeCa(const fs::path& dir, const std::string& name) {
  const std::string base = (dir / name).string();
  Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt",
           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", base + ".key",
           "-out", base + ".crt", "-days", "2", "-subj", "/CN=" + name,
           "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
           "keyUsage=critical,keyCertSign,cRLSign"});
}

// A host certificate <file>.crt/.key signed by `ca`, as docs/service.md
// ("Peers") makes them: CN = the host, the host as DNS SAN, usable as server
// and as client certificate.
void MakeHostCert(const fs::path& dir, const std::string& ca,
                  const std::string& file, const std::string& host) {
  const std::string base = (dir / file).string();
  const std::string ca_base = (dir / ca).string();
  WriteFile(base + ".ext",
            "basicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=serverAuth,clientAuth\n"
            "subjectAltName=DNS:" +
                host + "\n");
  Openssl({"req", "-new", "-newkey", "ec", "-pkeyopt",
           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", base + ".key",
           "-out", base + ".csr", "-subj", "/CN=" + host});
  Openssl({"x509", "-req", "-in", base + ".csr", "-CA", ca_base + ".crt",
           "-CAkey", ca_base + ".key", "-CAcreateserial", "-out", base + ".crt",
           "-days", "2", "-extfile", base + ".ext"});
}

class PeerTest : public CoordinatorTest {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "sp_peer.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    certs_ = new fs::path(tmpl);
    MakeCa(*certs_, "ca");
    for (const char* host : {"one", "two", "three"}) {
      MakeHostCert(*certs_, "ca", host, host);
    }
    MakeCa(*certs_, "rogue-ca");
    MakeHostCert(*certs_, "rogue-ca", "rogue-two", "two");
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*certs_, ec);
    delete certs_;
    certs_ = nullptr;
  }
  static std::string Cert(const std::string& name) {
    return (*certs_ / name).string();
  }

  void SetUp() override {
    CoordinatorTest::SetUp();
    if (HasFatalFailure()) return;
    config_.host = "one";
    session_ = Open(kBackup | attr::kTransportable);
    set_id_ = Start(*session_, {AddVolume(1)}, {"two"});
    Result<std::string> bcd = session_->DoSnapshotSet();
    ASSERT_TRUE(bcd.ok()) << bcd.status().ToString();
    bcd_xml_ = *bcd;

    peer_service_ = std::make_unique<PeerService>(service_.get());
    array::rpc::ListenOptions listen;
    listen.tcp_address = "127.0.0.1:0";
    listen.tls_cert_file = Cert("one.crt");
    listen.tls_key_file = Cert("one.key");
    listen.tls_client_ca_file = Cert("ca.crt");
    Result<std::unique_ptr<array::rpc::RpcServer>> server =
        array::rpc::RpcServer::Start(listen, peer_service_.get());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    ASSERT_GT(server_->tcp_port(), 0);
    address_ = "127.0.0.1:" + std::to_string(server_->tcp_port());
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::milliseconds(0));
    server_.reset();
    peer_service_.reset();
    session_.reset();
    CoordinatorTest::TearDown();
  }

  // A client presenting the certificate <cert>.crt/.key.
  static PeerClient As(const std::string& cert) {
    PeerClientOptions options;
    options.tls_cert_file = Cert(cert + ".crt");
    options.tls_key_file = Cert(cert + ".key");
    options.tls_ca_file = Cert("ca.crt");
    options.deadline = std::chrono::seconds(10);
    return PeerClient(options);
  }

  // Nothing was delivered for the set (the wait times out).
  void ExpectNothingDelivered() {
    Result<BackupDoneSignal> none = service_->WaitForBackupDone(
        set_id_, std::chrono::milliseconds(50), nullptr);
    EXPECT_EQ(none.status().code(), Code::kDeadlineExceeded);
  }

  static fs::path* certs_;
  std::unique_ptr<BackupSession> session_;
  Guid set_id_;
  std::string bcd_xml_;
  std::unique_ptr<PeerService> peer_service_;
  std::unique_ptr<array::rpc::RpcServer> server_;
  std::string address_;
};

fs::path* PeerTest::certs_ = nullptr;

TEST_F(PeerTest, AFailedBackupArrivesAsFailed) {
  Status sent =
      As("two").SendBackupDone(address_, "one", set_id_, bcd_xml_, false);
  ASSERT_TRUE(sent.ok()) << sent.ToString();
  Result<BackupDoneSignal> done =
      session_->WaitForBackupDone(std::chrono::seconds(5), nullptr);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(done->succeeded);
}

TEST_F(PeerTest, ImporterDeliversTheDoneSignal) {
  Status sent =
      As("two").SendBackupDone(address_, "one", set_id_, bcd_xml_, true);
  ASSERT_TRUE(sent.ok()) << sent.ToString();
  Result<BackupDoneSignal> done =
      session_->WaitForBackupDone(std::chrono::seconds(5), nullptr);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->from_host, "two");
  EXPECT_EQ(done->snapshot_set_id, set_id_);
  EXPECT_EQ(done->bcd_xml, bcd_xml_);
  EXPECT_TRUE(done->succeeded);
  EXPECT_GT(done->received_us, 0);
  EXPECT_TRUE(logger_.Has("done-signal for snapshot set " + set_id_.ToString() +
                          " from two"));
}

TEST_F(PeerTest, HostThatIsNotAnImporterIsRefused) {
  Status sent =
      As("three").SendBackupDone(address_, "one", set_id_, bcd_xml_, true);
  EXPECT_EQ(sent.code(), Code::kAccessDenied) << sent.ToString();
  EXPECT_THAT(sent.message(), HasSubstr("'three'"));
  EXPECT_TRUE(logger_.Has("refused peer call BackupDone from ipv4:127.0.0.1:"));
  EXPECT_TRUE(logger_.Has("with certificate CN \"three\""));
  ExpectNothingDelivered();
}

TEST_F(PeerTest, CertificateFromAnotherCaFailsTheHandshake) {
  // rogue-two claims CN=two, signed by a CA the server does not trust.
  Status sent =
      As("rogue-two").SendBackupDone(address_, "one", set_id_, bcd_xml_, true);
  EXPECT_TRUE(sent.code() == Code::kUnavailable ||
              sent.code() == Code::kUnauthenticated)
      << sent.ToString();
  EXPECT_THAT(sent.message(), HasSubstr("peer one at " + address_));
  ExpectNothingDelivered();
}

TEST_F(PeerTest, UnknownSetIsNotFound) {
  Result<Guid> other = Guid::Random();
  ASSERT_TRUE(other.ok());
  Status sent =
      As("two").SendBackupDone(address_, "one", *other, bcd_xml_, true);
  EXPECT_EQ(sent.code(), Code::kObjectNotFound) << sent.ToString();
  ExpectNothingDelivered();
}

TEST_F(PeerTest, BcdOfAnotherSetIsRefused) {
  Result<BackupComponentsDocument> bcd = LoadBcd(bcd_xml_);
  ASSERT_TRUE(bcd.ok()) << bcd.status().ToString();
  ASSERT_TRUE(bcd->snapshot_set.has_value());
  Result<Guid> other = Guid::Random();
  ASSERT_TRUE(other.ok());
  bcd->snapshot_set->snapshot_set_id = *other;
  Result<std::string> xml = SaveBcd(*bcd);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  Status sent = As("two").SendBackupDone(address_, "one", set_id_, *xml, true);
  EXPECT_EQ(sent.code(), Code::kInvalidXmlDocument) << sent.ToString();
  ExpectNothingDelivered();

  Status garbage =
      As("two").SendBackupDone(address_, "one", set_id_, "<not-a-bcd/>", true);
  EXPECT_EQ(garbage.code(), Code::kInvalidXmlDocument) << garbage.ToString();
  ExpectNothingDelivered();
}

TEST_F(PeerTest, ServerWithAnotherNameIsRefusedByTheClient) {
  // The server presents one's certificate; the client expects "three".
  Status sent =
      As("two").SendBackupDone(address_, "three", set_id_, bcd_xml_, true);
  EXPECT_EQ(sent.code(), Code::kUnavailable) << sent.ToString();
  EXPECT_THAT(sent.message(), HasSubstr("peer three at " + address_));
  ExpectNothingDelivered();
}

TEST_F(PeerTest, UnreachablePeerIsUnavailable) {
  server_->Shutdown(std::chrono::milliseconds(0));
  Status sent =
      As("two").SendBackupDone(address_, "one", set_id_, bcd_xml_, true);
  EXPECT_EQ(sent.code(), Code::kUnavailable) << sent.ToString();
  EXPECT_THAT(sent.message(), HasSubstr("peer one at " + address_));
}

TEST_F(PeerTest, WaitForBackupDoneTimesOut) {
  Result<BackupDoneSignal> done =
      session_->WaitForBackupDone(std::chrono::milliseconds(100), nullptr);
  EXPECT_EQ(done.status().code(), Code::kDeadlineExceeded);
}

// The importing host's side: ShadowportService::SignalBackupDone on a Unix
// socket, reached with the library's BackupComponents::SignalBackupDone.
// The fixture's service plays "two" here too: its [peer] files are two's
// and [peers] names one's peer listener.
class SignalTest : public PeerTest {
 protected:
  void SetUp() override {
    PeerTest::SetUp();
    if (HasFatalFailure()) return;
    config_.peer.tls_cert = Cert("two.crt");
    config_.peer.tls_key = Cert("two.key");
    config_.peer.tls_ca = Cert("ca.crt");
    config_.peer.deadline = std::chrono::seconds(10);
    config_.peers = {{"one", address_}};
    requesters_ = std::make_unique<ShadowportService>(service_.get(), 1);
    socket_ = dir_ + "/shadowportd.sock";
    array::rpc::ListenOptions listen;
    listen.unix_socket = socket_;
    listen.socket_mode = 0600;
    Result<std::unique_ptr<array::rpc::RpcServer>> server =
        array::rpc::RpcServer::Start(listen, requesters_.get());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    local_ = std::move(*server);
  }
  void TearDown() override {
    if (local_) local_->Shutdown(std::chrono::milliseconds(0));
    local_.reset();
    requesters_.reset();
    PeerTest::TearDown();
  }

  std::unique_ptr<ShadowportService> requesters_;
  std::string socket_;
  std::unique_ptr<array::rpc::RpcServer> local_;
};

TEST_F(SignalTest, SignalReachesTheCreatingHost) {
  Result<std::string> peer =
      BackupComponents::SignalBackupDone(socket_, bcd_xml_, true);
  ASSERT_TRUE(peer.ok()) << peer.status().ToString();
  EXPECT_EQ(*peer, address_);
  Result<BackupDoneSignal> done =
      session_->WaitForBackupDone(std::chrono::seconds(5), nullptr);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->from_host, "two");
}

TEST_F(SignalTest, CreatingHostWithoutAddressIsNotFound) {
  config_.peers = {{"other", address_}};
  Result<std::string> peer =
      BackupComponents::SignalBackupDone(socket_, bcd_xml_, true);
  EXPECT_EQ(peer.status().code(), Code::kObjectNotFound);
  EXPECT_THAT(peer.status().message(),
              HasSubstr("no address for host one in [peers]"));
  ExpectNothingDelivered();
}

TEST_F(SignalTest, BcdWithoutSnapshotSetIsRefused) {
  Result<BackupComponentsDocument> bcd = LoadBcd(bcd_xml_);
  ASSERT_TRUE(bcd.ok());
  bcd->snapshot_set.reset();
  Result<std::string> xml = SaveBcd(*bcd);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  Result<std::string> peer =
      BackupComponents::SignalBackupDone(socket_, *xml, true);
  EXPECT_EQ(peer.status().code(), Code::kInvalidXmlDocument);
  ExpectNothingDelivered();
}

}  // namespace
}  // namespace sp::service::peer
