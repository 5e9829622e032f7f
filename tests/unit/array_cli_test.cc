// Runs the built `shadowport-array` binary (SP_ARRAY_CLI_BIN) against the
// in-process array server of RpcTest (no root): the verbs, --json, exit
// codes from the code table, and errors on stderr; the host identity
// (--host/--credential-file) and the refusals of the host verbs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "os/process.h"
#include "unit/array_rpc_fixture.h"

namespace sp::array::rpc {
namespace {

using nlohmann::json;

class ArrayCliTest : public RpcTest {
 protected:
  void SetUp() override {
    RpcTest::SetUp();
    if (HasFatalFailure()) return;
    token_file_ = dir_ + "/admin.token";
    std::ofstream(token_file_) << kAdminToken << "\n";
    ASSERT_EQ(chmod(token_file_.c_str(), 0600), 0);
  }

  // Runs the CLI with the connection options and `args`.
  os::ProcessResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {SP_ARRAY_CLI_BIN, "--socket", socket_,
                               "--admin-token-file", token_file_});
    Result<os::ProcessResult> run = os::RunProcess(args);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : os::ProcessResult{};
  }
  json CliJson(std::vector<std::string> args) {
    args.push_back("--json");
    os::ProcessResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  std::string token_file_;
};

TEST_F(ArrayCliTest, HostAndLunLifecycle) {
  json host = CliJson({"host", "add", "hostA", "--cluster", "c1"});
  EXPECT_EQ(host["name"], "hostA");
  EXPECT_EQ(host["cluster"], "c1");
  ASSERT_TRUE(host["credential"].is_string());
  EXPECT_EQ(host["credential"].get<std::string>().size(), 64u);

  json lun = CliJson({"lun", "create", "--size", "1M"});
  ASSERT_TRUE(lun["id"].is_number());
  const std::string id = std::to_string(lun["id"].get<uint64_t>());
  EXPECT_EQ(lun["size_bytes"], 1 << 20);

  EXPECT_EQ(CliJson({"present", id, "hostA"})["presented"], true);
  json list = CliJson({"lun", "list"});
  ASSERT_EQ(list["luns"].size(), 1u);
  EXPECT_EQ(list["luns"][0]["presented_to"], json::array({"hostA"}));

  // Text output.
  os::ProcessResult text = Cli({"lun", "list"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("hostA"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("1 MiB"), std::string::npos) << text.out;

  // Deleting a presented LUN: VSS_E_VOLUME_IN_USE, its exit code, stderr.
  os::ProcessResult busy = Cli({"lun", "delete", id});
  EXPECT_EQ(busy.exit_code, InfoOf(Code::kVolumeInUse).exit_code);
  EXPECT_EQ(busy.err.rfind("shadowport-array: VSS_E_VOLUME_IN_USE", 0), 0u)
      << busy.err;
  EXPECT_TRUE(busy.out.empty());

  EXPECT_EQ(
      CliJson({"lun", "resize", "lun-" + std::string(6 - id.size(), '0') + id,
               "--size", "2M"})["size_bytes"],
      2 << 20);
  EXPECT_EQ(CliJson({"snapshot", "list"})["snapshots"], json::array());
  EXPECT_EQ(CliJson({"attachments", "list"})["attachments"], json::array());
  json status = CliJson({"pool", "status"});
  EXPECT_EQ(status["lun_count"], 1);
  EXPECT_EQ(status["host_count"], 1);
  EXPECT_EQ(CliJson({"host", "reclaim", "hostA"})["reclaimed"], true);
  EXPECT_EQ(CliJson({"unpresent", id, "hostA"})["presented"], false);
  EXPECT_EQ(CliJson({"lun", "delete", id})["deleted"], true);
  EXPECT_EQ(CliJson({"host", "list"})["hosts"].size(), 1u);
  EXPECT_EQ(CliJson({"host", "remove", "hostA"})["removed"], true);
  EXPECT_EQ(CliJson({"host", "list"})["hosts"], json::array());
}

TEST_F(ArrayCliTest, ExitCodesFollowTheCodeTable) {
  os::ProcessResult missing = Cli({"lun", "delete", "4242"});
  EXPECT_EQ(missing.exit_code, InfoOf(Code::kObjectNotFound).exit_code)
      << missing.err;
  os::ProcessResult not_a_lun = Cli({"lun", "delete", "disk7"});
  EXPECT_EQ(not_a_lun.exit_code, InfoOf(Code::kInvalidArg).exit_code);
  os::ProcessResult usage = Cli({"lun", "frobnicate"});
  EXPECT_EQ(usage.exit_code, 2);

  // A wrong token: refused by the daemon.
  std::ofstream(token_file_) << std::string(64, '1') << "\n";
  os::ProcessResult refused = Cli({"lun", "list"});
  EXPECT_EQ(refused.exit_code, InfoOf(Code::kUnauthenticated).exit_code);
  EXPECT_NE(refused.err.find("SP_E_UNAUTHENTICATED"), std::string::npos)
      << refused.err;

  // No daemon.
  StopServer();
  os::ProcessResult down = Cli({"pool", "status", "--timeout", "2"});
  EXPECT_EQ(down.exit_code, InfoOf(Code::kUnavailable).exit_code) << down.err;
}

TEST_F(ArrayCliTest, ConnectionOptionsMayFollowTheVerb) {
  Result<os::ProcessResult> run =
      os::RunProcess({SP_ARRAY_CLI_BIN, "host", "list", "--json", "--socket",
                      socket_, "--admin-token-file", token_file_});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 0) << run->err;
  EXPECT_EQ(json::parse(run->out, nullptr, false)["hosts"], json::array());
}

// The host identity (--host/--credential-file) and the host verbs' refusals;
// attaching for real needs root (tests/integration/arrayd_attach_test.cc).
class ArrayCliHostTest : public ArrayCliTest {
 protected:
  void SetUp() override {
    ArrayCliTest::SetUp();
    if (HasFatalFailure()) return;
    credential_ = AddHost("one");
    credential_file_ = WriteCredential("one", credential_);
  }

  // A credential file for `host` with `mode`.
  std::string WriteCredential(const std::string& host,
                              const std::string& credential,
                              mode_t mode = 0600) {
    const std::string path = dir_ + "/" + host + ".credential";
    std::ofstream(path) << credential << "\n";
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }

  // Runs the CLI as host "one" (no admin token option).
  os::ProcessResult HostCli(std::vector<std::string> args) {
    args.insert(args.begin(), {SP_ARRAY_CLI_BIN, "--socket", socket_, "--host",
                               "one", "--credential-file", credential_file_});
    Result<os::ProcessResult> run = os::RunProcess(args);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : os::ProcessResult{};
  }

  // The hosts the array records as having LUN `id` attached.
  std::vector<std::string> AttachedHosts(uint64_t id) {
    Result<LunInfo> lun = Admin()->GetLun(id);
    EXPECT_TRUE(lun.ok()) << lun.status().ToString();
    std::vector<std::string> hosts;
    if (lun.ok()) {
      for (const Attachment& a : lun->attachments) hosts.push_back(a.host);
    }
    return hosts;
  }

  std::string credential_;
  std::string credential_file_;
};

TEST_F(ArrayCliHostTest, HostIdentityListsWhatIsPresentedToIt) {
  const uint64_t mine = NewLun("one");
  NewLun();  // not presented to "one"
  os::ProcessResult list = HostCli({"lun", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json luns = json::parse(list.out, nullptr, false)["luns"];
  ASSERT_EQ(luns.size(), 1u) << list.out;
  EXPECT_EQ(luns[0]["id"], mine);
  EXPECT_EQ(luns[0]["presented_to"], json::array({"one"}));

  // Its attachment shows with the device it reported, in text too.
  std::unique_ptr<ArrayClient> host = AsHost("one", credential_);
  ASSERT_TRUE(host->Attach(mine).ok());
  ASSERT_TRUE(host->SetAttachmentDevice(mine, "/dev/loop77").ok());
  os::ProcessResult text = HostCli({"lun", "list"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("one:/dev/loop77"), std::string::npos) << text.out;
  ASSERT_TRUE(host->Detach(mine).ok());

  // Admin-only verbs answer E_ACCESSDENIED to a host.
  os::ProcessResult create = HostCli({"lun", "create", "--size", "1M"});
  EXPECT_EQ(create.exit_code, InfoOf(Code::kAccessDeniedLocal).exit_code)
      << create.err;
}

TEST_F(ArrayCliHostTest, HostAndAdminIdentitiesAreExclusive) {
  // Each half alone, and both identities: usage errors.
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--host", "one", "lun", "list"},
           {"--credential-file", credential_file_, "lun", "list"},
           {"--host", "one", "--credential-file", credential_file_,
            "--admin-token-file", token_file_, "lun", "list"},
           {"lun", "list", "--host", "one", "--credential-file",
            credential_file_, "--admin-token-file", token_file_}}) {
    std::vector<std::string> argv = {SP_ARRAY_CLI_BIN, "--socket", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    Result<os::ProcessResult> run = os::RunProcess(argv);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_EQ(run->exit_code, 2) << args[0] << ": " << run->err;
  }
  // The identity options may follow the verb.
  Result<os::ProcessResult> after = os::RunProcess(
      {SP_ARRAY_CLI_BIN, "lun", "list", "--json", "--socket", socket_, "--host",
       "one", "--credential-file", credential_file_});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->exit_code, 0) << after->err;

  // A wrong credential: refused by the daemon.
  credential_file_ = WriteCredential("one", std::string(64, '2'));
  os::ProcessResult wrong = HostCli({"lun", "list"});
  EXPECT_EQ(wrong.exit_code, InfoOf(Code::kUnauthenticated).exit_code)
      << wrong.err;
}

TEST_F(ArrayCliHostTest, CredentialFileMustBePrivateAndWellFormed) {
  const std::string& credential = credential_;
  for (mode_t mode : {0644, 0640, 0604, 0620}) {
    credential_file_ = WriteCredential("one", credential, mode);
    os::ProcessResult r = HostCli({"lun", "list"});
    EXPECT_EQ(r.exit_code, InfoOf(Code::kAccessDeniedLocal).exit_code)
        << std::oct << mode << ": " << r.err;
    EXPECT_NE(r.err.find("readable by nobody else (chmod 600)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(credential_file_), std::string::npos) << r.err;
  }
  // A symlink, even to a private file.
  credential_file_ = WriteCredential("one", credential, 0600);
  const std::string link = dir_ + "/link.credential";
  ASSERT_EQ(symlink(credential_file_.c_str(), link.c_str()), 0);
  credential_file_ = link;
  EXPECT_EQ(HostCli({"lun", "list"}).exit_code,
            InfoOf(Code::kAccessDeniedLocal).exit_code);
  // Not a credential.
  credential_file_ = WriteCredential("one", "credential: " + credential);
  os::ProcessResult bad = HostCli({"lun", "list"});
  EXPECT_EQ(bad.exit_code, InfoOf(Code::kInvalidArg).exit_code) << bad.err;
  // Missing.
  credential_file_ = dir_ + "/missing.credential";
  EXPECT_EQ(HostCli({"lun", "list"}).exit_code,
            InfoOf(Code::kObjectNotFound).exit_code);
}

TEST_F(ArrayCliHostTest, AttachAndDetachAreHostOperations) {
  const uint64_t id = NewLun("one");
  for (const char* verb : {"attach", "detach"}) {
    os::ProcessResult r = Cli({verb, std::to_string(id)});
    EXPECT_EQ(r.exit_code, InfoOf(Code::kInvalidArg).exit_code) << r.err;
    EXPECT_NE(r.err.find(std::string(verb) +
                         " is a host operation: use --host/--credential-file"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_TRUE(AttachedHosts(id).empty());

  // A host detaching a LUN it has not attached: nothing to do, success.
  os::ProcessResult r =
      HostCli({"detach",
               "lun-" + std::string(6 - std::to_string(id).size(), '0') +
                   std::to_string(id),
               "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json out = json::parse(r.out, nullptr, false);
  EXPECT_EQ(out["devices"], json::array()) << r.out;
  EXPECT_EQ(out["detached"], true);
  EXPECT_TRUE(AttachedHosts(id).empty());
}

TEST_F(ArrayCliHostTest, BadLunIdsAndNaasAreRefusedAndChangeNothing) {
  const uint64_t mine = NewLun("one");
  const uint64_t other = NewLun();
  Result<LunInfo> other_lun = Admin()->GetLun(other);
  ASSERT_TRUE(other_lun.ok());
  for (const char* verb : {"attach", "detach"}) {
    for (const std::string& bad : {std::string("disk7"), std::string("0"),
                                   std::string("lun-"), std::string("-1")}) {
      os::ProcessResult r = HostCli({verb, bad});
      EXPECT_EQ(r.exit_code, InfoOf(Code::kInvalidArg).exit_code)
          << verb << " " << bad << ": " << r.err;
      EXPECT_NE(r.err.find("is not a LUN id (7), name (lun-000007) or NAA id"),
                std::string::npos)
          << r.err;
    }
    // A malformed NAA id: the array's E_INVALIDARG.
    os::ProcessResult naa = HostCli({verb, "naa.6xyz"});
    EXPECT_EQ(naa.exit_code, InfoOf(Code::kInvalidArg).exit_code) << naa.err;
    // Not presented to this host, by id or NAA, or not existing at all:
    // SP_E_ACCESS_DENIED alike.
    for (const std::string& hidden :
         {std::to_string(other), other_lun->naa, std::string("4242")}) {
      os::ProcessResult r = HostCli({verb, hidden});
      EXPECT_EQ(r.exit_code, InfoOf(Code::kAccessDenied).exit_code)
          << verb << " " << hidden << ": " << r.err;
    }
  }
  EXPECT_TRUE(AttachedHosts(mine).empty());
  EXPECT_TRUE(AttachedHosts(other).empty());
}

TEST_F(ArrayCliHostTest, FailedAttachLeavesNoArrayAttachment) {
  const uint64_t id = NewLun("one");
  // The backing file is gone: the local part fails after Array Attach.
  std::unique_ptr<ArrayClient> host = AsHost("one", credential_);
  Result<AttachInfo> info = host->Attach(id);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_TRUE(host->Detach(id).ok());
  ASSERT_EQ(unlink(info->backing_file.c_str()), 0);

  os::ProcessResult r = HostCli({"attach", std::to_string(id)});
  EXPECT_EQ(r.exit_code, InfoOf(Code::kObjectNotFound).exit_code) << r.err;
  EXPECT_NE(r.err.find("attaching LUN " + std::to_string(id)),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(AttachedHosts(id).empty());

  // An attachment made before stays when a later attach fails.
  ASSERT_TRUE(host->Attach(id).ok());
  r = HostCli({"attach", std::to_string(id), "--json"});
  EXPECT_EQ(r.exit_code, InfoOf(Code::kObjectNotFound).exit_code) << r.err;
  EXPECT_EQ(AttachedHosts(id), std::vector<std::string>{"one"});
  ASSERT_TRUE(host->Detach(id).ok());
}

}  // namespace
}  // namespace sp::array::rpc
