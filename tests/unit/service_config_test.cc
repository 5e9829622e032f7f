// ParseServiceConfig (src/service/config.h): shadowportd's TOML file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "service/config.h"

namespace sp::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kFull[] = R"(host = "host-one"
cluster = "c1"
state_dir = "/var/lib/sp-test"
socket = "/run/sp-test/shadowportd.sock"
socket_group = "backup"
log_level = "debug"
shutdown_grace_ms = 2500

[snapshots]
flush_timeout_ms = 3000
hold_timeout_ms = 4000
freezer = "/opt/sp/freezer"
default_importers = ["host-two", "cluster:c2"]
never_freeze = ["/srv/logs"]

[writers]
event_timeout_ms = 30000
freeze_timeout_ms = 20000

[providers.array]
target = "unix:/run/shadowport-array/arrayd.sock"
credential_file = "/etc/shadowport/host.cred"
tls_ca = "/etc/shadowport/ca.pem"
tls_cert = "/etc/shadowport/cert.pem"
tls_key = "/etc/shadowport/key.pem"
tls_server_name = "array.example"
deadline_ms = 7000
)";

// kFull with `from` replaced by `to` (which must occur).
std::string Edit(const std::string& from, const std::string& to) {
  std::string text = kFull;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Status Parse(const std::string& text) {
  return ParseServiceConfig(text, "test.toml").status();
}

TEST(ServiceConfigTest, FullFile) {
  Result<ServiceConfig> parsed = ParseServiceConfig(kFull, "test.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const ServiceConfig& c = *parsed;
  EXPECT_EQ(c.host, "host-one");
  EXPECT_EQ(c.cluster, "c1");
  EXPECT_EQ(c.state_dir, "/var/lib/sp-test");
  EXPECT_EQ(c.socket, "/run/sp-test/shadowportd.sock");
  EXPECT_EQ(c.socket_group, "backup");
  EXPECT_EQ(c.log_level, array::rpc::LogLevel::kDebug);
  EXPECT_EQ(c.shutdown_grace.count(), 2500);
  EXPECT_EQ(c.flush_timeout.count(), 3000);
  EXPECT_EQ(c.hold_timeout.count(), 4000);
  EXPECT_EQ(c.freezer, "/opt/sp/freezer");
  EXPECT_THAT(c.default_importers, ElementsAre("host-two", "cluster:c2"));
  EXPECT_THAT(c.never_freeze, ElementsAre("/srv/logs"));
  EXPECT_EQ(c.writer_event_timeout.count(), 30000);
  EXPECT_EQ(c.writer_freeze_timeout.count(), 20000);
  EXPECT_TRUE(c.array.enabled);
  EXPECT_EQ(c.array.target, "unix:/run/shadowport-array/arrayd.sock");
  EXPECT_EQ(c.array.credential_file, "/etc/shadowport/host.cred");
  EXPECT_EQ(c.array.tls_ca, "/etc/shadowport/ca.pem");
  EXPECT_EQ(c.array.tls_cert, "/etc/shadowport/cert.pem");
  EXPECT_EQ(c.array.tls_key, "/etc/shadowport/key.pem");
  EXPECT_EQ(c.array.tls_server_name, "array.example");
  EXPECT_EQ(c.array.deadline.count(), 7000);
  EXPECT_THAT(c.ProtectedPaths(),
              ElementsAre("/", "/var/lib/sp-test", "/run/sp-test",
                          "/opt/sp/freezer", "/srv/logs"));
}

TEST(ServiceConfigTest, MinimalFileTakesTheDefaults) {
  Result<ServiceConfig> parsed =
      ParseServiceConfig("host = \"h\"\n", "test.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->state_dir, kDefaultStateDir);
  EXPECT_EQ(parsed->socket, kDefaultSocket);
  EXPECT_EQ(parsed->freezer, kDefaultFreezer);
  EXPECT_EQ(parsed->flush_timeout.count(), 10000);
  EXPECT_EQ(parsed->hold_timeout.count(), 10000);
  EXPECT_FALSE(parsed->array.enabled);
  EXPECT_TRUE(parsed->default_importers.empty());
}

TEST(ServiceConfigTest, UnknownKeysAreRefusedWithTheirLine) {
  struct Case {
    std::string text;
    std::string where;
  };
  const Case cases[] = {
      {Edit("cluster = \"c1\"", "clustr = \"c1\""),
       "test.toml:2: unknown key \"clustr\""},
      {Edit("hold_timeout_ms = 4000", "hold_timeout = 4000"),
       "test.toml:11: unknown key \"snapshots.hold_timeout\""},
      {Edit("deadline_ms = 7000", "deadline = 7000"),
       "test.toml:27: unknown key \"providers.array.deadline\""},
      {std::string(kFull) + "[extra]\nx = 1\n", "unknown key \"extra\""},
      {std::string(kFull) + "[providers.ceph]\n",
       "unknown key "
       "\"providers.ceph\""},
  };
  for (const Case& c : cases) {
    Status status = Parse(c.text);
    EXPECT_EQ(status.code(), Code::kInvalidArg) << c.where;
    EXPECT_THAT(status.message(), HasSubstr(c.where));
  }
}

TEST(ServiceConfigTest, RelativePathsAreRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {"state_dir = \"/var/lib/sp-test\"", "state_dir = \"var/lib\""},
      {"socket = \"/run/sp-test/shadowportd.sock\"", "socket = \"s.sock\""},
      {"freezer = \"/opt/sp/freezer\"", "freezer = \"freezer\""},
      {"never_freeze = [\"/srv/logs\"]", "never_freeze = [\"srv/logs\"]"},
      {"credential_file = \"/etc/shadowport/host.cred\"",
       "credential_file = \"host.cred\""},
      {"tls_key = \"/etc/shadowport/key.pem\"", "tls_key = \"key.pem\""},
  };
  for (const auto& [from, to] : cases) {
    Status status = Parse(Edit(from, to));
    EXPECT_EQ(status.code(), Code::kInvalidArg) << to;
    EXPECT_THAT(status.message(), HasSubstr("absolute")) << to;
  }
}

TEST(ServiceConfigTest, HostIsRequired) {
  Status status = Parse(Edit("host = \"host-one\"\n", ""));
  EXPECT_EQ(status.code(), Code::kInvalidArg);
  EXPECT_THAT(status.message(), HasSubstr("host is required"));
  EXPECT_EQ(Parse(Edit("host = \"host-one\"", "host = \"\"")).code(),
            Code::kInvalidArg);
}

TEST(ServiceConfigTest, ArrayProviderNeedsTargetAndCredential) {
  Status no_cred =
      Parse(Edit("credential_file = \"/etc/shadowport/host.cred\"\n", ""));
  EXPECT_EQ(no_cred.code(), Code::kInvalidArg);
  EXPECT_THAT(no_cred.message(),
              HasSubstr("providers.array.credential_file is required"));
  Status no_target =
      Parse(Edit("target = \"unix:/run/shadowport-array/arrayd.sock\"\n", ""));
  EXPECT_EQ(no_target.code(), Code::kInvalidArg);
  EXPECT_THAT(no_target.message(),
              HasSubstr("providers.array.target is required"));
  // A disabled provider needs neither.
  Result<ServiceConfig> disabled = ParseServiceConfig(
      "host = \"h\"\n[providers.array]\nenabled = false\n", "test.toml");
  ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
  EXPECT_FALSE(disabled->array.enabled);
}

TEST(ServiceConfigTest, TimeoutsOutOfRangeAreRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {"flush_timeout_ms = 3000", "flush_timeout_ms = 0"},
      {"hold_timeout_ms = 4000", "hold_timeout_ms = 600001"},
      {"hold_timeout_ms = 4000", "hold_timeout_ms = -5"},
      {"shutdown_grace_ms = 2500", "shutdown_grace_ms = 700000"},
      {"event_timeout_ms = 30000", "event_timeout_ms = 3600001"},
      {"freeze_timeout_ms = 20000", "freeze_timeout_ms = \"20s\""},
      {"deadline_ms = 7000", "deadline_ms = 0"},
  };
  for (const auto& [from, to] : cases) {
    Status status = Parse(Edit(from, to));
    EXPECT_EQ(status.code(), Code::kInvalidArg) << to;
    EXPECT_THAT(status.message(), HasSubstr("must be an integer from 1")) << to;
  }
  // The bounds themselves are accepted.
  EXPECT_TRUE(
      Parse(Edit("hold_timeout_ms = 4000", "hold_timeout_ms = 600000")).ok());
  EXPECT_TRUE(
      Parse(Edit("flush_timeout_ms = 3000", "flush_timeout_ms = 1")).ok());
}

TEST(ServiceConfigTest, BadValuesAreRefused) {
  Status level = Parse(Edit("log_level = \"debug\"", "log_level = \"loud\""));
  EXPECT_EQ(level.code(), Code::kInvalidArg);
  EXPECT_THAT(level.message(), HasSubstr("log_level"));
  Status syntax = Parse("host = \"h\"\nstate_dir = \n");
  EXPECT_EQ(syntax.code(), Code::kInvalidArg);
  EXPECT_THAT(syntax.message(), HasSubstr("test.toml:2"));
  Status type = Parse(Edit("host = \"host-one\"", "host = 3"));
  EXPECT_EQ(type.code(), Code::kInvalidArg);
  EXPECT_THAT(type.message(), HasSubstr("test.toml:1: host must be a string"));
  Status importers =
      Parse(Edit("default_importers = [\"host-two\", "
                 "\"cluster:c2\"]",
                 "default_importers = \"host-two\""));
  EXPECT_EQ(importers.code(), Code::kInvalidArg);
}

constexpr char kPeerTables[] = R"(
[peer]
listen = "0.0.0.0:7444"
tls_cert = "/etc/shadowport/peer/one.pem"
tls_key = "/etc/shadowport/peer/one.key"
tls_ca = "/etc/shadowport/peer/ca.pem"
deadline_ms = 3000

[peers]
two = "10.213.0.2:7444"
"backup.example" = "backup.example:7444"
v6 = "[fd00::2]:7444"
)";

