// Runs the built `shadowport-array` binary (SP_ARRAY_CLI_BIN) against the
// in-process array server of RpcTest (no root): the verbs, --json, exit
// codes from the code table, and errors on stderr.
#include <gtest/gtest.h>
#include <sys/stat.h>

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

}  // namespace
}  // namespace sp::array::rpc
