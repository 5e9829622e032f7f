// The array RPC layer's pure parts (no server): the status codec, sizes,
// log lines, the admin token file and the daemon's config.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "array/daemon/config.h"
#include "array/rpc/admin_token.h"
#include "array/rpc/logger.h"
#include "array/rpc/metadata.h"
#include "array/rpc/size_text.h"
#include "array/rpc/status_codec.h"

namespace sp::array::rpc {
namespace {

namespace fs = std::filesystem;

// What the client sees for `status` sent by the server.
Status RoundTrip(const Status& status) {
  const auto pairs = StatusTrailers(status);
  Trailers trailers;
  for (const auto& [key, value] : pairs) {
    trailers.emplace(grpc::string_ref(key), grpc::string_ref(value));
  }
  return FromGrpcStatus(ToGrpcStatus(status), trailers);
}

TEST(StatusCodecTest, EveryCodeRoundTripsExactly) {
  for (const CodeInfo& info : AllCodes()) {
    const Status sent(info.code, "context: what happened");
    const Status got = RoundTrip(sent);
    if (info.code == Code::kOk) {
      EXPECT_EQ(got.code(), Code::kOk);
      continue;
    }
    EXPECT_EQ(got, sent) << info.name << " came back as " << got.ToString();
    if (!sent.ok()) {
      EXPECT_EQ(static_cast<int>(ToGrpcStatus(sent).error_code()),
                info.grpc_code)
          << info.name;
    } else {
      EXPECT_TRUE(ToGrpcStatus(sent).ok()) << info.name;
    }
  }
}

TEST(StatusCodecTest, TrailersNameTheCodeAndHresult) {
  const auto trailers =
      StatusTrailers(Status(Code::kInsufficientStorage, "pool full"));
  ASSERT_GE(trailers.size(), 2u);
  EXPECT_EQ(trailers[0].first, kCodeKey);
  EXPECT_EQ(trailers[0].second, "VSS_E_INSUFFICIENT_STORAGE");
  EXPECT_EQ(trailers[1].first, kHresultKey);
  EXPECT_EQ(trailers[1].second, "0x8004231F");
  EXPECT_TRUE(StatusTrailers(Status::Ok()).empty());
}

TEST(StatusCodecTest, HresultAloneIsEnough) {
  const std::string hr = "0x80042308";
  Trailers trailers;
  trailers.emplace(grpc::string_ref(kHresultKey), grpc::string_ref(hr));
  const Status got = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "LUN 9"), trailers);
  EXPECT_EQ(got.code(), Code::kObjectNotFound);
  EXPECT_EQ(got.message(), "LUN 9");
}

TEST(StatusCodecTest, TransportFailuresMapByGrpcCode) {
  const Trailers none;
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                        "connection refused"),
                           none)
                .code(),
            Code::kUnavailable);
  const Status deadline = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"),
      none);
  EXPECT_EQ(deadline.code(), Code::kDeadlineExceeded);
  EXPECT_EQ(deadline.message(), "gRPC DEADLINE_EXCEEDED: Deadline Exceeded");
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, ""), none)
          .code(),
      Code::kUnauthenticated);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::CANCELLED, ""), none)
                .code(),
            Code::kCancelled);
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""), none)
          .code(),
      Code::kNotImplemented);
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::INTERNAL, "boom"), none)
          .code(),
      Code::kUnexpected);
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK, none).ok());
}

TEST(StatusCodecTest, UnknownOrContradictoryTrailersFallBack) {
  const std::string bogus = "VSS_E_NO_SUCH_THING";
  Trailers trailers;
  trailers.emplace(grpc::string_ref(kCodeKey), grpc::string_ref(bogus));
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, ""), trailers)
          .code(),
      Code::kUnavailable);
  // A failure code on an OK call is not invented.
  const std::string failure = "VSS_E_BAD_STATE";
  Trailers bad;
  bad.emplace(grpc::string_ref(kCodeKey), grpc::string_ref(failure));
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK, bad).ok());
}

