// The shadowport CLI's service verbs without a service (no root): the
// context `create` chooses from its flags (create_options.h), the
// environment of --exec (exec_env.h), usage errors, and what `status` and
// `list` say when shadowportd cannot be reached. End-to-end runs against a
// real shadowportd are integration tests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "cli/create_options.h"
#include "cli/exec_env.h"
#include "cli/import_env.h"
#include "os/process.h"
#include "shadowport/backup_components.h"
#include "shadowport/context.h"
#include "shadowport/status.h"

namespace sp::cli {
namespace {

uint32_t ContextOf(const ContextFlags& flags) {
  Result<ContextChoice> choice = SelectContext(flags);
  EXPECT_TRUE(choice.ok()) << choice.status().ToString();
  return choice.ok() ? choice->value : 0xDEADBEEF;
}

TEST(SelectContext, FollowsVshadowsMapping) {
  ContextFlags flags;
  EXPECT_EQ(ContextOf(flags), 0x0u);  // VSS_CTX_BACKUP
  flags.persistent = true;
  EXPECT_EQ(ContextOf(flags), 0x9u);  // APP_ROLLBACK
  flags.no_writers = true;
  EXPECT_EQ(ContextOf(flags), 0x19u);  // NAS_ROLLBACK
  flags.persistent = false;
  EXPECT_EQ(ContextOf(flags), 0x10u);  // FILE_SHARE_BACKUP
}

TEST(SelectContext, ReportsWritersAndLifetime) {
  ContextFlags flags;
  Result<ContextChoice> backup = SelectContext(flags);
  ASSERT_TRUE(backup.ok());
  EXPECT_EQ(backup->base, Context::kBackup);
  EXPECT_TRUE(backup->involves_writers);
  EXPECT_EQ(backup->lifetime, Lifetime::kAutoRelease);

  flags.persistent = true;
  flags.no_writers = true;
  Result<ContextChoice> nas = SelectContext(flags);
  ASSERT_TRUE(nas.ok());
  EXPECT_EQ(nas->base, Context::kNasRollback);
  EXPECT_FALSE(nas->involves_writers);
  EXPECT_EQ(nas->lifetime, Lifetime::kPersistent);
}

TEST(SelectContext, ContextNameAndAttributes) {
  ContextFlags flags;
  flags.context_name = "app_rollback";
  flags.transportable = true;
  EXPECT_EQ(ContextOf(flags), 0x9u | attr::kTransportable);

  flags.context_name = "VSS_CTX_CLIENT_ACCESSIBLE_WRITERS";
  flags.transportable = false;
  flags.plex = true;
  // Not refused here: the service decides what its providers can do.
  EXPECT_EQ(ContextOf(flags), 0xDu | attr::kPlex);

  flags = ContextFlags{};
  flags.transportable = true;
  flags.differential = true;
  EXPECT_EQ(ContextOf(flags), attr::kTransportable | attr::kDifferential);
}

TEST(SelectContext, RefusesContradictions) {
  ContextFlags both;
  both.differential = true;
  both.plex = true;
  Result<ContextChoice> r = SelectContext(both);
  EXPECT_EQ(r.status().code(), Code::kInvalidArg);
  EXPECT_NE(r.status().message().find("--differential and --plex"),
            std::string::npos);

  for (int i = 0; i < 2; ++i) {
    ContextFlags flags;
    flags.context_name = "backup";
    (i == 0 ? flags.persistent : flags.no_writers) = true;
    r = SelectContext(flags);
    EXPECT_EQ(r.status().code(), Code::kInvalidArg) << i;
    EXPECT_NE(r.status().message().find("--context cannot be combined"),
              std::string::npos);
  }

  ContextFlags unknown;
  unknown.context_name = "volatile";
  EXPECT_EQ(SelectContext(unknown).status().code(), Code::kInvalidArg);
}

Guid G(uint8_t seed) {
  std::array<uint8_t, 16> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<uint8_t>(seed + i);
  }
  return Guid(bytes);
}

TEST(BuildExecEnvironment, NamesTheSetAndEverySnapshot) {
  SnapshotSetDescription set;
  set.snapshot_set_id = G(1);
  set.context = 0x9 | attr::kTransportable;
  for (int i = 0; i < 2; ++i) {
    SnapshotDescription s;
    s.snapshot_id = G(static_cast<uint8_t>(20 + i));
    s.original.mount_point = i == 0 ? "/srv/F" : "/srv/with space";
    s.original.device = "/dev/loop" + std::to_string(i);
    for (int lun = 0; lun < i + 1; ++lun) {
      LunMapping mapping;
      mapping.source.unique_id = "naa.source" + std::to_string(lun);
      mapping.destination.unique_id =
          "naa.6" + std::to_string(i) + std::to_string(lun);
      s.luns.push_back(mapping);
    }
    set.snapshots.push_back(s);
  }
  const std::vector<std::string> env =
      BuildExecEnvironment(set, "/tmp/bcd.xml", "");
  const std::vector<std::string> expected = {
      "SHADOWPORT_SNAPSHOT_SET_ID=" + G(1).ToString(),
      "SHADOWPORT_CONTEXT=0x29",
      "SHADOWPORT_BCD=/tmp/bcd.xml",
      "SHADOWPORT_METADATA=",
      "SHADOWPORT_SNAPSHOT_COUNT=2",
      "SHADOWPORT_SNAPSHOT_0_ID=" + G(20).ToString(),
      "SHADOWPORT_SNAPSHOT_0_VOLUME=/srv/F",
      "SHADOWPORT_SNAPSHOT_0_DEVICE=/dev/loop0",
      "SHADOWPORT_SNAPSHOT_0_NAA=naa.600",
      "SHADOWPORT_SNAPSHOT_1_ID=" + G(21).ToString(),
      "SHADOWPORT_SNAPSHOT_1_VOLUME=/srv/with space",
      "SHADOWPORT_SNAPSHOT_1_DEVICE=/dev/loop1",
      "SHADOWPORT_SNAPSHOT_1_NAA=naa.610 naa.611",
  };
  EXPECT_EQ(env, expected);

  // Usable as RunProcess's extra environment, values verbatim.
  os::RunOptions run;
  run.extra_env = env;
  Result<os::ProcessResult> shown = os::RunProcessChecked(
      {"printenv", "SHADOWPORT_SNAPSHOT_1_VOLUME", "SHADOWPORT_METADATA"}, run);
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  EXPECT_EQ(shown->out, "/srv/with space\n\n");
}

// ---- the shadowport binary ----

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CliRun Shadowport(std::vector<std::string> args,
                  std::vector<std::string> env = {}) {
  args.insert(args.begin(), SP_SHADOWPORT_BIN);
  os::RunOptions options;
  options.timeout = std::chrono::seconds(60);
  options.extra_env = std::move(env);
  Result<os::ProcessResult> r = os::RunProcess(args, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  return CliRun{r->exit_code, r->out, r->err};
}

std::string NoSuchSocket() {
  return "/tmp/sp-cli-test-no-such-dir-" + std::to_string(::getpid()) +
         "/shadowportd.sock";
}

TEST(ShadowportBinary, UnreachableServiceIsUnavailable) {
  const std::string socket = NoSuchSocket();
  const int unavailable = InfoOf(Code::kUnavailable).exit_code;
  for (const std::vector<std::string>& verb :
       {std::vector<std::string>{"status"},
        std::vector<std::string>{"list", "--json"}}) {
    std::vector<std::string> args = verb;
    args.push_back("--socket");
    args.push_back(socket);
    CliRun run = Shadowport(args);
    EXPECT_EQ(run.exit_code, unavailable) << verb[0] << ": " << run.err;
    EXPECT_EQ(run.out, "") << verb[0];
    EXPECT_NE(run.err.find("shadowport: SP_E_UNAVAILABLE"), std::string::npos)
        << run.err;
    EXPECT_NE(run.err.find(socket), std::string::npos) << run.err;
  }
}

TEST(ShadowportBinary, SocketFromTheEnvironment) {
  const std::string socket = NoSuchSocket() + ".env";
  CliRun run = Shadowport({"status"}, {"SHADOWPORT_SOCKET=" + socket});
  EXPECT_EQ(run.exit_code, InfoOf(Code::kUnavailable).exit_code) << run.err;
  EXPECT_NE(run.err.find(socket), std::string::npos) << run.err;
}

TEST(ShadowportBinary, UsageErrorsExitTwoWithoutContactingTheService) {
  const std::string socket = NoSuchSocket();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"create", "--context", "backup",
                                 "--persistent", "/srv/F"},
        std::vector<std::string>{"create", "--context", "backup",
                                 "--no-writers", "/srv/F"},
        std::vector<std::string>{"create", "--differential", "--plex",
                                 "/srv/F"},
        std::vector<std::string>{"create", "--persistent"},
        std::vector<std::string>{"delete"}}) {
    std::vector<std::string> with_socket = args;
    with_socket.push_back("--socket=" + socket);
    CliRun run = Shadowport(with_socket);
    EXPECT_EQ(run.exit_code, 2) << args[1] << ": " << run.err;
  }
}

