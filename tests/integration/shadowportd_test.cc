// shadowportd for real (issue 4): sets of ext4 and XFS volumes on array LUNs,
// frozen with FIFREEZE by the watchdog, committed by the array provider, and
// the lifetime rules of VSS contexts.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "integration/shadowportd_fixture.h"
#include "shadowport/context.h"
#include "shadowport/documents.h"
#include "shadowport/metadata_bundle.h"

namespace sp::testing_support {
namespace {

TEST_F(ShadowportdTest, SnapshotOfXfsAndExt4IsConsistentAndAutoReleased) {
  TestVolume xfs = MakeVolume("xfs");
  TestVolume ext4 = MakeVolume("ext4");
  StartService();
  WriteFile(xfs.mount_point + "/data.txt", "xfs before");
  WriteFile(ext4.mount_point + "/data.txt", "ext4 before");

  std::unique_ptr<BackupComponents> backup = Connect();
  ASSERT_TRUE(backup);
  SP_ASSERT_OK(CreateSet(*backup, static_cast<uint32_t>(Context::kBackup),
                         {xfs.mount_point, ext4.mount_point}));
  WriteFile(xfs.mount_point + "/data.txt", "xfs after");

  const BackupComponentsDocument& bcd = backup->document();
  ASSERT_TRUE(bcd.snapshot_set.has_value());
  ASSERT_EQ(bcd.snapshot_set->snapshots.size(), 2u);
  EXPECT_EQ(bcd.snapshot_set->creating_host, "one");
  std::vector<array::LunInfo> at_array = ArraySnapshots();
  ASSERT_EQ(at_array.size(), 2u);
  for (const SnapshotDescription& s : bcd.snapshot_set->snapshots) {
    ASSERT_EQ(s.luns.size(), 1u);
    EXPECT_FALSE(s.luns[0].source.array_id.empty());
    EXPECT_NE(s.luns[0].destination.unique_id, s.luns[0].source.unique_id);
    EXPECT_TRUE(s.attributes & attr::kHardwareAssisted);
  }

  // The snapshot of the XFS volume holds the data of the freeze point and
  // mounts without log recovery.
  const SnapshotDescription& first = bcd.snapshot_set->snapshots[0];
  EXPECT_EQ(first.original.mount_point, xfs.mount_point);
  Result<array::LunInfo> snap =
      one().FindLunByNaa(first.luns[0].destination.unique_id);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  const std::string device = AttachLun(one(), snap->id);
  os::MountOptions ro;
  ro.read_only = true;
  ro.data = "nouuid,norecovery";
  const std::string dir = MountDevice(device, "xfs", ro);
  EXPECT_EQ(ReadFile(dir + "/data.txt"), "xfs before");
  Unmount(dir);
  DetachLun(one(), snap->id);

  // Auto-release: the set goes with the session.
  SP_ASSERT_OK(backup->Release());
  EXPECT_TRUE(ArraySnapshots().empty());
  Result<std::vector<SnapshotProperties>> left =
      BackupComponents::QueryService(socket());
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_TRUE(left->empty());
}

TEST_F(ShadowportdTest, CliTransportableBcdValidatesAndDescribesEveryLun) {
  TestVolume xfs = MakeVolume("xfs");
  TestVolume ext4 = MakeVolume("ext4");
  StartService();
  const std::string bcd_file = work_dir() + "/set.bcd.xml";
  const std::string bundle = work_dir() + "/set.metadata";
  std::string out;
  ASSERT_EQ(RunCli({"create", "--socket", socket(), "--persistent",
                    "--transportable", "--importer", "two", "--bcd", bcd_file,
                    "--metadata", bundle, xfs.mount_point, ext4.mount_point},
                   &out),
            0)
      << out << ServiceLog();
  ASSERT_EQ(RunCli({"doc", "validate", bcd_file}, &out), 0) << out;

  Result<BackupComponentsDocument> bcd = LoadBcd(ReadFile(bcd_file));
  ASSERT_TRUE(bcd.ok()) << bcd.status().ToString();
  ASSERT_TRUE(bcd->snapshot_set.has_value());
  const SnapshotSetDescription& set = *bcd->snapshot_set;
  EXPECT_TRUE(set.context & attr::kTransportable);
  ASSERT_EQ(set.snapshots.size(), 2u);
  std::vector<array::LunInfo> at_array = ArraySnapshots();
  ASSERT_EQ(at_array.size(), 2u);
  for (const SnapshotDescription& s : set.snapshots) {
    EXPECT_TRUE(s.attributes & attr::kTransportable);
    EXPECT_TRUE(s.attributes & attr::kNotSurfaced);
    ASSERT_EQ(s.luns.size(), 1u);
    const LunMapping& m = s.luns[0];
    EXPECT_TRUE(m.source.unique_id == xfs.naa ||
                m.source.unique_id == ext4.naa);
    bool found = false;
    for (const array::LunInfo& lun : at_array) {
      if (lun.naa != m.destination.unique_id) continue;
      found = true;
      EXPECT_EQ(lun.serial, m.destination.serial_number);
      EXPECT_EQ(lun.size_bytes, m.destination.size_bytes);
      EXPECT_EQ(lun.array_id, m.destination.array_id);
      EXPECT_EQ(lun.snapshot_set_id, set.snapshot_set_id);
      EXPECT_TRUE(lun.transportable);
      EXPECT_EQ(lun.importers, std::vector<std::string>{"two"});
      // Not surfaced on the creating host: presented to nobody.
      EXPECT_TRUE(lun.presented_to.empty());
    }
    EXPECT_TRUE(found) << m.destination.unique_id;
  }
  // The metadata bundle carries the same BCD.
  Result<MetadataBundle> read = ReadMetadataBundle(bundle);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->bcd_xml, ReadFile(bcd_file));
  std::string listed;
  ASSERT_EQ(RunCli({"list", "--socket", socket(), "--json"}, &listed), 0)
      << listed;
  EXPECT_NE(listed.find(set.snapshot_set_id.ToString()), std::string::npos);
  ASSERT_EQ(RunCli({"delete", "--socket", socket(), "--set",
                    set.snapshot_set_id.ToString()},
                   &out),
            0)
      << out;
  EXPECT_TRUE(ArraySnapshots().empty());
}

TEST_F(ShadowportdTest, CliExecRunsWhileTheSetExists) {
  TestVolume v = MakeVolume("ext4");
  StartService();
  const std::string script = work_dir() + "/exec.sh";
  const std::string seen = work_dir() + "/exec.env";
  WriteFile(script, "#!/bin/sh\nenv | grep ^SHADOWPORT_ | sort > " + seen +
                        "\n" + Program("src/cli/shadowport") +
                        " list --socket \"$SHADOWPORT_SOCKET_FOR_TEST\" >> " +
                        seen + "\n");
  ::chmod(script.c_str(), 0755);
  ::setenv("SHADOWPORT_SOCKET_FOR_TEST", socket().c_str(), 1);
  std::string out;
  ASSERT_EQ(
      RunCli({"create", "--socket", socket(), "--exec", script, v.mount_point},
             &out),
      0)
      << out;
  const std::string env = ReadFile(seen);
  EXPECT_NE(env.find("SHADOWPORT_SNAPSHOT_COUNT=1"), std::string::npos) << env;
  EXPECT_NE(env.find("SHADOWPORT_SNAPSHOT_0_VOLUME=" + v.mount_point),
            std::string::npos)
      << env;
  // The set existed while the command ran (listed from inside it)...
  EXPECT_NE(env.find(v.mount_point, env.find("SHADOWPORT_SNAPSHOT_0_VOLUME") +
                                        40 + v.mount_point.size()),
            std::string::npos)
      << env;
  // ...and, auto-release, went with the command.
  EXPECT_TRUE(ArraySnapshots().empty());

  // A failing command fails the verb, and the set still goes.
  WriteFile(script, "#!/bin/sh\nexit 7\n");
  EXPECT_NE(
      RunCli({"create", "--socket", socket(), "--exec", script, v.mount_point},
             &out),
      0);
  EXPECT_NE(out.find("7"), std::string::npos) << out;
  EXPECT_TRUE(ArraySnapshots().empty());
}

TEST_F(ShadowportdTest, AutoReleaseSetGoesWhenTheRequesterIsKilled) {
  TestVolume v = MakeVolume("xfs");
  StartService();
  ChildProcess requester(
      {Program("src/cli/shadowport"), "create", "--socket", socket(),
       "--transportable", "--wait-done", v.mount_point},
      {}, work_dir() + "/requester.log");
  ASSERT_GT(requester.pid(), 0);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ArraySnapshots().empty() && std::chrono::steady_clock::now() < end) {
    ASSERT_FALSE(requester.Poll()) << ReadFile(work_dir() + "/requester.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(ArraySnapshots().size(), 1u);
  // The session is held (create --wait-done): the set stays...
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(ArraySnapshots().size(), 1u);
  // ...until the requester dies: its stream ends, the set is deleted.
  requester.Kill(SIGKILL);
  const auto gone = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!ArraySnapshots().empty() && std::chrono::steady_clock::now() < gone) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(ArraySnapshots().empty()) << ServiceLog();
  Result<std::vector<SnapshotProperties>> left =
      BackupComponents::QueryService(socket());
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

}  // namespace
}  // namespace sp::testing_support