TEST(SizeTextTest, Parses) {
  EXPECT_EQ(*ParseSize("1073741824"), 1ull << 30);
  EXPECT_EQ(*ParseSize("10G"), 10ull << 30);
  EXPECT_EQ(*ParseSize("10GiB"), 10ull << 30);
  EXPECT_EQ(*ParseSize("512M"), 512ull << 20);
  EXPECT_EQ(*ParseSize("1.5K"), 1536u);
  EXPECT_EQ(*ParseSize("2 TB"), 2'000'000'000'000ull);
  EXPECT_EQ(*ParseSize("4096B"), 4096u);
  for (const char* bad : {"", "G", "-1", "1.5", "1.0001K", "10X", "1.K",
                          "99999999999999999999", "16385P"}) {
    EXPECT_EQ(ParseSize(bad).status().code(), Code::kInvalidArg) << bad;
  }
}

TEST(SizeTextTest, Formats) {
  EXPECT_EQ(FormatSize(0), "0 B");
  EXPECT_EQ(FormatSize(512), "512 B");
  EXPECT_EQ(FormatSize(1ull << 30), "1 GiB");
  EXPECT_EQ(FormatSize(3ull << 29), "1.50 GiB");
}

TEST(LoggerTest, PlainAndJournalLines) {
  EXPECT_EQ(FormatLogLine(LogLevel::kWarning, "refused x", false),
            "warning refused x");
  EXPECT_EQ(FormatLogLine(LogLevel::kWarning, "refused x", true),
            "<4>refused x");
  EXPECT_EQ(FormatLogLine(LogLevel::kInfo, "a\nb\x01\\", false),
            "info a\\nb\\x01\\\\");
  EXPECT_EQ(LogLevelFromName("debug"), LogLevel::kDebug);
  EXPECT_FALSE(LogLevelFromName("loud").has_value());
}

TEST(LoggerTest, WritesAtOrAboveItsLevel) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    StderrLogger logger(LogLevel::kNotice, false, fds[1]);
    logger.Info("hidden");
    logger.Error("shown");
  }
  close(fds[1]);
  char buffer[128] = {};
  const ssize_t n = read(fds[0], buffer, sizeof buffer - 1);
  close(fds[0]);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0),
            "error shown\n");
}

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (fs::temp_directory_path() / "sp_rpc_units.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

using AdminTokenTest = TempDirTest;

TEST_F(AdminTokenTest, CreatedOnceOwnerOnlyAndReadBack) {
  const std::string path = (dir_ / "admin.token").string();
  Result<std::string> first = LoadOrCreateAdminToken(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 64u);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<std::string> again = LoadOrCreateAdminToken(path);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *first);
  Result<std::string> client = ReadAdminToken(path);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(*client, *first);
  // Another daemon's token is another token.
  Result<std::string> other =
      LoadOrCreateAdminToken((dir_ / "other.token").string());
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *first);
}

TEST_F(AdminTokenTest, RefusesATokenOthersCanRead) {
  const std::string path = (dir_ / "admin.token").string();
  ASSERT_TRUE(LoadOrCreateAdminToken(path).ok());
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(LoadOrCreateAdminToken(path).status().code(),
            Code::kAccessDeniedLocal);
  const std::string link = (dir_ / "link.token").string();
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  fs::create_symlink(path, link);
  EXPECT_NE(LoadOrCreateAdminToken(link).status().code(), Code::kOk);
  std::ofstream(dir_ / "junk.token") << "not a token\n";
  chmod((dir_ / "junk.token").c_str(), 0600);
  EXPECT_EQ(
      LoadOrCreateAdminToken((dir_ / "junk.token").string()).status().code(),
      Code::kInvalidArg);
}