TEST(ShadowportBinary, BadIdsAreInvalidArguments) {
  const std::string socket = NoSuchSocket();
  const int invalid = InfoOf(Code::kInvalidArg).exit_code;
  CliRun del = Shadowport({"delete", "not-a-guid", "--socket", socket});
  EXPECT_EQ(del.exit_code, invalid) << del.err;
  CliRun list = Shadowport({"list", "--set", "xyz", "--socket", socket});
  EXPECT_EQ(list.exit_code, invalid) << list.err;
  CliRun create = Shadowport(
      {"create", "--context", "volatile", "/srv/F", "--socket", socket});
  EXPECT_EQ(create.exit_code, invalid) << create.err;
  EXPECT_NE(create.err.find("unknown context"), std::string::npos)
      << create.err;
}

TEST(BuildImportEnvironment, NamesEveryImportedDeviceAndExposure) {
  SnapshotSetDescription set;
  set.snapshot_set_id = *Guid::Parse("{11111111-2222-4333-8444-555555555555}");
  set.creating_host = "one";
  ImportResult result;
  ImportedSnapshotInfo ok;
  ok.snapshot_id = *Guid::Parse("{aaaaaaaa-2222-4333-8444-555555555555}");
  ok.device = "/dev/loop9";
  ok.exposed_path = "/run/shadowport/sets/x/srv_F";
  ok.original.mount_point = "/srv/F";
  ok.original.fs_type = "xfs";
  ImportedSnapshotInfo failed = ok;
  failed.status = Status(Code::kMissingDisk, "size");
  result.snapshots = {failed, ok};
  const std::vector<std::string> env =
      BuildImportEnvironment(set, result, "/tmp/bcd.xml");
  auto has = [&](const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
  };
  EXPECT_TRUE(
      has("SHADOWPORT_SNAPSHOT_SET_ID=" + set.snapshot_set_id.ToString()));
  EXPECT_TRUE(has("SHADOWPORT_CREATING_HOST=one"));
  EXPECT_TRUE(has("SHADOWPORT_BCD=/tmp/bcd.xml"));
  EXPECT_TRUE(has("SHADOWPORT_SNAPSHOT_COUNT=1"));  // the failed one left out
  EXPECT_TRUE(has("SHADOWPORT_SNAPSHOT_0_DEVICE=/dev/loop9"));
  EXPECT_TRUE(
      has("SHADOWPORT_SNAPSHOT_0_EXPOSED=/run/shadowport/sets/x/srv_F"));
  EXPECT_TRUE(has("SHADOWPORT_SNAPSHOT_0_VOLUME=/srv/F"));
  EXPECT_TRUE(has("SHADOWPORT_SNAPSHOT_0_FS=xfs"));
}

TEST(TranslateToSnapshot, MapsOntoExposedVolumesOnly) {
  SnapshotProperties f;
  f.original.mount_point = "/srv/F";
  f.exposed_path = "/run/shadowport/sets/s/srv_F";
  SnapshotProperties g;
  g.original.mount_point = "/srv/G";  // imported, not exposed
  const std::vector<SnapshotProperties> set = {f, g};
  Result<std::string> inside = TranslateToSnapshot(set, "/srv/F/pgdata/base");
  ASSERT_TRUE(inside.ok()) << inside.status().ToString();
  EXPECT_EQ(*inside, "/run/shadowport/sets/s/srv_F/pgdata/base");
  EXPECT_EQ(TranslateToSnapshot(set, "/srv/G/x").status().code(),
            Code::kPathNotOnSet);
  EXPECT_EQ(TranslateToSnapshot(set, "/srv/F/../etc/shadow").status().code(),
            Code::kPathEscape);
}

}  // namespace
}  // namespace sp::cli
