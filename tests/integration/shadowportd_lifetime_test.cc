// shadowportd's lifetime rules for real: every context, one creation in
// flight per host, persistent sets across a restart, auto-release sets of a
// session that died with the daemon, and a SIGKILL of the daemon while the
// filesystems are frozen.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration/shadowportd_fixture.h"
#include "shadowport/context.h"

namespace sp::testing_support {
namespace {

struct ContextCase {
  Context context;
  uint32_t modifiers;
  bool survives_release;
};

TEST_F(ShadowportdTest, EveryContextCreatesWithItsAttributesAndLifetime) {
  TestVolume v = MakeVolume("xfs");
  StartService();
  const ContextCase cases[] = {
      {Context::kBackup, 0, false},
      {Context::kBackup, attr::kTransportable, false},
      {Context::kFileShareBackup, 0, false},
      {Context::kFileShareBackup, attr::kTransportable, false},
      {Context::kAppRollback, 0, true},
      {Context::kAppRollback, attr::kTransportable, true},
      {Context::kNasRollback, 0, true},
      {Context::kClientAccessible, 0, true},
      {Context::kClientAccessibleWriters, 0, true},
  };
  for (const ContextCase& c : cases) {
    const uint32_t value = static_cast<uint32_t>(c.context) | c.modifiers;
    SCOPED_TRACE(std::string(ContextName(c.context)) + " " +
                 AttributesToString(c.modifiers));
    Guid set_id;
    {
      std::unique_ptr<BackupComponents> backup = Connect();
      ASSERT_TRUE(backup);
      SP_ASSERT_OK(CreateSet(*backup, value, {v.mount_point}));
      set_id = backup->document().snapshot_set->snapshot_set_id;
      Result<std::vector<SnapshotProperties>> props = backup->Query(set_id);
      ASSERT_TRUE(props.ok()) << props.status().ToString();
      ASSERT_EQ(props->size(), 1u);
      const SnapshotProperties& p = (*props)[0];
      EXPECT_EQ(p.context, value);
      EXPECT_EQ(p.attributes & value, value);
      EXPECT_TRUE(p.attributes & attr::kHardwareAssisted);
      EXPECT_EQ((p.attributes & attr::kTransportable) != 0,
                c.modifiers == attr::kTransportable);
      EXPECT_EQ(p.original.mount_point, v.mount_point);
      EXPECT_EQ(p.provider_name, "array");
      EXPECT_TRUE(p.device.empty());  // not surfaced on this host
      ASSERT_EQ(p.luns.size(), 1u);
      EXPECT_EQ(p.luns[0].source.unique_id, v.naa);
      SP_ASSERT_OK(backup->Release());
    }
    Result<std::vector<SnapshotProperties>> after =
        BackupComponents::QueryService(socket(), set_id);
    EXPECT_EQ(after.ok(), c.survives_release) << after.status().ToString();
    EXPECT_EQ(ArraySnapshots().size(), c.survives_release ? 1u : 0u);
    if (c.survives_release) {
      Result<DeleteResult> deleted =
          BackupComponents::DeleteOnService(socket(), set_id, true, false);
      ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
      EXPECT_EQ(deleted->deleted, 1u);
      EXPECT_TRUE(ArraySnapshots().empty());
    }
  }
}

TEST_F(ShadowportdTest, IllegalContextsAreRefusedWithTheirCodes) {
  StartService();
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  SP_ASSERT_OK(backup->InitializeForBackup());
  EXPECT_EQ(backup->SetContext(static_cast<uint32_t>(Context::kAll)).code(),
            Code::kInvalidArg);
  EXPECT_EQ(backup
                ->SetContext(static_cast<uint32_t>(Context::kClientAccessible) |
                             attr::kTransportable)
                .code(),
            Code::kUnsupportedContext);
}

TEST_F(ShadowportdTest, DifferentialIsRefusedByTheArrayProvider) {
  TestVolume v = MakeVolume("xfs");
  StartService();
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  SP_ASSERT_OK(backup->InitializeForBackup());
  SP_ASSERT_OK(backup->SetContext(
      static_cast<uint32_t>(Context::kFileShareBackup) | attr::kDifferential));
  SP_ASSERT_OK(backup->StartSnapshotSet().status());
  EXPECT_EQ(backup->AddToSnapshotSet(v.mount_point).status().code(),
            Code::kVolumeNotSupportedByProvider);
  // The root filesystem is never frozen.
  EXPECT_EQ(backup->AddToSnapshotSet("/").status().code(),
            Code::kFreezeRefused);
}

TEST_F(ShadowportdTest, OnlyOneCreationInFlightPerHost) {
  TestVolume v = MakeVolume("xfs");
  StartService();
  const uint32_t context = static_cast<uint32_t>(Context::kFileShareBackup);
  std::unique_ptr<BackupComponents> a = Connect();
  std::unique_ptr<BackupComponents> b = Connect();
  ASSERT_TRUE(a && b);
  SP_ASSERT_OK(a->InitializeForBackup());
  SP_ASSERT_OK(a->SetContext(context));
  SP_ASSERT_OK(a->StartSnapshotSet().status());
  SP_ASSERT_OK(b->InitializeForBackup());
  SP_ASSERT_OK(b->SetContext(context));
  EXPECT_EQ(b->StartSnapshotSet().status().code(),
            Code::kSnapshotSetInProgress);
  SP_ASSERT_OK(a->AddToSnapshotSet(v.mount_point).status());
  SP_ASSERT_OK(a->DoSnapshotSet());
  // A's creation is over: B may start.
  SP_ASSERT_OK(b->StartSnapshotSet().status());
  SP_ASSERT_OK(b->AddToSnapshotSet(v.mount_point).status());
  SP_ASSERT_OK(b->DoSnapshotSet());
  EXPECT_EQ(ArraySnapshots().size(), 2u);
  SP_ASSERT_OK(a->Release());
  SP_ASSERT_OK(b->Release());
  EXPECT_TRUE(ArraySnapshots().empty());
}

TEST_F(ShadowportdTest, PersistentSetSurvivesRestartAutoReleaseDoesNot) {
  TestVolume v = MakeVolume("ext4");
  StartService();
  std::unique_ptr<BackupComponents> keep = Connect();
  ASSERT_TRUE(keep);
  SP_ASSERT_OK(CreateSet(*keep, static_cast<uint32_t>(Context::kAppRollback),
                         {v.mount_point}));
  const Guid persistent = keep->document().snapshot_set->snapshot_set_id;
  SP_ASSERT_OK(keep->Release());
  std::unique_ptr<BackupComponents> lose = Connect();
  ASSERT_TRUE(lose);
  SP_ASSERT_OK(CreateSet(*lose, static_cast<uint32_t>(Context::kBackup),
                         {v.mount_point}));
  const Guid auto_release = lose->document().snapshot_set->snapshot_set_id;
  EXPECT_EQ(ArraySnapshots().size(), 2u);

  // The daemon dies with the session open: its auto-release set is deleted
  // at the next start, the persistent one stays.
  KillService();
  lose.reset();
  StartService();
  EXPECT_TRUE(BackupComponents::QueryService(socket(), persistent).ok());
  EXPECT_EQ(
      BackupComponents::QueryService(socket(), auto_release).status().code(),
      Code::kObjectNotFound);
  std::vector<array::LunInfo> left = ArraySnapshots();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].snapshot_set_id, persistent);