TEST(DaemonConfigTest, FullConfig) {
  Result<daemon::DaemonConfig> config = daemon::ParseConfig(R"(
pool_dir = "/srv/pool"
free_space_floor = "2G"
snapshot_reserve_percent = 20
abandoned_set_timeout_s = 120
admin_token_file = "/var/lib/x/admin.token"
log_level = "debug"
shutdown_grace_ms = 1000

[listen]
socket = "/run/x/arrayd.sock"
socket_group = "shadowport"
tcp = "0.0.0.0:7443"

[tls]
cert = "/etc/x/server.crt"
key = "/etc/x/server.key"
client_ca = "/etc/x/ca.crt"
admin_common_name = "array-admin"
)",
                                                            "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->pool_dir, "/srv/pool");
  EXPECT_EQ(config->free_space_floor_bytes, 2ull << 30);
  EXPECT_EQ(config->snapshot_reserve_percent, 20u);
  EXPECT_EQ(config->abandoned_set_timeout.count(), 120);
  EXPECT_EQ(config->admin_token_file, "/var/lib/x/admin.token");
  EXPECT_EQ(config->log_level, LogLevel::kDebug);
  EXPECT_EQ(config->shutdown_grace.count(), 1000);
  EXPECT_EQ(config->socket, "/run/x/arrayd.sock");
  EXPECT_EQ(config->socket_group, "shadowport");
  EXPECT_EQ(config->tcp, "0.0.0.0:7443");
  EXPECT_EQ(config->tls_client_ca, "/etc/x/ca.crt");
  EXPECT_EQ(config->admin_common_name, "array-admin");
}

TEST(DaemonConfigTest, MinimalConfigHasDefaults) {
  Result<daemon::DaemonConfig> config =
      daemon::ParseConfig("pool_dir = \"/srv/pool\"\n", "t.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->socket, kDefaultSocket);
  EXPECT_EQ(config->admin_token_file, kDefaultAdminTokenFile);
  EXPECT_EQ(config->free_space_floor_bytes, 1ull << 30);
  EXPECT_EQ(config->abandoned_set_timeout.count(), 900);
  EXPECT_TRUE(config->tcp.empty());
}

TEST(DaemonConfigTest, RefusesMistakes) {
  const std::vector<std::string> bad = {
      "",                                                  // no pool_dir
      "pool_dir = \"relative/pool\"\n",                    // relative
      "pool_dir = \"/p\"\npool_dri = 1\n",                 // unknown key
      "pool_dir = \"/p\"\nfree_space_floor = \"lots\"\n",  // bad size
      "pool_dir = \"/p\"\nlog_level = \"loud\"\n",
      "pool_dir = \"/p\"\nabandoned_set_timeout_s = 5\n",    // below 60 s
      "pool_dir = \"/p\"\n[listen]\ntcp = \"0.0.0.0:1\"\n",  // TCP, no TLS
      "pool_dir = \"/p\"\n[listen]\nsocket = \"\"\n",        // no listener
      "pool_dir = \"/p\"\n[listen]\ntcp = \"127.0.0.1:99999\"\n[tls]\n"
      "cert = \"/c\"\nkey = \"/k\"\nclient_ca = \"/a\"\n",  // bad port
      "pool_dir = \"/p\"\n[listen]\ntcp = \"7443\"\n[tls]\n"
      "cert = \"/c\"\nkey = \"/k\"\nclient_ca = \"/a\"\n",  // no host
      "pool_dir = \"/p\"\n[listen]\nsockett = \"/x\"\n",
      "pool_dir = 7\n",
      "pool_dir = \"/p\"\nlisten = 3\n",
      "pool_dir = \"/p\" garbage\n",
  };
  for (const std::string& text : bad) {
    Result<daemon::DaemonConfig> config = daemon::ParseConfig(text, "t.toml");
    EXPECT_EQ(config.status().code(), Code::kInvalidArg) << text;
  }
  Result<daemon::DaemonConfig> typo =
      daemon::ParseConfig("pool_dir = \"/p\"\n\npool_dri = 1\n", "t.toml");
  EXPECT_NE(typo.status().message().find("t.toml:3: unknown key \"pool_dri\""),
            std::string::npos)
      << typo.status().ToString();
}

}  // namespace
}  // namespace sp::array::rpc