// kFull and kPeerTables, with `from` replaced by `to` in the latter.
std::string EditPeers(const std::string& from, const std::string& to) {
  std::string text = kPeerTables;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return std::string(kFull) + text;
}

TEST(ServiceConfigTest, PeerTables) {
  Result<ServiceConfig> parsed =
      ParseServiceConfig(std::string(kFull) + kPeerTables, "test.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const PeerConfig& p = parsed->peer;
  EXPECT_EQ(p.listen, "0.0.0.0:7444");
  EXPECT_EQ(p.tls_cert, "/etc/shadowport/peer/one.pem");
  EXPECT_EQ(p.tls_key, "/etc/shadowport/peer/one.key");
  EXPECT_EQ(p.tls_ca, "/etc/shadowport/peer/ca.pem");
  EXPECT_EQ(p.deadline.count(), 3000);
  EXPECT_EQ(parsed->peers, (std::map<std::string, std::string>{
                               {"two", "10.213.0.2:7444"},
                               {"backup.example", "backup.example:7444"},
                               {"v6", "[fd00::2]:7444"}}));
}

TEST(ServiceConfigTest, PeerDefaults) {
  Result<ServiceConfig> parsed =
      ParseServiceConfig("host = \"h\"\n", "test.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->peer.listen.empty());
  EXPECT_EQ(parsed->peer.deadline.count(), 10000);
  EXPECT_TRUE(parsed->peers.empty());
  // Only peers to call (no listener) is fine with the TLS files.
  Result<ServiceConfig> caller = ParseServiceConfig(
      EditPeers("listen = \"0.0.0.0:7444\"\n", ""), "test.toml");
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_TRUE(caller->peer.listen.empty());
}

TEST(ServiceConfigTest, PeerChannelNeedsTheThreeTlsFiles) {
  for (const char* line : {"tls_cert = \"/etc/shadowport/peer/one.pem\"\n",
                           "tls_key = \"/etc/shadowport/peer/one.key\"\n",
                           "tls_ca = \"/etc/shadowport/peer/ca.pem\"\n"}) {
    Status status = Parse(EditPeers(line, ""));
    EXPECT_EQ(status.code(), Code::kInvalidArg) << line;
    EXPECT_THAT(status.message(),
                HasSubstr("peer.listen needs peer.tls_cert, peer.tls_key "
                          "and peer.tls_ca"))
        << line;
  }
  // [peers] alone needs them too: the done-signal goes over mutual TLS.
  Status peers = Parse("host = \"h\"\n[peers]\ntwo = \"10.0.0.2:7444\"\n");
  EXPECT_EQ(peers.code(), Code::kInvalidArg);
  EXPECT_THAT(peers.message(), HasSubstr("[peers] needs peer.tls_cert"));
}

TEST(ServiceConfigTest, BadPeerAddressesAndNamesAreRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {"listen = \"0.0.0.0:7444\"", "listen = \"0.0.0.0\""},
      {"listen = \"0.0.0.0:7444\"", "listen = \"0.0.0.0:70000\""},
      {"listen = \"0.0.0.0:7444\"", "listen = \":7444\""},
      {"listen = \"0.0.0.0:7444\"", "listen = \"a b:7444\""},
      {"two = \"10.213.0.2:7444\"", "two = \"10.213.0.2\""},
      {"two = \"10.213.0.2:7444\"", "two = \"10.213.0.2:0\""},
      {"two = \"10.213.0.2:7444\"", "two = \"10.213.0.2:\""},
      {"two = \"10.213.0.2:7444\"", "two = \"10.213.0.2:74x4\""},
      {"two = \"10.213.0.2:7444\"", "two = 7444"},
      {"two = \"10.213.0.2:7444\"", "two = [\"10.213.0.2:7444\"]"},
      {"v6 = \"[fd00::2]:7444\"", "v6 = \"[fd00::2\""},
      {"two = \"10.213.0.2:7444\"", "\"-two\" = \"10.213.0.2:7444\""},
      {"two = \"10.213.0.2:7444\"", "\"cluster:c1\" = \"10.213.0.2:7444\""},
      {"two = \"10.213.0.2:7444\"", "\"two host\" = \"10.213.0.2:7444\""},
      {"two = \"10.213.0.2:7444\"", "two.x = \"10.213.0.2:7444\""},
  };
  for (const auto& [from, to] : cases) {
    Status status = Parse(EditPeers(from, to));
    EXPECT_EQ(status.code(), Code::kInvalidArg) << to;
    EXPECT_THAT(status.message(), HasSubstr("test.toml")) << to;
  }
  Status named = Parse(
      EditPeers("two = \"10.213.0.2:7444\"", "\"-two\" = \"10.213.0.2:7444\""));
  EXPECT_THAT(named.message(), HasSubstr("peers.-two: want a host name"));
  Status address =
      Parse(EditPeers("two = \"10.213.0.2:7444\"", "two = \"10.213.0.2\""));
  EXPECT_THAT(address.message(),
              HasSubstr(":37: peers.two must be a \"HOST:PORT\" address"));
}

TEST(ServiceConfigTest, PeerKeysAreCheckedLikeTheOthers) {
  Status unknown = Parse(EditPeers("deadline_ms = 3000", "deadline = 3000"));
  EXPECT_EQ(unknown.code(), Code::kInvalidArg);
  EXPECT_THAT(unknown.message(), HasSubstr("unknown key \"peer.deadline\""));
  Status relative = Parse(EditPeers("tls_ca = \"/etc/shadowport/peer/ca.pem\"",
                                    "tls_ca = \"ca.pem\""));
  EXPECT_EQ(relative.code(), Code::kInvalidArg);
  EXPECT_THAT(relative.message(), HasSubstr("peer.tls_ca must be an absolute"));
  Status deadline = Parse(EditPeers("deadline_ms = 3000", "deadline_ms = 0"));
  EXPECT_EQ(deadline.code(), Code::kInvalidArg);
}

TEST(ServiceConfigTest, HostPortAndHostNameRules) {
  EXPECT_TRUE(IsValidHostPort("10.0.0.1:7444", 1));
  EXPECT_TRUE(IsValidHostPort("one.example:1", 1));
  EXPECT_TRUE(IsValidHostPort("[::1]:65535", 1));
  EXPECT_TRUE(IsValidHostPort("127.0.0.1:0", 0));
  EXPECT_FALSE(IsValidHostPort("127.0.0.1:0", 1));
  EXPECT_FALSE(IsValidHostPort("::1:7444", 1));
  EXPECT_FALSE(IsValidHostPort("one:65536", 1));
  EXPECT_FALSE(IsValidHostPort("one:123456", 1));
  EXPECT_FALSE(IsValidHostPort("[]:7444", 1));
  EXPECT_TRUE(IsValidHostName("systemOne"));
  EXPECT_TRUE(IsValidHostName("a.b-c_d"));
  EXPECT_FALSE(IsValidHostName(""));
  EXPECT_FALSE(IsValidHostName(".a"));
  EXPECT_FALSE(IsValidHostName("cluster:c1"));
  EXPECT_FALSE(IsValidHostName(std::string(65, 'a')));
}

}  // namespace
}  // namespace sp::service