  // And a clean restart keeps it too.
  StopService();
  StartService();
  EXPECT_TRUE(BackupComponents::QueryService(socket(), persistent).ok());
  EXPECT_EQ(ArraySnapshots().size(), 1u);
}

TEST_F(ShadowportdTest, KilledWhileFrozenThawsAndAbortsOnRestart) {
  TestVolume v = MakeVolume("xfs");
  ServiceOptions options;
  options.crash_at = "committed";  // snapshot LUNs made, filesystem frozen
  StartService(options);
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  const auto start = std::chrono::steady_clock::now();
  Status status = CreateSet(
      *backup, static_cast<uint32_t>(Context::kAppRollback), {v.mount_point});
  EXPECT_EQ(status.code(), Code::kUnavailable) << status.ToString();
  ASSERT_TRUE(service()->Wait(std::chrono::seconds(10)));
  // The watchdog thawed the filesystem when its parent died, well within
  // the hold deadline (10 s).
  EXPECT_TRUE(WriteCompletes(v.mount_point, std::chrono::seconds(3)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
  // The clone was made before the kill, but the set never reached the
  // array's FinishSnapshotSet (after the thaw): it is not a snapshot there.
  EXPECT_TRUE(ArraySnapshots().empty());
  backup.reset();

  StartService();  // no crash point now
  EXPECT_TRUE(ArraySnapshots().empty()) << ServiceLog();
  Result<std::vector<SnapshotProperties>> all =
      BackupComponents::QueryService(socket());
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(ShadowportdTest, HoldDeadlineAbortsTheSet) {
  TestVolume v = MakeVolume("xfs");
  ServiceOptions options;
  // The commit (clones only) is quick now: the service stalls 2 s with the
  // filesystem frozen, well past a hold deadline of 300 ms.
  options.hold_timeout_ms = 300;
  options.crash_at = "stall-frozen";
  StartService(options);
  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  Status status = CreateSet(
      *backup, static_cast<uint32_t>(Context::kAppRollback), {v.mount_point});
  EXPECT_EQ(status.code(), Code::kHoldWritesTimeout) << status.ToString();
  EXPECT_TRUE(WriteCompletes(v.mount_point, std::chrono::seconds(2)));
  EXPECT_TRUE(ArraySnapshots().empty());
}

}  // namespace
}  // namespace sp::testing_support
